//! Verdict strength on devices: the chain from the evidence to a covering
//! regime holds no better than its weakest link, and only the route that
//! actually names the maker counts.

use std::net::{IpAddr, Ipv4Addr};

use camaudit_identify::Engine;
use camaudit_model::{Device, Observation, Verdict};

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

#[test]
fn verdict_strength_follows_the_route_to_the_maker() {
    let engine = Engine::builtin().expect("built-in engine loads");

    // Firmware-set platform evidence: a Hikvision SADP device type.
    let d = one(&engine, &[("sadp.devicetype", "141945")]);
    let c = d.coverage.as_ref().expect("covered");
    assert_eq!(c.verdict, Verdict::Covered, "{c:?}");
    assert!(d.covered);

    // Only the label, and Swann's relation to Hikvision is low (community
    // reports): covered, but only likely, and the table says why.
    let d = one(&engine, &[("import.brand", "Swann")]);
    assert_eq!(
        d.manufacturer.as_ref().map(|m| m.as_str()),
        Some("hikvision")
    );
    let c = d.coverage.as_ref().expect("covered");
    assert_eq!(c.verdict, Verdict::LikelyCovered, "{c:?}");
    assert!(
        c.weakest_link
            .starts_with("label swann → OEM / white-label reseller of hikvision"),
        "{}",
        c.weakest_link
    );
    assert!(c.weakest_link.ends_with("(low)"), "{}", c.weakest_link);
    assert!(d.covered, "a likely-covered device is still covered");

    // The same label on a device whose platform says Hikvision: the weak
    // relation is no longer what the verdict rests on.
    let d = one(
        &engine,
        &[("import.brand", "Swann"), ("sadp.devicetype", "141945")],
    );
    let c = d.coverage.as_ref().expect("covered");
    assert_eq!(c.verdict, Verdict::Covered, "{c:?}");

    // A trusted maker has no coverage at all.
    let d = one(
        &engine,
        &[("import.manufacturer", "Axis Communications AB")],
    );
    assert!(d.coverage.is_none() && !d.covered, "{d:#?}");
}
