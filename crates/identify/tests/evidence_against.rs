//! Issue 10 §2: evidence against a maker counts. A device whose ONVIF
//! strings say HIKVISION but whose web server is a Python server, whose
//! `/ISAPI/System/deviceInfo` answered 404 and whose serial fits no
//! Hikvision grammar is a label without a platform, not Hikvision at 0.999.
//! A real Hikvision that simply was not probed over HTTP is unconfirmed,
//! never contradicted: a probe not sent is not evidence.

use std::net::{IpAddr, Ipv4Addr};

use camaudit_identify::Engine;
use camaudit_model::{Device, Observation};

fn engine() -> Engine {
    Engine::builtin().expect("built-in engine loads")
}

fn one(engine: &Engine, obs: &[(&str, &str)]) -> Device {
    let addr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 20));
    let obs: Vec<Observation> = obs
        .iter()
        .map(|(f, v)| Observation::new(addr, Some(80), f, v).expect("valid observation"))
        .collect();
    let mut devices = engine.identify(&obs);
    assert_eq!(devices.len(), 1, "{devices:#?}");
    devices.remove(0)
}

fn maker(d: &Device) -> Option<&str> {
    d.manufacturer.as_ref().map(|m| m.as_str())
}

/// The label names a maker whose platform the evidence contradicts: weak,
/// unconfirmed, and the attribution says so, naming `missing` (the vendor
/// API path that answered 404).
fn assert_label_only(d: &Device, missing: &str) {
    assert!(d.confidence.get() < 0.3, "{}", d.confidence.get());
    assert_eq!(d.platform_confirmed, Some(false));
    assert!(
        d.attribution
            .iter()
            .any(|s| s.claim.contains("label only, platform unconfirmed")
                && s.claim.contains(missing)),
        "{:#?}",
        d.attribution
    );
}

/// What an ONVIF emulator on a PC says when it is told to be a Hikvision.
const ONVIF_AS_HIKVISION: &[(&str, &str)] = &[
    ("onvif.manufacturer", "HIKVISION"),
    ("onvif.model", "DS-2CD2385G1-I"),
    ("onvif.firmware", "1.0.0"),
    ("onvif.serial", "EMU-0001"),
    (
        "onvif.scope",
        "onvif://www.onvif.org/name/HIKVISION%20DS-2CD2385G1-I",
    ),
    (
        "onvif.scope",
        "onvif://www.onvif.org/location/city/hangzhou",
    ),
    (
        "onvif.scope",
        "onvif://www.onvif.org/hardware/DS-2CD2385G1-I",
    ),
];

#[test]
fn a_hikvision_label_on_a_python_server_is_a_label_only() {
    let mut obs = ONVIF_AS_HIKVISION.to_vec();
    obs.push(("http.header.server", "BaseHTTP/0.6 Python/3.11.2"));
    obs.push(("http.not_found", "/ISAPI/System/deviceInfo"));
    let d = one(&engine(), &obs);
    assert_eq!(
        d.label_vendor.as_ref().map(|l| l.as_str()),
        Some("hikvision")
    );
    assert_eq!(maker(&d), Some("hikvision"), "the label still says so");
    assert_label_only(&d, "/ISAPI/System/deviceInfo");
    let against = d
        .conflicts
        .iter()
        .find(|c| c.fact.as_str() == "manufacturer")
        .and_then(|c| c.rejected.iter().find(|r| r.value == "not hikvision"))
        .expect("the contradiction is a conflict");
    assert_eq!(
        against.rules,
        [
            "hikvision.onvif.serial-not-hikvision",
            "hikvision.http.server-python",
            "hikvision.http.not-found-isapi"
        ]
    );
}

/// Each contradiction weighs on its own: more of them, less left.
#[test]
fn every_contradiction_lowers_the_maker_further() {
    let engine = engine();
    let base = one(&engine, ONVIF_AS_HIKVISION);
    let mut obs = ONVIF_AS_HIKVISION.to_vec();
    obs.push(("http.not_found", "/ISAPI/System/deviceInfo"));
    let with_404 = one(&engine, &obs);
    obs.push(("http.header.server", "lighttpd/1.4.59"));
    let with_both = one(&engine, &obs);
    assert!(base.confidence > with_404.confidence, "{with_404:#?}");
    assert!(with_404.confidence > with_both.confidence, "{with_both:#?}");
}

/// A real Hikvision seen only through ONVIF (an nmap or ONVIF-only sweep):
/// its serial fits, no vendor path was asked for, so nothing contradicts
/// it. It is unconfirmed, not contradicted.
#[test]
fn a_hikvision_seen_only_by_onvif_is_unconfirmed_not_contradicted() {
    let d = one(
        &engine(),
        &[
            ("onvif.manufacturer", "HIKVISION"),
            ("onvif.model", "DS-2CD2385G1-I"),
            ("onvif.firmware", "V5.5.6 build 180326"),
            ("onvif.serial", "DS-2CD2385G1-I20190315AAWRD12345678"),
        ],
    );
    assert_eq!(maker(&d), Some("hikvision"));
    assert!(d.covered && d.confidence.get() > 0.9, "{d:#?}");
    assert_eq!(d.platform_confirmed, Some(false));
    assert!(
        !d.attribution
            .iter()
            .any(|s| s.claim.contains("contradicted")),
        "{:#?}",
        d.attribution
    );
    assert!(
        d.evidence
            .iter()
            .all(|e| e.asserts.not_manufacturer.is_none())
    );
}

#[test]
fn a_hikvision_api_confirms_the_platform() {
    let d = one(
        &engine(),
        &[
            ("onvif.manufacturer", "HIKVISION"),
            ("http.header.server", "App-webs/"),
        ],
    );
    assert_eq!(maker(&d), Some("hikvision"));
    assert_eq!(d.platform_confirmed, Some(true));
}

/// Every web server that is not Hikvision's answers 404 to /ISAPI: that says
/// nothing about an Axis camera, and is not listed on it.
#[test]
fn evidence_against_a_maker_nobody_claims_is_not_listed() {
    let d = one(
        &engine(),
        &[
            ("onvif.manufacturer", "AXIS"),
            (
                "http.header.www-authenticate",
                "Basic realm=\"AXIS_ACCC8E012345\"",
            ),
            ("http.not_found", "/ISAPI/System/deviceInfo"),
            ("onvif.serial", "ACCC8E012345"),
        ],
    );
    assert_eq!(maker(&d), Some("axis"));
    assert!(!d.covered);
    assert!(
        d.evidence
            .iter()
            .all(|e| e.asserts.not_manufacturer.is_none()),
        "{:#?}",
        d.evidence
    );
    assert!(
        d.conflicts
            .iter()
            .all(|c| c.fact.as_str() != "manufacturer")
    );
}

/// ONVIF GetDeviceInformation's firmware and serial fill the device's
/// fields even when no rule knows the maker, as the model already did.
#[test]
fn generic_onvif_firmware_and_serial_are_kept() {
    let d = one(
        &engine(),
        &[
            ("onvif.manufacturer", "Acme Vision"),
            ("onvif.model", "AV-100"),
            ("onvif.firmware", "2.4.1"),
            ("onvif.serial", "AV1000012345"),
        ],
    );
    assert_eq!(d.model.as_deref(), Some("AV-100"));
    assert_eq!(d.firmware.as_deref(), Some("2.4.1"));
    assert_eq!(d.serial.as_deref(), Some("AV1000012345"));
    assert!(d.manufacturer.is_none(), "unknown stays unknown: {d:#?}");
    assert!(d.conflicts.is_empty(), "{:#?}", d.conflicts);
    // With a maker's rule reading the same value, the two agree.
    let d = one(
        &engine(),
        &[(
            "onvif.firmware",
            "V2.800.0000018.0.R, Build Date: 2021-07-07",
        )],
    );
    assert_eq!(d.firmware.as_deref(), Some("V2.800.0000018.0.R"));
    assert!(d.conflicts.iter().all(|c| c.fact.as_str() != "firmware"));
}

/// What an ONVIF emulator on a PC says when it is told to be a Dahua.
const ONVIF_AS_DAHUA: &[(&str, &str)] = &[
    ("onvif.manufacturer", "Dahua"),
    ("onvif.model", "IPC-HFW2431S-S-S2"),
    ("onvif.firmware", "1.0.0"),
    ("onvif.serial", "EMU-0001"),
];

#[test]
fn a_dahua_label_on_a_python_server_is_a_label_only() {
    let mut obs = ONVIF_AS_DAHUA.to_vec();
    obs.push(("http.header.server", "BaseHTTP/0.6 Python/3.11.2"));
    obs.push((
        "http.not_found",
        "/cgi-bin/magicBox.cgi?action=getSystemInfo",
    ));
    let d = one(&engine(), &obs);
    assert_eq!(d.label_vendor.as_ref().map(|l| l.as_str()), Some("dahua"));
    assert_eq!(maker(&d), Some("dahua"), "the label still says so");
    assert_label_only(&d, "/cgi-bin/magicBox.cgi");
    let against = d
        .conflicts
        .iter()
        .find(|c| c.fact.as_str() == "manufacturer")
        .and_then(|c| c.rejected.iter().find(|r| r.value == "not dahua"))
        .expect("the contradiction is a conflict");
    assert_eq!(
        against.rules,
        [
            "dahua.onvif.serial-not-dahua",
            "dahua.http.server-python",
            "dahua.http.not-found-cgi"
        ]
    );
}

/// A real Dahua: its DHIP reply and its 'Login to <serial>' challenge are
/// the platform, its serial fits, its CGI answered. Nothing is against it.
#[test]
fn a_real_dahua_with_its_platform_is_confirmed_and_not_contradicted() {
    let d = one(
        &engine(),
        &[
            ("onvif.manufacturer", "Dahua"),
            ("onvif.model", "IPC-HFW2431S-S-S2"),
            ("onvif.serial", "4M0747EPAA1D284"),
            (
                "http.header.www-authenticate",
                "Digest realm=\"Login to 4M0747EPAA1D284\", nonce=\"745449738fdf77164f570c37c9186b52\"",
            ),
            ("http.not_found", "/ISAPI/System/deviceInfo"),
            ("http.not_found", "/LAPI/V1.0/System/DeviceBasicInfo"),
        ],
    );
    assert_eq!(maker(&d), Some("dahua"));
    assert_eq!(d.platform_confirmed, Some(true));
    assert!(d.covered && d.confidence.get() > 0.9, "{d:#?}");
    assert!(
        !d.attribution
            .iter()
            .any(|s| s.claim.contains("contradicted")),
        "{:#?}",
        d.attribution
    );
}

/// A Lorex NVR (a Dahua OEM) seen only by ONVIF: its ND serial fits Dahua's
/// OEM grammar, so it is unconfirmed but not contradicted.
#[test]
fn a_lorex_seen_only_by_onvif_is_not_contradicted() {
    let d = one(
        &engine(),
        &[
            ("onvif.manufacturer", "Lorex"),
            ("onvif.serial", "ND021811019863"),
        ],
    );
    assert_eq!(maker(&d), Some("dahua"), "{d:#?}");
    assert!(
        d.evidence
            .iter()
            .all(|e| e.asserts.not_manufacturer.is_none()),
        "{:#?}",
        d.evidence
    );
}

#[test]
fn a_uniview_label_without_lapi_is_a_label_only() {
    let d = one(
        &engine(),
        &[
            ("onvif.manufacturer", "UNIVIEW"),
            ("onvif.model", "IPC-B312-IR"),
            ("onvif.serial", "EMU-0001"),
            ("http.header.server", "Werkzeug/3.0.1 Python/3.12.1"),
            ("http.not_found", "/LAPI/V1.0/System/DeviceBasicInfo"),
        ],
    );
    assert_eq!(maker(&d), Some("uniview"));
    assert_label_only(&d, "/LAPI/V1.0/System/DeviceBasicInfo");
}

/// A real Uniview answers LAPI with its schema: confirmed, and the 404s of
/// other makers' paths weigh nothing on it.
#[test]
fn a_real_uniview_with_lapi_is_confirmed() {
    let d = one(
        &engine(),
        &[
            ("onvif.manufacturer", "UNIVIEW"),
            ("onvif.serial", "210235C2QSA188000194"),
            (
                "http.body",
                r#"{"Response":{"ResponseURL":"/LAPI/V1.0/System/DeviceBasicInfo","ResponseCode":0,"Data":{"Manufacturer":"UNIVIEW","DeviceModel":"IPC-B312-IR@DP-IR3-F60-C","SerialNumber":"210235C2QSA188000194"}}}"#,
            ),
            (
                "http.not_found",
                "/cgi-bin/magicBox.cgi?action=getSystemInfo",
            ),
            ("http.not_found", "/ISAPI/System/deviceInfo"),
        ],
    );
    assert_eq!(maker(&d), Some("uniview"));
    assert_eq!(d.platform_confirmed, Some(true));
    assert!(d.covered && d.confidence.get() > 0.9, "{d:#?}");
    assert!(
        d.evidence
            .iter()
            .all(|e| e.asserts.not_manufacturer.is_none()),
        "{:#?}",
        d.evidence
    );
}

/// A trusted camera is never made covered by the evidence against a
/// covered maker: an Axis camera's 404s to Dahua's and Uniview's paths
/// and its serial leave it Axis, not covered, with nothing listed against.
#[test]
fn evidence_against_dahua_and_uniview_never_touches_a_trusted_camera() {
    let d = one(
        &engine(),
        &[
            ("onvif.manufacturer", "AXIS"),
            (
                "http.header.www-authenticate",
                "Basic realm=\"AXIS_ACCC8E012345\"",
            ),
            (
                "http.not_found",
                "/cgi-bin/magicBox.cgi?action=getSystemInfo",
            ),
            ("http.not_found", "/LAPI/V1.0/System/DeviceBasicInfo"),
            ("onvif.serial", "ACCC8E012345"),
        ],
    );
    assert_eq!(maker(&d), Some("axis"));
    assert!(!d.covered);
    assert!(
        d.evidence
            .iter()
            .all(|e| e.asserts.not_manufacturer.is_none()),
        "{:#?}",
        d.evidence
    );
}
