//! Issue 10 §4: the Topsee NetSDK family (天视通 Topsee, Anjoy Vision) from
//! its own discovery reply. The message root is platform evidence; the
//! model, serial and firmware come from the reply's attributes; Topsee the
//! company has no sourced seat, so a Topsee device stays unknown (and
//! says what it runs) while an Anjoy Vision one is likely covered.

use std::net::{IpAddr, Ipv4Addr};

use camaudit_identify::Engine;
use camaudit_model::{Device, Observation, Source, Verdict};

fn one(obs: &[(&str, &str)]) -> Device {
    let engine = Engine::builtin().expect("built-in engine loads");
    let addr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 77));
    let obs: Vec<Observation> = obs
        .iter()
        .map(|(f, v)| Observation::new(addr, Some(3001), f, v).expect("valid observation"))
        .collect();
    assert!(obs.iter().all(|o| o.source == Source::Topsee));
    let mut devices = engine.identify(&obs);
    assert_eq!(devices.len(), 1, "{devices:#?}");
    devices.remove(0)
}

fn rules(d: &Device) -> Vec<&str> {
    d.evidence
        .iter()
        .filter_map(|e| e.rule.as_deref())
        .collect()
}

#[test]
fn a_topsee_reply_gives_model_firmware_and_serial_but_no_maker() {
    let d = one(&[
        ("topsee.root", "XML_TOPSEE"),
        ("topsee.devicetype", "NVS-DM36X-HD"),
        ("topsee.serialnumber", "06D8877346000001A"),
        ("topsee.filesystemversion", "V1.0.0.7 2018-10-31 14:41:20"),
        ("topsee.account", "admin"),
        ("topsee.cleartext-password", "admin"),
    ]);
    assert_eq!(d.manufacturer, None, "{d:#?}");
    assert!(!d.covered, "{d:#?}");
    assert_eq!(d.model.as_deref(), Some("NVS-DM36X-HD"));
    assert_eq!(d.firmware.as_deref(), Some("V1.0.0.7"));
    assert_eq!(d.serial.as_deref(), Some("06D8877346000001A"));
    let r = rules(&d);
    assert!(r.contains(&"topsee.discovery.root"), "{r:?}");
    // An account name is not a model, a label or a maker.
    assert!(d.label_vendor.is_none(), "{d:#?}");
}

#[test]
fn an_anjoy_vision_reply_is_likely_covered_and_platform_confirmed() {
    let d = one(&[
        ("topsee.root", "XML_ANJVISION"),
        ("topsee.devicetype", "IPC"),
        ("topsee.devicemodule", "MC-J40H"),
        ("topsee.name", "MC-J40H"),
    ]);
    assert_eq!(
        d.manufacturer.as_ref().map(|m| m.as_str()),
        Some("anjvision")
    );
    assert_eq!(d.model.as_deref(), Some("MC-J40H"));
    assert_eq!(d.platform_confirmed, Some(true), "{d:#?}");
    let c = d.coverage.as_ref().expect("a coverage verdict");
    assert_eq!(c.verdict, Verdict::LikelyCovered, "{c:?}");
    assert_eq!(d.device_type.map(|t| t.as_str()), Some("camera"), "{d:#?}");
}

#[test]
fn a_covered_makers_name_typed_into_a_topsee_reply_decides_nothing() {
    let d = one(&[
        ("topsee.root", "XML_TOPSEE"),
        ("topsee.devicetype", "NVS-DM36X-HD"),
        ("topsee.name", "Hikvision replacement"),
        ("topsee.hostname", "hikvision-lobby"),
    ]);
    assert_ne!(
        d.manufacturer.as_ref().map(|m| m.as_str()),
        Some("hikvision"),
        "{d:#?}"
    );
    assert!(!d.covered, "{d:#?}");
    assert_eq!(d.model.as_deref(), Some("NVS-DM36X-HD"));
}
