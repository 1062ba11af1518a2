//! What judging a device's known exploited vulnerabilities costs without
//! the engine's memo (every device a new maker, model and firmware), next to
//! what building the whole device costs:
//! `cargo run --release -p camaudit-identify --example kev_cost`.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use camaudit_identify::Engine;
use camaudit_model::{Observation, VendorId};

const CALLS: u32 = 200_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = Engine::builtin()?;
    let registry = engine.registry();
    let cases = [
        ("hikvision", "DS-2CD2385G1-I", Some("V5.6.2build 190701")),
        ("hikvision", "DS-2CD2385G1-I", None),
        ("dahua", "IPC-HDW5831R-ZE", Some("2.800.0000000.13.R")),
        ("amcrest", "IP8M-2493EB", Some("2.800.0000000.6.R.200101")),
    ];
    for (vendor, model, firmware) in cases {
        let vendor = VendorId::new(vendor)?;
        let start = Instant::now();
        for _ in 0..CALLS {
            black_box(registry.kev_notes(&[&vendor], black_box(Some(model)), firmware));
        }
        let per = start.elapsed() / CALLS;
        println!("kev_notes({vendor}, {model}, {firmware:?}): {per:?} per device, unmemoised");
    }
    // A whole device, for scale: the SADP and ONVIF lines of the README's
    // first example camera, one device per address.
    let devices = 20_000u32;
    let mut obs = Vec::new();
    for i in 0..devices {
        let addr = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i));
        for (f, v) in [
            ("sadp.devicetype", "141945"),
            ("sadp.devicedescription", "DS-2CD2385G1-I"),
            ("sadp.softwareversion", "V5.6.2build 190701"),
            ("http.header.server", "App-webs/"),
        ] {
            obs.push(Observation::new(addr, Some(80), f, v)?);
        }
    }
    let start = Instant::now();
    let built = engine.identify(&obs);
    let per = start.elapsed() / devices;
    println!("identify: {per:?} per device ({} devices)", built.len());
    Ok(())
}
