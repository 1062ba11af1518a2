//! `Device::vulnerabilities`: every device is judged against the CISA KEV
//! entries of its manufacturer (and of a rebrand's label brand), on its
//! model and firmware, with the firmware strings devices really report.

use std::net::{IpAddr, Ipv4Addr};

use camaudit_identify::Engine;
use camaudit_model::{Device, KevNote, KevStatus, Observation};

const KEV_CATALOG: &str = "github:cisagov/kev-data:known_exploited_vulnerabilities.json";

fn engine() -> Engine {
    Engine::builtin().expect("built-in engine loads")
}

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

fn maker(d: &Device) -> Option<&str> {
    d.manufacturer.as_ref().map(|m| m.as_str())
}

fn cves(d: &Device) -> Vec<&str> {
    d.vulnerabilities.iter().map(|n| n.cve.as_str()).collect()
}

fn note<'d>(d: &'d Device, cve: &str) -> &'d KevNote {
    d.vulnerabilities
        .iter()
        .find(|n| n.cve == cve)
        .unwrap_or_else(|| panic!("{cve} in {:#?}", d.vulnerabilities))
}

/// A Hikvision camera seen by SADP: model and firmware as the discovery
/// reply carries them (`V5.5.6build 180326` is a real SADP SoftwareVersion).
fn hikvision_sadp<'a>(model: &'a str, firmware: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut obs = vec![
        ("sadp.devicetype", "141945"),
        ("sadp.devicedescription", model),
    ];
    obs.extend(firmware.map(|f| ("sadp.softwareversion", f)));
    obs
}

#[test]
fn a_hikvision_camera_built_before_the_fix_is_affected_by_cve_2021_36260() {
    let d = one(
        &engine(),
        &hikvision_sadp("DS-2CD2143G0-I", Some("V5.5.6build 180326")),
    );
    assert_eq!(maker(&d), Some("hikvision"));
    assert_eq!(d.firmware.as_deref(), Some("V5.5.6build 180326"));
    assert_eq!(cves(&d), ["CVE-2021-36260"]);
    let n = note(&d, "CVE-2021-36260");
    assert_eq!(n.status, KevStatus::Affected);
    assert!(
        n.reason.contains("2018-03-26") && n.reason.contains("2021-06-28"),
        "{}",
        n.reason
    );
    // The catalog entry's source, then the range's (the researcher's
    // disclosure and the CVE record).
    assert_eq!(n.sources.first().map(String::as_str), Some(KEV_CATALOG));
    assert!(n.sources.iter().any(|s| s.contains("watchfulip")));
    assert!(n.sources.iter().any(|s| s.contains("CVE-2021-36260.json")));
}

#[test]
fn a_hikvision_camera_on_the_fixed_build_is_not_affected() {
    let engine = engine();
    // V5.5.800 build 210628 is the patched firmware the researcher tested.
    for firmware in ["V5.5.800build 210628", "V5.7.3 build 220112"] {
        let d = one(&engine, &hikvision_sadp("DS-2CD2143G0-I", Some(firmware)));
        assert_eq!(d.firmware.as_deref(), Some(firmware));
        let n = note(&d, "CVE-2021-36260");
        assert_eq!(n.status, KevStatus::NotAffected, "{firmware}: {}", n.reason);
        assert!(
            n.reason.contains("is not before 2021-06-28"),
            "{}",
            n.reason
        );
    }
}

#[test]
fn a_hikvision_camera_without_firmware_is_unknown_never_affected() {
    let d = one(&engine(), &hikvision_sadp("DS-2CD2143G0-I", None));
    assert_eq!(maker(&d), Some("hikvision"));
    assert_eq!(d.firmware, None);
    let n = note(&d, "CVE-2021-36260");
    assert_eq!(n.status, KevStatus::Unknown);
    assert!(
        n.reason.starts_with("the device's firmware was not seen"),
        "{}",
        n.reason
    );
    assert!(!n.sources.is_empty());
}

#[test]
fn a_hikvision_firmware_without_a_build_date_is_unknown() {
    // An ISAPI deviceInfo reply with the version alone (`V5.7.3`) and no
    // firmwareReleasedDate element (kev_build_dates.rs has replies with one).
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DeviceInfo version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><deviceName>IP CAMERA</deviceName><model>DS-2CD2387G2-LU</model><firmwareVersion>V5.7.3</firmwareVersion></DeviceInfo>";
    let d = one(&engine(), &[("http.body", body)]);
    assert_eq!(d.firmware.as_deref(), Some("V5.7.3"));
    let n = note(&d, "CVE-2021-36260");
    assert_eq!(n.status, KevStatus::Unknown);
    assert!(
        n.reason.contains("no build date could be read"),
        "{}",
        n.reason
    );
}

#[test]
fn a_hikvision_recorder_is_outside_the_documented_camera_families() {
    let d = one(
        &engine(),
        &hikvision_sadp("DS-7608NI-K2", Some("V4.30.085build 200916")),
    );
    let n = note(&d, "CVE-2021-36260");
    assert_eq!(n.status, KevStatus::Unknown);
    assert!(
        n.reason.contains("not among the documented"),
        "{}",
        n.reason
    );
}

#[test]
fn a_dahua_camera_is_judged_on_cve_2021_33044_and_33045() {
    let engine = engine();
    // An IPC-HDW5… eyeball is in both advisories' camera families. DHIP
    // reports the version without its build date, so neither can be decided.
    let d = one(
        &engine,
        &[
            ("dhip.devicetype", "IPC-HDW5831R-ZE"),
            ("dhip.version", "2.800.0000000.13.R"),
        ],
    );
    assert_eq!(maker(&d), Some("dahua"));
    assert_eq!(cves(&d), ["CVE-2021-33044", "CVE-2021-33045"]);
    for cve in ["CVE-2021-33044", "CVE-2021-33045"] {
        let n = note(&d, cve);
        assert_eq!(n.status, KevStatus::Unknown);
        assert!(n.reason.starts_with("Dahua IP cameras"), "{}", n.reason);
        assert!(
            n.reason
                .contains("no build date could be read from firmware \"2.800.0000000.13.R\""),
            "{}",
            n.reason
        );
        assert!(n.sources.iter().any(|s| s.contains(&format!("{cve}.json"))));
    }
    // An entry-level IPC-HDW1… is in neither family.
    let d = one(
        &engine,
        &[
            ("dhip.devicetype", "IPC-HDW1431T1-S4"),
            ("dhip.version", "2.800.0000000.13.R"),
        ],
    );
    assert_eq!(cves(&d), ["CVE-2021-33044", "CVE-2021-33045"]);
    for n in &d.vulnerabilities {
        assert_eq!(n.status, KevStatus::Unknown);
        assert!(
            n.reason.contains("not among the documented"),
            "{}",
            n.reason
        );
    }
}

#[test]
fn a_dahua_device_is_not_given_amcrest_entries() {
    // CVE-2020-5735 is recorded against Amcrest; a Dahua-branded device on
    // the same firmware line is not judged on it (the catalog names Amcrest
    // only).
    let d = one(
        &engine(),
        &[
            ("dhip.devicetype", "IPC-HDW5831R-ZE"),
            ("dhip.version", "2.800.0000000.6.R"),
        ],
    );
    assert!(!cves(&d).contains(&"CVE-2020-5735"), "{:?}", cves(&d));
}

#[test]
fn a_trusted_maker_has_no_vulnerabilities_and_says_so() {
    let d = one(
        &engine(),
        &[
            ("mac", "ac:cc:8e:01:23:45"),
            (
                "http.header.www-authenticate",
                "Basic realm=\"AXIS_ACCC8E012345\"",
            ),
            ("dhcp.vendor_class", "AXIS,Network Camera,M1065-LW,9.80.1"),
        ],
    );
    assert_eq!(maker(&d), Some("axis"));
    assert_eq!(d.firmware.as_deref(), Some("9.80.1"));
    assert!(d.vulnerabilities.is_empty());
    let json = serde_json::to_value(&d).expect("serialise");
    assert_eq!(json["vulnerabilities"], serde_json::json!([]));
}

#[test]
fn a_rebrand_is_judged_on_its_makers_entries() {
    // ANNKE sells Hikvision cameras: the label has no entries of its own,
    // the maker's apply to the device.
    let mut obs = vec![("onvif.manufacturer", "ANNKE")];
    obs.extend(hikvision_sadp("DS-2CD2143G0-I", Some("V5.5.6build 180326")));
    let d = one(&engine(), &obs);
    assert_eq!(d.label_vendor.as_ref().map(|v| v.as_str()), Some("annke"));
    assert_eq!(maker(&d), Some("hikvision"));
    assert_eq!(cves(&d), ["CVE-2021-36260"]);
    assert_eq!(note(&d, "CVE-2021-36260").status, KevStatus::Affected);
}

#[test]
fn a_rebrand_with_entries_of_its_own_is_judged_on_both() {
    // An Amcrest-labelled Dahua: Dahua's two entries and Amcrest's own
    // CVE-2020-5735, whose ranges are per firmware line (2.800.0000000 is
    // one of them).
    let d = one(
        &engine(),
        &[
            ("onvif.manufacturer", "Amcrest"),
            ("dhip.devicetype", "IP8M-2493EB"),
            ("dhip.version", "2.800.0000000.6.R"),
        ],
    );
    assert_eq!(d.label_vendor.as_ref().map(|v| v.as_str()), Some("amcrest"));
    assert_eq!(maker(&d), Some("dahua"));
    assert_eq!(
        cves(&d),
        ["CVE-2020-5735", "CVE-2021-33044", "CVE-2021-33045"]
    );
    let amcrest = note(&d, "CVE-2020-5735");
    assert_eq!(amcrest.status, KevStatus::Unknown);
    assert!(
        amcrest.reason.contains("2.800.0000000 firmware line"),
        "{}",
        amcrest.reason
    );
    // Amcrest's number is not one of Dahua's documented families.
    let dahua = note(&d, "CVE-2021-33044");
    assert!(
        dahua.reason.contains("not among the documented"),
        "{}",
        dahua.reason
    );
}

#[test]
fn a_rebrand_is_judged_on_the_makers_own_model_number_when_documented() {
    // The registry records EmpireTech's NVR16CH-16P-2AI as Dahua's
    // NVR5216-16P-EI, and CVE-2021-33045's recorder range lists NVR5…: the
    // Dahua number is the one judged, and the reason names it.
    let d = one(
        &engine(),
        &[
            ("onvif.manufacturer", "EmpireTech"),
            ("dhip.devicetype", "NVR16CH-16P-2AI"),
            ("dhip.version", "4.001.0000000.1.R"),
        ],
    );
    assert_eq!(
        d.label_vendor.as_ref().map(|v| v.as_str()),
        Some("empiretech")
    );
    assert_eq!(maker(&d), Some("dahua"));
    let n = note(&d, "CVE-2021-33045");
    assert!(
        n.reason.starts_with("as dahua NVR5216-16P-EI")
            && n.reason.contains("NVR1XXX, NVR2XXX, NVR5XXX"),
        "{}",
        n.reason
    );
    // The equivalence is cited after the KEV entry's sources.
    assert_eq!(
        n.sources.last().map(String::as_str),
        Some("https://github.com/rroller/dahua/issues/462")
    );
}

#[test]
fn a_device_of_unknown_make_has_no_vulnerabilities() {
    let d = one(&engine(), &[("http.header.server", "nginx/1.18.0")]);
    assert_eq!(d.manufacturer, None);
    assert!(d.vulnerabilities.is_empty());
}

#[test]
fn a_stored_device_without_the_field_still_reads() {
    let d = one(&engine(), &hikvision_sadp("DS-2CD2143G0-I", None));
    let mut json = serde_json::to_value(&d).expect("serialise");
    json.as_object_mut()
        .expect("an object")
        .remove("vulnerabilities");
    let back: Device = serde_json::from_value(json).expect("an old device reads");
    assert!(back.vulnerabilities.is_empty());
    // And a device's notes read back as written.
    let again: Device =
        serde_json::from_value(serde_json::to_value(&d).expect("serialise")).expect("reads");
    assert_eq!(again.vulnerabilities, d.vulnerabilities);
}

/// Judgements are remembered between devices: the same model and firmware
/// with and without a label of its own entries, in both orders, must still
/// differ, and a firmware seen later must not reuse the firmware-less note.
#[test]
fn remembered_judgements_keep_label_and_firmware_apart() {
    let engine = engine();
    let dahua = [
        ("dhip.devicetype", "IPC-HDW5831R-ZE"),
        ("dhip.version", "2.800.0000000.6.R"),
    ];
    let amcrest: Vec<(&str, &str)> = [("onvif.manufacturer", "Amcrest")]
        .into_iter()
        .chain(dahua)
        .collect();
    for _ in 0..2 {
        assert!(!cves(&one(&engine, &dahua)).contains(&"CVE-2020-5735"));
        assert!(cves(&one(&engine, &amcrest)).contains(&"CVE-2020-5735"));
    }
    let bare = hikvision_sadp("DS-2CD2143G0-I", None);
    let dated = hikvision_sadp("DS-2CD2143G0-I", Some("V5.5.6build 180326"));
    for _ in 0..2 {
        assert_eq!(
            note(&one(&engine, &bare), "CVE-2021-36260").status,
            KevStatus::Unknown
        );
        assert_eq!(
            note(&one(&engine, &dated), "CVE-2021-36260").status,
            KevStatus::Affected
        );
    }
}
