//! `camaudit check` and `camaudit registry` through the binary: exit codes,
//! formats, atomic output, overlays, errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_camaudit"))
}

fn tmp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("camaudit-cli-check-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("written");
    p
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("camaudit runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const MIXED: &str = "Qty,Site,Make,Part No.,Item Description
4,Town Hall,Hikvision,DS-2CD2143G2-I,4MP dome
2,Library,Annke,,Annke 4K turret C800
6,Depot,,DS-2CD2387G2-LU,ColorVu turret
1,Depot,HiLook,,bullet
3,School,Axis,M1065-LW,indoor
1,School,Acme Widgets,AW-100,mystery box
2,Leisure,,,Lorex 4K NVR
";

#[test]
fn exit_3_when_any_line_is_covered_0_when_clean_1_on_errors() {
    let d = tmp_dir("exit");
    let mixed = write(&d, "mixed.csv", MIXED.as_bytes());
    let o = run(&["check", mixed.to_str().expect("utf-8 path"), "-q"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let table = stdout(&o);
    assert!(
        table.contains("COVERED") && table.contains("not-covered") && table.contains("unknown"),
        "{table}"
    );
    assert!(
        table.contains("registry 2026."),
        "the registry version is in the table: {table}"
    );

    let clean = write(
        &d,
        "clean.csv",
        b"Manufacturer,Model\nAxis,M1065-LW\nAcme,X\n",
    );
    let o = run(&["check", clean.to_str().expect("path"), "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let bad = write(&d, "bad.csv", b"Qty,Price\n1,2\n");
    let o = run(&["check", bad.to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bad.csv: row 1"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "no partial output on errors");

    let o = run(&["check", d.join("nope.csv").to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("nope.csv"), "{}", stderr(&o));
}

#[test]
fn jsonl_has_one_object_per_data_row_with_input_columns() {
    let d = tmp_dir("jsonl");
    let mixed = write(&d, "mixed.csv", MIXED.as_bytes());
    let o = run(&[
        "check",
        mixed.to_str().expect("path"),
        "--format",
        "jsonl",
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(3));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 7);
    let verdicts: Vec<&str> = lines
        .iter()
        .map(|l| l["verdict"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        verdicts,
        [
            "covered",
            "covered",
            "covered",
            "covered",
            "not-covered",
            "unknown",
            "covered"
        ]
    );
    let annke = &lines[1];
    assert_eq!(annke["row"], 2);
    assert_eq!(annke["Make"], "Annke");
    assert_eq!(annke["Site"], "Library");
    assert_eq!(annke["maker"], "hikvision");
    assert!(
        annke["covered_by"]
            .as_array()
            .is_some_and(|a| a.iter().any(|r| r == "ndaa-889"))
    );
    let reasons = annke["reasons"].to_string();
    assert!(
        reasons.contains("OEM / white-label reseller of hikvision"),
        "{reasons}"
    );
    assert!(reasons.contains("https://"), "{reasons}");
    assert!(
        annke["registry_version"]
            .as_str()
            .is_some_and(|v| v.starts_with("2026."))
    );
}

#[test]
fn csv_and_json_outputs_written_whole() {
    let d = tmp_dir("csv");
    let mixed = write(&d, "mixed.csv", MIXED.as_bytes());
    let out = d.join("checked.csv");
    let o = run(&[
        "check",
        mixed.to_str().expect("path"),
        "--format",
        "csv",
        "-o",
        out.to_str().expect("path"),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).expect("written");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(
        &headers[..6],
        ["row", "Qty", "Site", "Make", "Part No.", "Item Description"]
    );
    for h in [
        "verdict",
        "maker",
        "covered_by",
        "reasons",
        "registry_version",
    ] {
        assert!(headers.iter().any(|x| x == h), "{h} in {headers:?}");
    }
    assert_eq!(r.records().count(), 7);

    let o = run(&[
        "check",
        mixed.to_str().expect("path"),
        "--format",
        "json",
        "-q",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(doc["summary"]["covered"], 5);
    assert!(doc["registry"]["version"].is_string());

    // A failing run leaves no output file behind, and keeps an old one.
    let bad = write(&d, "bad.csv", b"Make,Description\nAxis,Soci\xe9t\xe9\n");
    let o = run(&[
        "check",
        bad.to_str().expect("path"),
        "--format",
        "csv",
        "-o",
        out.to_str().expect("path"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("row 2, column \"Description\""),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(&out).expect("kept"), text);
    let fresh = d.join("fresh.csv");
    let o = run(&[
        "check",
        bad.to_str().expect("path"),
        "-o",
        fresh.to_str().expect("path"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!fresh.exists());
    let leftovers = std::fs::read_dir(&d)
        .expect("dir")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        })
        .count();
    assert_eq!(leftovers, 0);
}

#[test]
fn xlsx_through_the_binary() {
    let d = tmp_dir("xlsx");
    let path = d.join("register.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Brand").expect("cell");
    sheet.write_string(0, 1, "SKU").expect("cell");
    sheet.write_string(1, 0, "EZVIZ").expect("cell");
    sheet.write_string(1, 1, "CS-C6N").expect("cell");
    book.save(&path).expect("saved");
    let o = run(&[
        "check",
        path.to_str().expect("path"),
        "--format",
        "jsonl",
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stdout(&o).contains("\"maker\":\"ezviz\""), "{}", stdout(&o));
    let broken = write(&d, "broken.xlsx", b"PK\x03\x04garbage");
    let o = run(&["check", broken.to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("broken.xlsx"), "{}", stderr(&o));
}

fn overlay(d: &Path) -> PathBuf {
    let o = d.join("ours");
    std::fs::create_dir_all(&o).expect("overlay dir");
    write(
        &o,
        "overlay.toml",
        b"name = \"Example Council\"\nversion = \"7\"\n",
    );
    write(
        &o,
        "decisions.toml",
        b"[[decision]]\nname = \"Acme Widgets\"\ndecision = \"banned\"\nreason = \"Unknown cloud service\"\ndate = \"2026-01-12\"\n\n[[decision]]\nname = \"Trusty Cams\"\ndecision = \"trusted\"\nreason = \"Audited supplier\"\ndate = \"2026-01-12\"\n",
    );
    o
}

#[test]
fn overlay_decisions_and_names_in_every_output() {
    let d = tmp_dir("overlay");
    let ov = overlay(&d);
    let list = write(
        &d,
        "list.csv",
        b"Make,Model\nAcme Widgets,AW-1\nTrusty Cams,T-100\n",
    );
    let o = run(&[
        "check",
        list.to_str().expect("path"),
        "--registry",
        ov.to_str().expect("path"),
        "--format",
        "jsonl",
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(lines[0]["verdict"], "covered");
    assert_eq!(lines[0]["covered_by"][0], "decision:Example Council");
    assert_eq!(lines[1]["verdict"], "not-covered");
    assert!(
        lines[0]["overlay"]
            .as_str()
            .is_some_and(|s| s.contains("Example Council"))
    );
    let o = run(&[
        "check",
        list.to_str().expect("path"),
        "--registry",
        ov.to_str().expect("path"),
    ]);
    assert!(
        stdout(&o).contains("overlay Example Council"),
        "{}",
        stdout(&o)
    );
    let o = run(&[
        "registry",
        "list",
        "--kind",
        "decisions",
        "--registry",
        ov.to_str().expect("path"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("overlay Example Council") && stdout(&o).contains("Acme Widgets"),
        "{}",
        stdout(&o)
    );

    let bad = d.join("bad");
    std::fs::create_dir_all(&bad).expect("dir");
    write(&bad, "overlay.toml", b"name = \"X\"\n");
    write(&bad, "decisions.toml", b"[[decision]]\nvendor = \"nobody\"\ndecision = \"banned\"\nreason = \"r\"\ndate = \"2026-01-01\"\n");
    let o = run(&[
        "check",
        list.to_str().expect("path"),
        "--registry",
        bad.to_str().expect("path"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("decisions.toml: decision nobody"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn registry_list_show_search() {
    let o = run(&["registry", "list"]);
    assert_eq!(o.status.code(), Some(0));
    let t = stdout(&o);
    for s in [
        "registry 2026.",
        "ENTITIES",
        "BRANDS",
        "hikvision",
        "annke",
        "CVE-2021-36260",
        "https://",
    ] {
        assert!(t.contains(s), "{s} missing");
    }
    let o = run(&["registry", "show", "Annke", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(doc["brand_links"][0]["company"], "hikvision");
    assert!(doc["registry"]["version"].is_string());
    let o = run(&["registry", "show", "Samsung Techwin"]);
    assert!(
        stdout(&o).contains("hanwha") && stdout(&o).contains("covered by: nothing"),
        "{}",
        stdout(&o)
    );
    let o = run(&["registry", "show", "no such thing"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("registry search"), "{}", stderr(&o));
    let o = run(&["registry", "search", "hikvison", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert!(
        doc["results"]
            .as_array()
            .is_some_and(|a| a.iter().any(|h| h["id"] == "hikvision")),
        "{doc}"
    );
    let o = run(&["registry", "search", "IPC-HDW1431T1-S4"]);
    assert!(stdout(&o).contains("dahua"), "{}", stdout(&o));
}

#[test]
fn help_has_examples() {
    for args in [
        &["check", "--help"][..],
        &["registry", "--help"],
        &["registry", "show", "--help"],
        &["registry", "search", "--help"],
        &["registry", "list", "--help"],
    ] {
        let o = run(args);
        assert!(stdout(&o).contains("Examples:"), "{args:?}");
    }
}

/// CSV and JSONL lines are formatted in parallel batches (`BATCH_LINES` =
/// 4,096): with more lines than a batch and than the parallel threshold,
/// every row must come out once, in input order, matched to its own cells.
#[test]
fn large_registers_keep_row_order_across_parallel_batches() {
    let d = tmp_dir("batches");
    let makers = ["Hikvision", "Axis", "Annke", "Acme Widgets", "Dahua"];
    let mut text = String::from("Asset,Make,Model\n");
    for i in 0..10_000 {
        text.push_str(&format!("A{i:05},{},M-{i}\n", makers[i % makers.len()]));
    }
    let input = write(&d, "big.csv", text.as_bytes());
    let csv_out = d.join("big-checked.csv");
    let o = run(&[
        "check",
        input.to_str().expect("path"),
        "--format",
        "csv",
        "-o",
        csv_out.to_str().expect("path"),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let mut reader = csv::Reader::from_path(&csv_out).expect("csv output");
    let mut n = 0;
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.expect("a record");
        assert_eq!(rec.get(0), Some((i + 1).to_string().as_str()));
        assert_eq!(rec.get(1), Some(format!("A{i:05}").as_str()));
        let verdict = rec.get(4).expect("verdict column");
        let expected = match makers[i % makers.len()] {
            "Hikvision" | "Annke" | "Dahua" => "covered",
            "Axis" => "not-covered",
            _ => "unknown",
        };
        assert_eq!(verdict, expected, "row {}", i + 1);
        n += 1;
    }
    assert_eq!(n, 10_000);

    let o = run(&[
        "check",
        input.to_str().expect("path"),
        "--format",
        "jsonl",
        "-q",
    ]);
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(rows.len(), 10_000);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["row"], i + 1);
        assert_eq!(r["Asset"], format!("A{i:05}"));
    }
}
