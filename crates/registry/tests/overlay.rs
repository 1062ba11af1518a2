//! Overlays: an organisation's own additions and trusted/banned decisions on
//! top of the registry, validated, and named.

use std::path::PathBuf;

use camaudit_model::VendorId;
use camaudit_registry::{DecisionKind, KevStatus, Registry};

fn dir(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let d = std::env::temp_dir().join(format!("camaudit-overlay-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    for (f, text) in files {
        std::fs::write(d.join(f), text).expect("written");
    }
    d
}

const META: &str = "name = \"Example Council\"\nversion = \"3\"\ndate = \"2026-01-15\"\n";

fn id(s: &str) -> VendorId {
    VendorId::new(s).expect("slug")
}

#[test]
fn additions_and_decisions_are_loaded_and_named() {
    let d = dir(
        "ok",
        &[
            ("overlay.toml", META),
            (
                "brands.toml",
                r#"
[[brand]]
id = "securecam"
name = "SecureCam"
company = "hikvision"
relation = "oem-reseller"
confidence = "low"
sources = ["https://intranet.example.org/teardown-2025"]
notes = "Our own teardown found Hikvision boards."
"#,
            ),
            (
                "decisions.toml",
                r#"
[[decision]]
vendor = "axis"
decision = "trusted"
reason = "Approved supplier"
date = "2026-01-10"
sources = ["Security board minute 2026/01"]

[[decision]]
name = "Acme Widgets"
decision = "banned"
reason = "Cloud service in an unknown jurisdiction"
date = "2026-01-12"
"#,
            ),
        ],
    );
    let r = Registry::builtin_with_overlay(&d).expect("a valid overlay");
    let base = Registry::builtin().expect("builtin");
    assert_eq!(r.version(), base.version(), "the registry's version stays");
    let o = r.overlay().expect("named");
    assert_eq!(o.name, "Example Council");
    assert_eq!(o.version.as_deref(), Some("3"));
    assert_eq!(r.lookup_name("SecureCam"), Some(id("securecam")));
    assert_eq!(r.brand_links(&id("securecam"))[0].company, id("hikvision"));
    assert_eq!(r.decisions().len(), 2);
    let axis = id("axis");
    let d1 = r.decision_for(&[&axis], &[], None).expect("axis decision");
    assert_eq!(d1.kind, DecisionKind::Trusted);
    let d2 = r
        .decision_for(&[], &["ACME widgets"], None)
        .expect("by name");
    assert_eq!(d2.kind, DecisionKind::Banned);
    assert!(r.decision_for(&[&id("bosch")], &["Bosch"], None).is_none());
    assert!(base.overlay().is_none() && base.decisions().is_empty());
}

#[test]
fn overlay_errors_name_the_overlay_file() {
    let d = dir(
        "bad",
        &[
            ("overlay.toml", META),
            (
                "brands.toml",
                "[[brand]]\nid = \"x1\"\nname = \"X1\"\ncompany = \"nobody\"\nrelation = \"oem-reseller\"\nconfidence = \"low\"\nsources = [\"https://example.org/a\"]\n",
            ),
            (
                "decisions.toml",
                "[[decision]]\nvendor = \"not-a-vendor\"\ndecision = \"banned\"\nreason = \"r\"\ndate = \"2026-13-01\"\n",
            ),
        ],
    );
    let e = Registry::builtin_with_overlay(&d)
        .expect_err("invalid")
        .to_string();
    assert!(
        e.contains(&format!("{}", d.join("brands.toml").display())),
        "{e}"
    );
    assert!(e.contains("company \"nobody\" is not an entity"), "{e}");
    assert!(e.contains("decisions.toml: decision not-a-vendor"), "{e}");

    let d = dir("nometa", &[("decisions.toml", "")]);
    let e = Registry::builtin_with_overlay(&d)
        .expect_err("no meta")
        .to_string();
    assert!(e.contains("overlay.toml: missing"), "{e}");

    let d = dir("stray", &[("overlay.toml", META), ("brand.toml", "")]);
    let e = Registry::builtin_with_overlay(&d)
        .expect_err("stray")
        .to_string();
    assert!(e.contains("brand.toml: not an overlay file"), "{e}");

    let d = dir(
        "syntax",
        &[("overlay.toml", META), ("entities.toml", "\n\n[[entity]\n")],
    );
    let e = Registry::builtin_with_overlay(&d)
        .expect_err("syntax")
        .to_string();
    assert!(e.contains("entities.toml: line 3"), "{e}");

    let d = dir(
        "dup",
        &[
            ("overlay.toml", META),
            (
                "entities.toml",
                "[[entity]]\nid = \"hikvision\"\nname = \"H\"\njurisdiction = \"CN\"\nconfidence = \"low\"\nsources = [\"https://example.org/a\"]\n",
            ),
        ],
    );
    let e = Registry::builtin_with_overlay(&d)
        .expect_err("dup")
        .to_string();
    assert!(e.contains("hikvision"), "{e}");

    let e = Registry::builtin_with_overlay(&d.join("missing"))
        .expect_err("missing dir")
        .to_string();
    assert!(e.contains("missing"), "{e}");
}

#[test]
fn overlays_add_equivalences_and_kev_ranges() {
    let d = dir(
        "equiv",
        &[
            ("overlay.toml", META),
            (
                "model_equivalences.toml",
                r#"
[[equivalence]]
brand = "lorex"
model = "LNB-TEST-1"
maker = "dahua"
original_model = "IPC-HFW-TEST-1"
confidence = "low"
sources = ["https://intranet.example.org/teardown-2026"]
notes = "Our own teardown."
"#,
            ),
            (
                "kev.toml",
                r#"
[[kev]]
cve = "CVE-2099-0001"
vendor = "tvt"
catalog_vendor = "TVT"
product = "Recorders"
name = "Test"
date_added = "2026-01-01"
confidence = "low"
sources = ["https://intranet.example.org/kev"]

[[kev.affected]]
products = "TVT test recorders"
build_before = "2025"
confidence = "low"
sources = ["https://intranet.example.org/advisory"]
"#,
            ),
        ],
    );
    let r = Registry::builtin_with_overlay(&d).expect("a valid overlay");
    let e = r.equivalents_of("LNB-TEST-1");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].maker, id("dahua"));
    let base = Registry::builtin().expect("builtin");
    assert_eq!(r.equivalences().len(), base.equivalences().len() + 1);
    let m = r.kev_applicability(&id("tvt"), None, Some("build 2024-05-01"));
    let test = m.iter().find(|m| m.cve == "CVE-2099-0001").expect("added");
    assert_eq!(test.status, KevStatus::Affected);

    // An overlay's equivalence is validated with the built-in data, and
    // errors name the overlay's file.
    let d = dir(
        "equiv-bad",
        &[
            ("overlay.toml", META),
            (
                "model_equivalences.toml",
                "[[equivalence]]\nbrand = \"amcrest\"\nmodel = \"AD410\"\nmaker = \"lorex\"\noriginal_model = \"X\"\nconfidence = \"low\"\nsources = [\"https://example.org/a\"]\n",
            ),
        ],
    );
    let e = Registry::builtin_with_overlay(&d)
        .expect_err("invalid")
        .to_string();
    assert!(
        e.contains(&format!("{}", d.join("model_equivalences.toml").display())),
        "{e}"
    );
    assert!(e.contains("duplicate"), "{e}");
}
