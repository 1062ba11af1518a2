//! KEV ranges judged on the build date the evidence states beside the
//! version: Dahua's `magicBox` and ONVIF strings (`…R,build:2022-03-11`,
//! `…R, Build Date: 2021-07-07`) and Hikvision's ISAPI
//! `firmwareReleasedDate`, while DHIP and ISAPI report the bare version.
//! The firmware fact stays the bare version, so the two forms do not
//! conflict; a device whose evidence states no date, or two different ones,
//! stays `unknown`, never `not-affected`.

use std::net::{IpAddr, Ipv4Addr};

use camaudit_identify::Engine;
use camaudit_model::{Device, FactKind, KevStatus, Observation};

fn one(engine: &Engine, obs: &[(&str, &str)]) -> Device {
    let addr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
    let obs: Vec<Observation> = obs
        .iter()
        .map(|(f, v)| Observation::new(addr, Some(80), f, v).expect("valid observation"))
        .collect();
    let mut devices = engine.identify(&obs);
    assert_eq!(devices.len(), 1, "{devices:#?}");
    devices.remove(0)
}

fn status(d: &Device, cve: &str) -> (KevStatus, String) {
    let n = d
        .vulnerabilities
        .iter()
        .find(|n| n.cve == cve)
        .unwrap_or_else(|| panic!("{cve} in {:#?}", d.vulnerabilities));
    (n.status, n.reason.clone())
}

/// A Dahua IPC-HDW5… eyeball (in both CVEs' camera families) seen by DHIP
/// discovery (the version as the corpus sample reports it, no date) and by
/// its `magicBox.cgi?action=getSoftwareVersion` reply.
fn dahua_with_magicbox(build: &str) -> Vec<(&'static str, String)> {
    vec![
        ("dhip.devicetype", "IPC-HDW5831R-ZE".to_owned()),
        ("dhip.version", "2.800.0000000.13.R".to_owned()),
        (
            "http.body",
            format!("version=2.800.0000000.13.R,build:{build}\r\n"),
        ),
    ]
}

fn identify(obs: &[(&'static str, String)]) -> Device {
    let obs: Vec<(&str, &str)> = obs.iter().map(|(f, v)| (*f, v.as_str())).collect();
    one(&Engine::builtin().expect("built-in engine"), &obs)
}

#[test]
fn a_dahua_build_date_beside_the_version_decides_both_cves() {
    // Built 2022-03-11: after both camera fixes (June 2021, May 2020).
    let d = identify(&dahua_with_magicbox("2022-03-11"));
    assert_eq!(d.manufacturer.as_ref().map(|m| m.as_str()), Some("dahua"));
    assert_eq!(d.firmware.as_deref(), Some("2.800.0000000.13.R"));
    assert!(
        !d.conflicts.iter().any(|c| c.fact == FactKind::Firmware),
        "the bare and the dated version are one firmware: {:#?}",
        d.conflicts
    );
    for cve in ["CVE-2021-33044", "CVE-2021-33045"] {
        let (s, reason) = status(&d, cve);
        assert_eq!(s, KevStatus::NotAffected, "{cve}: {reason}");
        assert!(
            reason.contains("firmware build 2022-03-11 (stated beside version 2.800.0000000.13.R)"),
            "{reason}"
        );
    }
}

#[test]
fn a_dahua_build_between_the_two_fixes_is_affected_by_one_only() {
    // 2020-08-01: before CVE-2021-33044's fix (June 2021), after
    // CVE-2021-33045's (May 2020).
    let d = identify(&dahua_with_magicbox("2020-08-01"));
    assert_eq!(status(&d, "CVE-2021-33044").0, KevStatus::Affected);
    assert_eq!(status(&d, "CVE-2021-33045").0, KevStatus::NotAffected);
    let d = identify(&dahua_with_magicbox("2020-01-15"));
    assert_eq!(status(&d, "CVE-2021-33044").0, KevStatus::Affected);
    assert_eq!(status(&d, "CVE-2021-33045").0, KevStatus::Affected);
}

#[test]
fn an_onvif_build_date_after_the_version_is_read() {
    // The form rroller/dahua#90 quotes from a camera's ONVIF
    // GetDeviceInformation (V2.800.0000018.0.R, Build Date: 2021-07-07).
    let engine = Engine::builtin().expect("built-in engine");
    let d = one(
        &engine,
        &[
            ("dhip.devicetype", "IPC-HFW5241E-Z12E"),
            (
                "onvif.firmware",
                "V2.800.0000018.0.R, Build Date: 2021-07-07",
            ),
        ],
    );
    assert_eq!(d.firmware.as_deref(), Some("V2.800.0000018.0.R"));
    let (s, reason) = status(&d, "CVE-2021-33044");
    assert_eq!(s, KevStatus::NotAffected, "{reason}");
    assert!(reason.contains("2021-07-07"), "{reason}");
}

#[test]
fn no_stated_date_or_two_different_ones_stay_unknown() {
    let engine = Engine::builtin().expect("built-in engine");
    let bare = one(
        &engine,
        &[
            ("dhip.devicetype", "IPC-HDW5831R-ZE"),
            ("dhip.version", "2.800.0000000.13.R"),
            ("http.body", "version=2.800.0000000.13.R\r\n"),
        ],
    );
    let (s, reason) = status(&bare, "CVE-2021-33044");
    assert_eq!(s, KevStatus::Unknown, "{reason}");
    assert!(reason.contains("no build date could be read"), "{reason}");
    // The web API and ONVIF state different builds of one version: the
    // evidence is not sure of its date, so neither is the verdict.
    let split = one(
        &engine,
        &[
            ("dhip.devicetype", "IPC-HDW5831R-ZE"),
            (
                "http.body",
                "version=2.800.0000000.13.R,build:2022-03-11\r\n",
            ),
            ("onvif.firmware", "2.800.0000000.13.R,build:2019-01-01"),
        ],
    );
    assert_eq!(split.firmware.as_deref(), Some("2.800.0000000.13.R"));
    for cve in ["CVE-2021-33044", "CVE-2021-33045"] {
        assert_eq!(status(&split, cve).0, KevStatus::Unknown, "{cve}");
    }
}

/// A Hikvision ISAPI `/ISAPI/System/deviceInfo` reply, in the layout of
/// the corpus sample (protocols/axis_uniview_hikvision_http.md).
fn isapi(model: &str, firmware: &str, released: Option<&str>) -> String {
    let released = released
        .map(|r| format!("<firmwareReleasedDate>{r}</firmwareReleasedDate>"))
        .unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DeviceInfo version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><deviceName>IP CAMERA</deviceName><deviceID>48353933-3735-3630-3433-bcad28889498</deviceID><model>{model}</model><serialNumber>{model}20170801AACH812345678</serialNumber><macAddress>bc:ad:28:88:94:98</macAddress><firmwareVersion>{firmware}</firmwareVersion>{released}<encoderVersion>V7.3</encoderVersion><encoderReleasedDate>build 170725</encoderReleasedDate><deviceType>IPCamera</deviceType></DeviceInfo>"
    )
}

#[test]
fn hikvision_firmware_released_date_decides_cve_2021_36260() {
    let engine = Engine::builtin().expect("built-in engine");
    let cases = [
        ("V5.5.0", Some("build 170725"), KevStatus::Affected),
        ("V5.5.800", Some("build 210628"), KevStatus::NotAffected),
        ("V5.7.3", Some("build220112"), KevStatus::NotAffected),
        // The encoder's date is not the firmware's: without the firmware
        // element the verdict is unknown.
        ("V5.5.0", None, KevStatus::Unknown),
        // A released date that is no date.
        ("V5.5.0", Some("build 999999"), KevStatus::Unknown),
    ];
    for (firmware, released, want) in cases {
        let body = isapi("DS-2CD2143G0-I", firmware, released);
        let d = one(&engine, &[("http.body", body.as_str())]);
        assert_eq!(d.firmware.as_deref(), Some(firmware));
        let (s, reason) = status(&d, "CVE-2021-36260");
        assert_eq!(s, want, "{firmware} {released:?}: {reason}");
    }
}

#[test]
fn amcrest_versions_as_users_report_them_are_judged_per_firmware_line() {
    // Versions two Amcrest owners quoted from their cameras
    // (home-assistant/core#68272): the date follows the version. CVE-2020-5735
    // was fixed on the 2.420 line in 2.420.AC00.18.R.20200217; the 2.620 line
    // is not one the CVE record names.
    let engine = Engine::builtin().expect("built-in engine");
    let dated = |model: &str, firmware: &str| {
        one(
            &engine,
            &[
                ("onvif.manufacturer", "Amcrest"),
                ("dhip.devicetype", model),
                ("onvif.firmware", firmware),
            ],
        )
    };
    let ip2m = dated("IP2M-841", "V2.420.AC00.18.R, Build Date: 2019-07-29");
    let (s, reason) = status(&ip2m, "CVE-2020-5735");
    assert_eq!(s, KevStatus::Affected, "{reason}");
    assert!(
        reason.contains(
            "build 2019-07-29 (stated beside version V2.420.AC00.18.R) is before 2020-02-17"
        ),
        "{reason}"
    );
    let ip4m = dated("IP4M-1051", "V2.620.00AC000.3.R, Build Date: 2019-08-03");
    let (s, reason) = status(&ip4m, "CVE-2020-5735");
    assert_eq!(s, KevStatus::Unknown, "{reason}");
    assert!(reason.contains("not among the documented"), "{reason}");
}
