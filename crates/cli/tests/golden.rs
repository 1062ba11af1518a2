//! Outputs that must not change: `camaudit identify` and `camaudit check`
//! in every format, and the `--help` of the commands whose `--format` flag
//! moved, compared with what the binary wrote before rendering moved into
//! `camaudit-report` (recorded under `tests/golden/`).
//!
//! Device JSON is compared byte for byte, except that a `vulnerabilities`
//! key on a device (added to the schema in parallel) is allowed: when one
//! is present, the device objects are compared with it removed.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

struct Run {
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

fn run(cwd: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("camaudit runs");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
    }
}

fn without_vulnerabilities(mut v: Value) -> Value {
    match &mut v {
        Value::Array(devices) => devices.iter_mut().for_each(|d| {
            if let Value::Object(m) = d {
                m.remove("vulnerabilities");
            }
        }),
        Value::Object(m) => {
            m.remove("vulnerabilities");
        }
        _ => {}
    }
    v
}

fn parsed(text: &str, jsonl: bool) -> Vec<Value> {
    let values: Vec<Value> = if jsonl {
        text.lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    } else {
        vec![serde_json::from_str(text).expect("a JSON document")]
    };
    values.into_iter().map(without_vulnerabilities).collect()
}

/// Devices as JSON: the same bytes, or the same objects once a
/// `vulnerabilities` key is taken out.
fn assert_same_devices(actual: &str, expected: &str, jsonl: bool, what: &str) {
    if actual.contains("\"vulnerabilities\"") {
        assert_eq!(parsed(actual, jsonl), parsed(expected, jsonl), "{what}");
    } else {
        assert_eq!(actual, expected, "{what}");
    }
}

/// Device CSV: the recorded columns unchanged, with the KEV columns and
/// `platform_confirmed` added at the end.
fn assert_same_csv_plus_kev(actual: &str, expected: &str, what: &str) {
    let records = |text: &str| -> Vec<Vec<String>> {
        csv::Reader::from_reader(text.as_bytes())
            .into_records()
            .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
            .collect()
    };
    let header = |text: &str| -> Vec<String> {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        r.headers()
            .expect("a header")
            .iter()
            .map(str::to_owned)
            .collect()
    };
    let (new_header, old_header) = (header(actual), header(expected));
    assert_eq!(new_header[..old_header.len()], old_header[..], "{what}");
    assert_eq!(
        new_header[old_header.len()..],
        ["kev_affected", "kev", "platform_confirmed"],
        "{what}"
    );
    let old = records(expected);
    let new: Vec<Vec<String>> = records(actual)
        .into_iter()
        .map(|mut r| {
            r.truncate(old_header.len());
            r
        })
        .collect();
    assert_eq!(new, old, "{what}");
}

const FORMATS: [&str; 4] = ["table", "json", "jsonl", "csv"];

#[test]
fn identify_outputs_are_unchanged() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = golden_dir().join("identify");
    for format in FORMATS {
        let r = run(
            &repo,
            &[
                "identify",
                "examples/observations.jsonl",
                "--format",
                format,
            ],
        );
        let what = format!("identify --format {format}");
        assert_eq!(r.code, Some(0), "{what}: {}", r.stderr);
        let expected = read(&dir.join(format!("observations.{format}.out")));
        match format {
            "json" | "jsonl" => assert_same_devices(&r.stdout, &expected, format == "jsonl", &what),
            "csv" => assert_same_csv_plus_kev(&r.stdout, &expected, &what),
            _ => assert_eq!(r.stdout, expected, "{what}"),
        }
        let summary = read(&dir.join(format!("observations.{format}.err")));
        assert_eq!(r.stderr, summary, "{what}: the summary line");
    }
}

#[test]
fn check_outputs_are_unchanged() {
    let dir = golden_dir().join("check");
    let inputs = [
        "mixed",
        "overlay-list",
        "awkward-headers",
        "firmware",
        "register-typical",
        "register-distinct",
    ];
    // One process per input and format, started together: each spends
    // most of its time loading the rules and the registry.
    std::thread::scope(|s| {
        for input in inputs {
            for format in FORMATS {
                let dir = &dir;
                s.spawn(move || check_one(dir, input, format));
            }
        }
    });
}

fn check_one(dir: &Path, input: &str, format: &str) {
    let file = format!("{input}.csv");
    let mut args = vec!["check", &file, "--format", format];
    if input == "overlay-list" {
        args.extend(["--registry", "overlay"]);
    }
    let r = run(dir, &args);
    let what = format!("check {input}.csv --format {format}");
    assert_eq!(r.code, Some(3), "{what}: {}", r.stderr);
    assert_eq!(
        r.stdout,
        read(&dir.join(format!("{input}.{format}.out"))),
        "{what}"
    );
    assert_eq!(
        r.stderr,
        read(&dir.join(format!("{input}.{format}.err"))),
        "{what}: the summary line"
    );
}

#[test]
fn check_to_a_file_writes_what_standard_output_shows() {
    let dir = golden_dir().join("check");
    let out = std::env::temp_dir().join(format!("camaudit-golden-{}.csv", std::process::id()));
    let r = run(
        &dir,
        &[
            "check",
            "register-typical.csv",
            "--format",
            "csv",
            "-q",
            "-o",
            out.to_str().expect("a UTF-8 path"),
        ],
    );
    assert_eq!(r.code, Some(3), "{}", r.stderr);
    assert!(r.stdout.is_empty() && r.stderr.is_empty());
    assert_eq!(read(&out), read(&dir.join("register-typical.csv.out")));
    let _ = std::fs::remove_file(&out);
}

#[test]
fn format_flags_and_help_are_unchanged() {
    let dir = golden_dir().join("help");
    for command in [
        "check", "identify", "scan", "demo", "plan", "pcap", "report", "push", "serve", "history",
    ] {
        let r = run(&dir, &[command, "--help"]);
        assert_eq!(r.code, Some(0));
        assert_eq!(
            r.stdout,
            read(&dir.join(format!("{command}.txt"))),
            "{command} --help"
        );
    }
    let r = run(&dir, &["check", "x.csv", "--format", "xml"]);
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr
            .contains("[possible values: table, json, jsonl, csv]"),
        "{}",
        r.stderr
    );
}

/// `-o` names a FIFO (as `/dev/null` names a device): the output goes into
/// it, and the FIFO is still a FIFO afterwards. Renaming the temporary file
/// over it, as for a regular file, once replaced a root user's /dev/null
/// with a regular file.
#[test]
fn output_to_a_fifo_is_written_into_it_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = std::env::temp_dir().join(format!("camaudit-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let fifo = dir.join("out.jsonl");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).expect("reading the FIFO"))
    };
    let r = run(
        &repo,
        &[
            "identify",
            "examples/observations.jsonl",
            "--format",
            "jsonl",
            "-o",
            fifo.to_str().expect("a UTF-8 path"),
        ],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    // Checked before joining: a replaced FIFO leaves the reader waiting.
    let kind = std::fs::metadata(&fifo)
        .expect("the FIFO is still there")
        .file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced by {kind:?}");
    let got = reader.join().expect("the reader thread");
    let expected = read(&golden_dir().join("identify/observations.jsonl.out"));
    assert_same_devices(&got, &expected, true, "identify -o FIFO");
    let _ = std::fs::remove_dir_all(&dir);
}
