//! The demo's printed summary is byte for byte what the binary printed
//! before the move into this crate (golden files recorded from it).

use std::path::Path;

use camaudit_model::Device;
use camaudit_report::{Accuracy, ScanSummary, demo_summary_text};

fn golden(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/demo")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The recorded devices: evidence emptied (the summary never reads it) to
/// keep the file small; any `vulnerabilities` key a newer Device has is
/// simply not there.
fn devices(name: &str) -> Vec<Device> {
    golden(name)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a recorded device"))
        .collect()
}

fn scan(target: &str, elapsed_seconds: f64, devices: usize) -> ScanSummary {
    ScanSummary {
        target: target.to_owned(),
        addresses: 254,
        ports: 18,
        elapsed_seconds,
        devices,
        interrupted: false,
    }
}

#[test]
fn summary_of_200_devices_is_unchanged() {
    let found = devices("devices-200-seed1.jsonl");
    let accuracy = Accuracy {
        covered_truth: 134,
        covered_found: 134,
        maker_right: 158,
        maker_wrong: 0,
        rebrands_truth: 34,
        rebrands_unmasked: 34,
        trusted_called_covered: 0,
        decoys_called_cameras: 0,
    };
    let text = demo_summary_text(
        &scan("127.77.240.0/24", 25.2, found.len()),
        &found,
        &accuracy,
        25.7,
        Path::new("/tmp/rv-old/demo/camaudit-demo-report.html"),
        Path::new("/tmp/rv-old/demo/camaudit-demo-devices.jsonl"),
    );
    assert_eq!(text, golden("summary-200-seed1.txt"));
}

#[test]
fn summary_of_4_devices_is_unchanged() {
    let found = devices("devices-4-seed3.jsonl");
    let accuracy = Accuracy {
        covered_truth: 1,
        covered_found: 1,
        maker_right: 3,
        maker_wrong: 0,
        rebrands_truth: 1,
        rebrands_unmasked: 1,
        ..Accuracy::default()
    };
    let text = demo_summary_text(
        &scan("127.77.169.0/24", 13.2, found.len()),
        &found,
        &accuracy,
        13.5,
        Path::new("/tmp/rv-old/demo-small/camaudit-demo-report.html"),
        Path::new("/tmp/rv-old/demo-small/camaudit-demo-devices.jsonl"),
    );
    assert_eq!(text, golden("summary-4-seed3.txt"));
}

#[test]
fn no_rebrands_no_trusted_and_a_stopped_scan() {
    let covered_only: Vec<Device> = devices("devices-200-seed1.jsonl")
        .into_iter()
        .filter(|d| d.covered && !d.is_rebrand())
        .take(3)
        .collect();
    let mut s = scan("127.0.0.0/30", 1.04, covered_only.len());
    s.interrupted = true;
    let text = demo_summary_text(
        &s,
        &covered_only,
        &Accuracy::default(),
        2.0,
        Path::new("r.html"),
        Path::new("d.jsonl"),
    );
    assert!(!text.contains("Rebrands unmasked"), "{text}");
    assert!(
        text.contains("\nNot covered (trusted makers): none\n"),
        "{text}"
    );
    assert!(text.contains(" in 1.0 s (2.0 s in all"), "{text}");
    assert!(
        text.contains("decoys called cameras.\n(Stopped early: the figures cover what was scanned.)\n\nReport:  r.html\n"),
        "{text}"
    );
    assert!(
        text.contains("recall 0.0%") && text.contains("precision 0.0%"),
        "{text}"
    );
}
