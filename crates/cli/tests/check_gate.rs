//! `camaudit check --fail-on`: which verdicts fail a purchase (exit 3) and
//! which pass (exit 0), with every verdict on a line of its own; model-line
//! exceptions and disputed jurisdictions through an overlay registry.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn tmp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("camaudit-cli-gate-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("written");
    p
}

fn run(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .args(args)
        .output()
        .expect("camaudit runs")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// An overlay with a company whose control is disputed (independent in
/// the US, or controlled by Dahua) and a Dahua OEM brand with two excepted
/// model lines: one documented as made by Hanwha, one whose maker no source
/// names.
const ENTITIES: &str = r#"
[[entity]]
id = "splitco"
name = "SplitCo Systems Inc."
aliases = ["SplitCo"]
jurisdiction = "US"
confidence = "high"
sources = ["https://example.org/splitco"]

[[entity.reading]]
basis = "SplitCo says it has had no PRC owner since its 2022 split."
confidence = "medium"
sources = ["https://example.org/splitco/split"]

[[entity.reading]]
parent = "dahua"
parent_relation = "founders and factories shared with Dahua"
basis = "A regulator says Dahua still controls SplitCo."
confidence = "medium"
sources = ["https://example.org/regulator/splitco"]
"#;

const BRANDS: &str = r#"
[[brand]]
id = "relabel-cams"
name = "Relabel Cams"
company = "dahua"
relation = "oem-reseller"
confidence = "medium"
sources = ["https://example.org/relabel"]

[[brand.exception]]
model_prefixes = ["RL-N"]
basis = "Relabel Cams names Hanwha Vision as the maker of its RL-N line."
made_by = "hanwha"
confidence = "medium"
sources = ["https://example.org/relabel/rl-n"]

[[brand.exception]]
model_prefixes = ["RL-W"]
basis = "Relabel Cams markets its RL-W line as NDAA-compliant, naming no maker."
confidence = "medium"
sources = ["https://example.org/relabel/rl-w"]
"#;

fn overlay(d: &Path, decisions: Option<&str>) -> PathBuf {
    let o = d.join("overlay");
    std::fs::create_dir_all(&o).expect("overlay dir");
    write(&o, "overlay.toml", "name = \"Gate test\"\n");
    write(&o, "entities.toml", ENTITIES);
    write(&o, "brands.toml", BRANDS);
    if let Some(text) = decisions {
        write(&o, "decisions.toml", text);
    }
    o
}

/// One line per verdict, from the most serious to the clearest.
const LINES: [(&str, &str); 5] = [
    ("covered", "Hikvision,DS-2CD2143G2-I"),
    // KBVision relabels Dahua, known from community reports only (low).
    ("likely-covered", "KBVision,"),
    ("disputed", "SplitCo,"),
    ("unknown", "Acme Widgets,AW-100"),
    ("not-covered", "Axis,M1065-LW"),
];

fn lines_json(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn every_verdict_passes_or_fails_each_gate() {
    let d = tmp_dir("gates");
    let reg = overlay(&d, None);
    // The verdicts a gate fails, most serious first.
    let gates: [(&str, usize); 4] = [
        ("covered", 1),
        ("likely", 2),
        ("disputed", 3),
        ("unknown", 4),
    ];
    for (i, (verdict, line)) in LINES.iter().enumerate() {
        let file = write(
            &d,
            &format!("{verdict}.csv"),
            &format!("Manufacturer,Model\n{line}\n"),
        );
        let o = run(&[
            "check",
            path(&file),
            "--registry",
            path(&reg),
            "--format",
            "jsonl",
            "-q",
        ]);
        let got = lines_json(&o);
        assert_eq!(
            got[0]["verdict"], *verdict,
            "{line}: {:?}",
            got[0]["reasons"]
        );
        // No gate: the default is `disputed`.
        let expected = if i < 3 { 3 } else { 0 };
        assert_eq!(
            o.status.code(),
            Some(expected),
            "{verdict} under the default gate"
        );
        for (gate, fails) in gates {
            let o = run(&[
                "check",
                path(&file),
                "--registry",
                path(&reg),
                "--fail-on",
                gate,
                "-q",
            ]);
            let expected = if i < fails { 3 } else { 0 };
            assert_eq!(
                o.status.code(),
                Some(expected),
                "{verdict} under --fail-on {gate}"
            );
        }
    }
    let o = run(&["check", path(&d.join("covered.csv")), "--fail-on", "maybe"]);
    assert_eq!(o.status.code(), Some(2), "a bad gate is a usage error");
    assert!(String::from_utf8_lossy(&o.stderr).contains("covered, likely, disputed, unknown"));
}

#[test]
fn the_table_and_the_formats_name_the_weakest_link() {
    let d = tmp_dir("formats");
    let reg = overlay(&d, None);
    let all: String = LINES.iter().map(|(_, l)| format!("{l}\n")).collect();
    let file = write(&d, "all.csv", &format!("Manufacturer,Model\n{all}"));
    let o = run(&["check", path(&file), "--registry", path(&reg)]);
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("WEAKEST LINK"), "{table}");
    assert!(
        table.lines().all(|l| l.chars().count() <= 120),
        "the table fits 120 columns:\n{table}"
    );
    // A line's first row, and the rows below it up to the next line's.
    let entry = |name: &str| -> String {
        let lines: Vec<&str> = table.lines().collect();
        let i = lines
            .iter()
            .position(|l| l.contains(name))
            .unwrap_or_else(|| panic!("the {name} row:\n{table}"));
        let rest = lines[i + 1..]
            .iter()
            .take_while(|l| l.starts_with("     "))
            .copied();
        std::iter::once(lines[i])
            .chain(rest)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let kb = entry("KBVision");
    assert!(kb.contains("LIKELY-COVERED"), "{kb}");
    assert!(
        kb.contains("weakest link: label kbvision → OEM / white-label reseller of dahua (low)"),
        "{kb}"
    );
    let split = entry("SplitCo");
    assert!(
        split.contains("DISPUTED") && split.contains("uk-2022-directive"),
        "{split}"
    );
    assert!(
        table.contains("1 covered, 1 likely covered, 1 disputed, 1 not covered, 1 unknown"),
        "{table}"
    );

    let o = run(&[
        "check",
        path(&file),
        "--registry",
        path(&reg),
        "--format",
        "json",
        "-q",
    ]);
    let doc: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(doc["summary"]["likely_covered"], 1);
    assert_eq!(doc["summary"]["disputed"], 1);
    let split = &doc["lines"][2];
    assert_eq!(split["verdict"], "disputed");
    assert_eq!(
        split["covered_by"],
        serde_json::json!([]),
        "no guess either way"
    );
    let disputed_by: Vec<&str> = split["disputed_by"]
        .as_array()
        .expect("disputed_by")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(disputed_by.contains(&"ndaa-889") && disputed_by.contains(&"uk-2022-directive"));
    let link = split["weakest_link"].as_str().expect("weakest link");
    assert!(
        link.contains("splitco reading 2 (controlled by dahua)"),
        "{link}"
    );
    let reasons = split["reasons"].to_string();
    assert!(
        reasons.contains("https://example.org/regulator/splitco"),
        "{reasons}"
    );
    assert_eq!(doc["lines"][3]["weakest_link"], Value::Null);

    let o = run(&[
        "check",
        path(&file),
        "--registry",
        path(&reg),
        "--format",
        "csv",
        "-q",
    ]);
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    let header: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let at = |k: &str| header.iter().position(|h| h == k).expect(k);
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("a record")).collect();
    assert_eq!(&rows[1][at("verdict")], "likely-covered");
    assert!(rows[1][at("weakest_link")].ends_with("(low)"));
    assert_eq!(
        &rows[2][at("disputed_by")],
        "fcc-covered-list;ndaa-889;uk-2022-directive"
    );
}

#[test]
fn an_excepted_model_line_is_not_attributed_through_the_relation() {
    let d = tmp_dir("exceptions");
    let reg = overlay(&d, None);
    let file = write(
        &d,
        "relabel.csv",
        "Brand,Model\nRelabel Cams,RL-100\nRelabel Cams,RL-N200\nRelabel Cams,RL-W1\n",
    );
    let o = run(&[
        "check",
        path(&file),
        "--registry",
        path(&reg),
        "--format",
        "jsonl",
        "-q",
    ]);
    let got = lines_json(&o);
    // The brand's other lines stay Dahua's.
    assert_eq!(got[0]["verdict"], "covered");
    assert_eq!(got[0]["maker"], "dahua");
    // A line documented as made by Hanwha is Hanwha's, and not covered.
    assert_eq!(got[1]["verdict"], "not-covered", "{}", got[1]["reasons"]);
    assert_eq!(got[1]["maker"], "hanwha");
    assert!(
        got[1]["reasons"]
            .to_string()
            .contains("https://example.org/relabel/rl-n")
    );
    // "Not Dahua's" does not say whose: unknown, with the reason.
    assert_eq!(got[2]["verdict"], "unknown");
    assert!(
        got[2]["reasons"].to_string().contains("except models RL-W"),
        "{}",
        got[2]["reasons"]
    );
}

#[test]
fn an_organisation_decision_settles_a_dispute() {
    let d = tmp_dir("settled");
    let trusted = "[[decision]]\nvendor = \"splitco\"\ndecision = \"trusted\"\nreason = \"Board accepted the 2022 split\"\ndate = \"2026-02-01\"\n";
    let reg = overlay(&d, Some(trusted));
    let file = write(&d, "split.csv", "Manufacturer\nSplitCo\n");
    let o = run(&[
        "check",
        path(&file),
        "--registry",
        path(&reg),
        "--format",
        "jsonl",
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let got = lines_json(&o);
    assert_eq!(got[0]["verdict"], "not-covered");
    assert!(
        got[0]["reasons"]
            .to_string()
            .contains("settles the dispute")
    );
}
