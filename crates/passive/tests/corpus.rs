//! The real captures of `corpus/pcap/` (made by other people, see its
//! README): every camera in `truth.json` comes out with its MAC, its maker
//! and the verdict the registry gives that maker; the captures without a
//! camera give no camera and nothing covered; no other device in any of
//! them is called covered. Skips when the corpus is absent (see
//! `camaudit_testkit::corpus_part`).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use camaudit_identify::Engine;
use camaudit_model::{Device, DeviceType};
use camaudit_passive::{Limits, attach_endpoints};
use serde::Deserialize;

#[derive(Deserialize)]
struct Camera {
    addr: String,
    mac: String,
    maker: String,
}

fn devices(engine: &Engine, path: &Path) -> Vec<Device> {
    let file = File::open(path).unwrap();
    let name = path.display().to_string();
    let capture = camaudit_passive::read(Box::new(file), &name, &Limits::default()).unwrap();
    assert!(
        capture.summary.read.stop.is_none(),
        "{name}: {:?}",
        capture.summary
    );
    let mut devices = engine.identify(capture.observations.iter());
    attach_endpoints(&mut devices, &capture.endpoints, |_| None);
    devices
}

fn camera_like(d: &Device) -> bool {
    matches!(
        d.device_type,
        Some(DeviceType::Camera | DeviceType::ThermalCamera | DeviceType::Nvr | DeviceType::Dvr)
    )
}

#[test]
fn the_real_captures_give_their_cameras_and_nothing_else_covered() {
    let Some(dir) = camaudit_testkit::corpus_part("pcap") else {
        return;
    };
    let truth: BTreeMap<String, Vec<Camera>> =
        serde_json::from_reader(File::open(dir.join("truth.json")).unwrap()).unwrap();
    assert_eq!(truth.len(), 5);
    let engine = Engine::builtin().unwrap();
    for (file, cameras) in &truth {
        let found = devices(&engine, &dir.join(file));
        for cam in cameras {
            let d = found
                .iter()
                .find(|d| d.mac.is_some_and(|m| m.to_string() == cam.mac))
                .unwrap_or_else(|| panic!("{file}: no device with MAC {}", cam.mac));
            assert_eq!(
                d.addr.map(|a| a.to_string()).as_deref(),
                Some(cam.addr.as_str()),
                "{file}"
            );
            assert_eq!(
                d.manufacturer.as_ref().map(|m| m.as_str()),
                Some(cam.maker.as_str()),
                "{file}: {d:#?}"
            );
            // Dahua and Uniview are PRC makers the registry covers; D-Link
            // (Taiwan) is not covered.
            let covered = matches!(cam.maker.as_str(), "dahua" | "uniview");
            assert_eq!(d.covered, covered, "{file}: verdict for {}", cam.maker);
            assert!(
                !d.endpoints.is_empty(),
                "{file}: {} talked to nobody",
                cam.mac
            );
        }
        let others = found.iter().filter(|d| {
            !cameras
                .iter()
                .any(|c| d.mac.is_some_and(|m| m.to_string() == c.mac))
        });
        for d in others {
            assert!(!d.covered, "{file}: {:?} called covered", d.addr);
            assert!(!camera_like(d), "{file}: {:?} called a camera", d.addr);
        }
    }
}
