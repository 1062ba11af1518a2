//! `camaudit check` on a register of the long-tail PRC makers, the trusted
//! makers added with them, and TP-Link: each line gets the verdict its
//! registry entry gives, from a brand, a model number or both.

use std::process::Command;

use serde_json::Value;

const REGISTER: &str = "\
Make,Model,Description
Kedacom,,conference camera
Uniarch,IPC-B122-APF28,bullet
,MS-C2972-FPB,Milesight dome by model only
Foscam,FI9821W,indoor camera
Xiaomi,,home camera
Wyze,,Wyze Cam
Jovision,,DVR
Raysharp,,DVR
Verkada,CD42,dome
ACTi,,bullet
Arlo,,doorbell
Ring,,doorbell
2N,,IP intercom
";

/// TP-Link's camera brand: its maker's jurisdiction is disputed.
const DISPUTED_REGISTER: &str = "\
Make,Model,Description
Tapo,C200,home camera
VIGI,,NVR
";

/// (row, verdicts accepted, maker): what each line must come out as.
const WANT: [(u64, &[&str], Option<&str>); 13] = [
    (1, &["covered"], Some("kedacom")),
    // The model grammar (platform evidence) carries it, not the low label.
    (2, &["covered"], Some("uniview")),
    (3, &["covered"], Some("milesight")),
    (4, &["covered"], Some("foscam")),
    (5, &["covered"], Some("xiaomi")),
    // Wyze → Hualai rests on Hualai being the FCC grantee of a WYZE
    // product (medium), so covered, not only likely.
    (6, &["covered"], Some("hualai")),
    (7, &["covered"], Some("jovision")),
    (8, &["covered"], Some("raysharp")),
    (9, &["not-covered"], Some("verkada")),
    (10, &["not-covered"], Some("acti")),
    (11, &["not-covered"], Some("arlo")),
    (12, &["not-covered"], Some("ring")),
    (13, &["not-covered"], Some("2n")),
];

fn check_jsonl(register: &str) -> (Vec<Value>, Option<i32>) {
    let dir = std::env::temp_dir().join(format!(
        "camaudit-longtail-{}-{}",
        std::process::id(),
        register.len()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("register.csv");
    std::fs::write(&file, register).expect("register written");
    let out = Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .args([
            "check",
            file.to_str().expect("UTF-8 path"),
            "--format",
            "jsonl",
        ])
        .output()
        .expect("camaudit runs");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    (lines, out.status.code())
}

#[test]
fn a_register_of_long_tail_brands_gets_the_registry_verdicts() {
    let (lines, status) = check_jsonl(REGISTER);
    assert_eq!(lines.len(), WANT.len(), "{lines:#?}");
    let mut wrong = Vec::new();
    for ((row, verdicts, maker), line) in WANT.iter().zip(&lines) {
        let got_row = line["row"].as_u64();
        let got_verdict = line["verdict"].as_str().unwrap_or("");
        let got_maker = line["maker"].as_str();
        if got_row != Some(*row) || !verdicts.contains(&got_verdict) || got_maker != *maker {
            wrong.push(format!(
                "row {row}: verdict {got_verdict:?} maker {got_maker:?}, want {verdicts:?} {maker:?} ({})",
                line["summary"]
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Covered lines make the exit status say so.
    assert_ne!(status, Some(0));
}

#[test]
fn tp_link_lines_are_disputed_in_check() {
    let (lines, _) = check_jsonl(DISPUTED_REGISTER);
    for line in &lines {
        assert_eq!(line["maker"].as_str(), Some("tp-link-systems"), "{line}");
        assert_eq!(line["verdict"].as_str(), Some("disputed"), "{line}");
    }
}
