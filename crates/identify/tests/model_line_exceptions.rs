//! Model-line exceptions (`[[brand.exception]]`) on devices, not only in
//! `check`: a device whose label relates to a covered maker but whose model
//! is in a line documented as someone else's is not called covered through
//! that relation, and its attribution says why; a weak exception only casts
//! doubt; and the maker's own platform evidence still decides.
//!
//! No public source read so far documents a real exception (see
//! docs/registry-gaps.md), so the brand here is a test overlay's.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use camaudit_identify::Engine;
use camaudit_model::{Device, Observation, Verdict};
use camaudit_registry::Registry;
use camaudit_rules::RuleSet;

const OVERLAY: &str = "name = \"Exception test\"\n";

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
basis = "Relabel Cams markets its RL-W line as NDAA-compliant and names no maker."
confidence = "medium"
sources = ["https://example.org/relabel/rl-w"]

[[brand.exception]]
model_prefixes = ["RL-X"]
basis = "One forum post says the RL-X line is not Dahua's."
confidence = "low"
sources = ["https://example.org/forum/rl-x"]
"#;

/// An engine whose registry is the built-in one with the test brand laid
/// over it (a directory of its own per test, so tests run side by side).
fn engine(test: &str) -> Engine {
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "camaudit-identify-exceptions-{}-{test}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("overlay dir");
    std::fs::write(dir.join("overlay.toml"), OVERLAY).expect("overlay.toml");
    std::fs::write(dir.join("brands.toml"), BRANDS).expect("brands.toml");
    let registry = Registry::builtin_with_overlay(&dir).expect("the overlay loads");
    let rules = RuleSet::builtin().expect("built-in rules load");
    Engine::new(rules, registry, None)
}

fn one(engine: &Engine, obs: &[(&str, &str)]) -> Device {
    let addr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 60));
    let obs: Vec<Observation> = obs
        .iter()
        .map(|(f, v)| Observation::new(addr, Some(80), f, v).expect("valid observation"))
        .collect();
    let mut devices = engine.identify(&obs);
    assert_eq!(devices.len(), 1, "{devices:#?}");
    devices.remove(0)
}

fn labelled(engine: &Engine, model: &str) -> Device {
    one(
        engine,
        &[("import.brand", "Relabel Cams"), ("import.model", model)],
    )
}

fn maker(d: &Device) -> Option<&str> {
    d.manufacturer.as_ref().map(|m| m.as_str())
}

fn claims(d: &Device) -> Vec<&str> {
    d.attribution.iter().map(|s| &*s.claim).collect()
}

#[test]
fn the_brands_other_lines_stay_the_covered_makers() {
    let d = labelled(&engine("other"), "RL-100");
    assert_eq!(maker(&d), Some("dahua"), "{:#?}", claims(&d));
    assert!(d.covered, "{:#?}", claims(&d));
}

#[test]
fn a_line_documented_as_another_makers_goes_to_that_maker_and_says_why() {
    let d = labelled(&engine("made-by"), "RL-N200");
    assert_eq!(maker(&d), Some("hanwha"), "{:#?}", claims(&d));
    assert!(!d.covered, "{:?}", d.covered_by);
    assert!(d.covered_by.is_empty(), "{:?}", d.covered_by);
    let why = claims(&d);
    assert!(
        why.iter()
            .any(|c| c.contains("not dahua's but hanwha's") && c.contains("RL-N line")),
        "{why:#?}"
    );
    let cited = d
        .attribution
        .iter()
        .flat_map(|s| s.sources.iter())
        .any(|s| s == "https://example.org/relabel/rl-n");
    assert!(cited, "the exception's source is in the chain");
}

#[test]
fn a_line_documented_only_as_not_the_covered_makers_is_unknown_not_trusted() {
    // "Not Dahua's" does not say whose: the label proves nothing either way.
    let d = labelled(&engine("no-maker"), "RL-W1");
    assert_eq!(maker(&d), None, "{:#?}", claims(&d));
    assert!(!d.covered, "{:?}", d.covered_by);
    let why = claims(&d);
    assert!(
        why.iter()
            .any(|c| c.contains("except models RL-W") && c.contains("names no maker")),
        "{why:#?}"
    );
}

#[test]
fn a_weak_exception_leaves_the_relation_but_makes_the_verdict_likely() {
    let d = labelled(&engine("weak"), "RL-X9");
    assert_eq!(maker(&d), Some("dahua"), "{:#?}", claims(&d));
    assert!(d.covered, "{:#?}", claims(&d));
    let c = d.coverage.as_ref().expect("a coverage verdict");
    assert_eq!(c.verdict, Verdict::LikelyCovered, "{c:?}");
    assert!(
        c.weakest_link.contains("may not hold"),
        "{}",
        c.weakest_link
    );
}

#[test]
fn the_covered_makers_own_platform_evidence_outranks_an_exception() {
    // A DHIP discovery reply is Dahua's own protocol: whatever the label's
    // exception says about the line, this device runs Dahua's platform.
    let d = one(
        &engine("platform"),
        &[
            ("import.brand", "Relabel Cams"),
            ("import.model", "RL-N200"),
            ("dhip.devicetype", "RL-N200"),
        ],
    );
    assert_eq!(maker(&d), Some("dahua"), "{:#?}", claims(&d));
    assert!(d.covered, "{:#?}", claims(&d));
}
