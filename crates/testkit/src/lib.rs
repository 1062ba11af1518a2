//! Helpers shared by camaudit's tests; not part of the tool.
//!
//! The public data the tests check against (the IEEE MAC registry, CISA's
//! KEV catalog, Recog fingerprints) lives in the workplace's shared corpus,
//! outside the repository. CI names it with `CAMAUDIT_CORPUS`; a checkout in
//! the workplace finds it beside the workspace (`<workspace>/../shared/corpus`).
//!
//! Tests that drive a real peer (nmap, a network namespace, a PostgreSQL
//! server) skip through [`skip`] when it is missing, which CI turns into a
//! failure with `CAMAUDIT_REQUIRE_PEERS=1`; [`postgres`] starts a throwaway
//! PostgreSQL cluster.

pub mod postgres;

use std::path::{Path, PathBuf};

/// Skips a test whose peer is missing, saying why on standard error; with
/// `CAMAUDIT_REQUIRE_PEERS=1` (CI) it fails the test instead, so an install
/// problem cannot pass as green.
pub fn skip(why: &str) {
    if peers_required() {
        panic!("{why} (CAMAUDIT_REQUIRE_PEERS=1: CI must provide it)");
    }
    eprintln!("SKIPPED: {why}");
}

/// Whether CI asked for every peer to be present (`CAMAUDIT_REQUIRE_PEERS=1`).
pub fn peers_required() -> bool {
    std::env::var_os("CAMAUDIT_REQUIRE_PEERS").is_some_and(|v| v == "1")
}

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
