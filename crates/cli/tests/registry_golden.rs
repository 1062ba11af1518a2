//! `camaudit registry list|show|search` against outputs recorded from the
//! binary before the registry queries moved into `camaudit-registry`: every
//! byte of standard output and standard error, and the exit status, must
//! stay as recorded.
//!
//! The cases are in `tests/golden/registry/cases.tsv`. After an intended
//! change of output, rerun with `CAMAUDIT_GOLDEN_UPDATE=1` to rewrite the
//! recorded files, and review their diff.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One line of `cases.tsv`: a name, the exit status and the arguments.
struct Case {
    name: String,
    status: i32,
    args: Vec<String>,
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/registry")
}

fn cases(dir: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(dir.join("cases.tsv")).expect("cases.tsv is readable");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let mut fields = l.split('\t');
            let name = fields.next().expect("a name").to_owned();
            let status = fields
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("{name}: the second field is the exit status"));
            let args = fields.map(str::to_owned).collect();
            Case { name, status, args }
        })
        .collect()
}

/// The recorded file, or empty when it is absent (no output recorded).
fn recorded(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

fn write_recorded(path: &Path, bytes: &[u8]) {
    if bytes.is_empty() {
        let _ = std::fs::remove_file(path);
    } else {
        std::fs::write(path, bytes).expect("golden file is writable");
    }
}

#[test]
fn registry_output_matches_the_recorded_output() {
    let dir = golden_dir();
    let update = std::env::var_os("CAMAUDIT_GOLDEN_UPDATE").is_some();
    let cases = cases(&dir);
    assert!(cases.len() > 50, "cases.tsv lists the cases");
    let mut differ = Vec::new();
    for case in &cases {
        // Run from the golden directory: the overlay's path is part of the
        // output, so it is given relative to it.
        let out = Command::new(env!("CARGO_BIN_EXE_camaudit"))
            .arg("registry")
            .args(&case.args)
            .current_dir(&dir)
            .output()
            .expect("camaudit runs");
        let stdout_path = dir.join(format!("{}.out", case.name));
        let stderr_path = dir.join(format!("{}.err", case.name));
        if update {
            write_recorded(&stdout_path, &out.stdout);
            write_recorded(&stderr_path, &out.stderr);
            continue;
        }
        if out.status.code() != Some(case.status) {
            differ.push(format!(
                "{}: exit status {:?}, recorded {}",
                case.name,
                out.status.code(),
                case.status
            ));
        }
        if out.stdout != recorded(&stdout_path) {
            differ.push(format!("{}: standard output differs", case.name));
        }
        if out.stderr != recorded(&stderr_path) {
            differ.push(format!(
                "{}: standard error differs: {}",
                case.name,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
