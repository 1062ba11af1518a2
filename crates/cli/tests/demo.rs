#![cfg(feature = "sim")]
//! `camaudit demo` end to end: simulator in process on a free loopback
//! range, scan, grade, summary, report. Runs as root (usual ports) or as
//! a normal user (the simulator's port offset); traffic stays on 127.77.x.x.

use std::process::Command;

#[test]
fn demo_finds_unmasks_grades_and_reports() {
    let dir = std::env::temp_dir().join(format!("camaudit-demo-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .args(["demo", "--devices", "40", "--quiet", "--out-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");

    // The summary: what was found, the rebrands with their real maker,
    // and the grade against the answer key.
    assert!(
        stdout.contains("are made by companies subject to the PRC National Intelligence Law"),
        "{stdout}"
    );
    assert!(stdout.contains("hikvision"), "{stdout}");
    assert!(stdout.contains("lorex → dahua"), "{stdout}");
    assert!(stdout.contains("amcrest → dahua"), "{stdout}");
    assert!(
        stdout.contains("0 trusted devices wrongly flagged"),
        "{stdout}"
    );
    assert!(stdout.contains("0 decoys called cameras"), "{stdout}");
    let recall_line = stdout
        .lines()
        .find(|l| l.starts_with("Checked against the simulator's answer key"))
        .expect("a grade line");
    // "N of N covered devices found": every covered device found.
    let words: Vec<&str> = recall_line.split_whitespace().collect();
    let of = words.iter().position(|w| *w == "of").unwrap();
    assert_eq!(words[of - 1], words[of + 1], "{recall_line}");
    assert_ne!(words[of - 1], "0", "{recall_line}");

    // The report: the board report of the simulated estate, one
    // self-contained file with the plan, the rebrands and the grade.
    let report = std::fs::read_to_string(dir.join("camaudit-demo-report.html")).unwrap();
    assert!(report.starts_with("<!DOCTYPE html>"));
    assert!(report.contains("<svg"), "a chart");
    assert!(report.contains("camaudit demo estate"));
    assert!(report.contains("Brands found that are not their maker"));
    assert!(
        report.contains("<th scope=\"row\">Lorex</th><td><b>Dahua</b></td><td>a former subsidiary&#39;s brand</td>"),
        "Lorex unmasked as Dahua's"
    );
    assert!(report.contains(">The plan</h2>"), "the plan");
    assert!(
        report.contains("Cost per budget period"),
        "its cost per period"
    );
    assert!(report.contains("Residual risk per day"), "its risk curve");
    assert!(report.contains("How accurate was the scan? (demo only)"));
    assert!(
        report.contains(
            "trusted makers' devices wrongly called covered</th><td class=\"num\">0</td>"
        ),
        "no trusted maker called covered"
    );
    assert!(!report.contains("<script"), "no JavaScript");
    assert!(
        !report.contains("src=\"http"),
        "nothing fetched from elsewhere"
    );

    // The devices, one JSON object a line, in the device schema.
    let jsonl = std::fs::read_to_string(dir.join("camaudit-demo-devices.jsonl")).unwrap();
    let devices: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(devices.len() >= 30, "{}", devices.len());
    assert!(devices.iter().any(|d| d["label_vendor"] == "lorex"
        && d["manufacturer"] == "dahua"
        && d["covered"] == true));
    for d in &devices {
        let a = d["addr"].as_str().unwrap();
        assert!(a.starts_with("127.77."), "{a}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn demo_refuses_a_range_off_loopback() {
    let out = Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .args(["demo", "--base", "10.0.0.0/24", "--quiet"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback only"));
}
