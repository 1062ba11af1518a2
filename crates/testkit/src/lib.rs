//! Helpers shared by camaudit's tests; not part of the tool.
//!
//! The public data the tests check against (the IEEE MAC registry, CISA's
//! KEV catalog, Recog fingerprints) lives in the workplace's shared corpus,
//! outside the repository. CI names it with `CAMAUDIT_CORPUS`; a checkout in
//! the workplace finds it beside the workspace (`<workspace>/../shared/corpus`).

use std::path::{Path, PathBuf};

/// The corpus's `part` (a file or folder such as `kev` or
/// `oui/wireshark-manuf`), when the corpus is present.
///
/// Absent without `CAMAUDIT_CORPUS`, the caller skips (a clone outside the
/// workplace), and this says so on standard error. With `CAMAUDIT_CORPUS`
/// set, a missing part is a test failure: CI must never skip silently.
pub fn corpus_part(part: &str) -> Option<PathBuf> {
    let set = std::env::var_os("CAMAUDIT_CORPUS");
    let base = set
        .clone()
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    let path = base.join(part);
    if path.exists() {
        return Some(path);
    }
    if set.is_some() {
        panic!(
            "{} not found, but CAMAUDIT_CORPUS is set: fix the path",
            path.display()
        );
    }
    eprintln!(
        "SKIPPED: {} not found (set CAMAUDIT_CORPUS to the corpus directory)",
        path.display()
    );
    None
}
