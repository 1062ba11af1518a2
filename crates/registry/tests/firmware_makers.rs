//! Registry 2026.12.01.4: the firmware and module makers of the long tail.
//! Hichip is known from the CVE records that name it and the brands that
//! sell its firmware; Vstarcam and Anjoy Vision only from developer
//! write-ups, so they are recorded low and a covered verdict through them
//! is only likely. Generic words from the CVE's brand list are not names.

use camaudit_model::{VendorId, Verdict};
use camaudit_registry::{Level, Registry, Relation, SourceClass, SourceHosts, coverage_strength};

fn reg() -> Registry {
    match Registry::builtin() {
        Ok(r) => r,
        Err(e) => panic!("the built-in registry does not load:\n{e}"),
    }
}

fn id(s: &str) -> VendorId {
    VendorId::new(s).unwrap()
}

/// The verdict for a maker named outright (no brand relation on the way).
fn verdict_of(r: &Registry, maker: &str) -> Option<Verdict> {
    let maker = id(maker);
    let holding = r.coverage(&maker);
    let disputed = r.disputed_coverage(&maker);
    coverage_strength(&[], &holding, &disputed).map(|s| s.verdict)
}

#[test]
fn hichip_is_a_shenzhen_firmware_maker_known_from_its_cve_records() {
    let r = reg();
    for name in [
        "Hichip",
        "Shenzhen Hichip Vision Technology",
        "Hichip Vision Technology Co., Ltd.",
    ] {
        assert_eq!(r.lookup_name(name), Some(id("hichip")), "{name:?}");
    }
    let e = r.entity(&id("hichip")).unwrap();
    assert_eq!(e.jurisdiction, "CN");
    assert_eq!(e.confidence, Level::Medium);
    let best = SourceHosts::builtin().strongest(&e.sources).unwrap();
    assert_eq!(best.class, SourceClass::Primary, "{}", best.source);
    assert!(best.source.contains("cve.org"), "{}", best.source);

    let f = r.coverage(&id("hichip"));
    let regimes: Vec<&str> = f.iter().map(|x| x.regime.as_str()).collect();
    assert_eq!(regimes, ["uk-2022-directive"]);
    assert!(f[0].interpretation);
    assert_eq!(verdict_of(&r, "hichip"), Some(Verdict::Covered));
}

#[test]
fn brands_the_cve_records_name_sell_hichip_firmware_through_a_low_link() {
    let r = reg();
    for label in ["Jennov", "SV3C", "Escam", "FLOUREON", "Tenvis", "KKMoon"] {
        let brand = r
            .lookup_name(label)
            .unwrap_or_else(|| panic!("{label} is not a name"));
        let links = r.brand_links(&brand);
        assert_eq!(links.len(), 1, "{label}: {links:?}");
        let link = links[0];
        assert_eq!(link.company, id("hichip"), "{label}");
        assert_eq!(link.relation, Relation::OemReseller, "{label}");
        // One source naming no model: the label alone is only a lead.
        assert_eq!(link.confidence, Level::Low, "{label}");
        assert!(
            link.sources.iter().any(|s| s.contains("CVE-2020-9527")),
            "{label}: {:?}",
            link.sources
        );
    }
}

#[test]
fn generic_words_from_the_cve_brand_list_are_not_names() {
    let r = reg();
    // These would match installers' and unrelated firms' names in a
    // spreadsheet: left out on purpose.
    for words in [
        "Elite Security",
        "Elex System",
        "D3D Security",
        "ProElite",
        "ThinkValue",
        "QZT",
        "WGCC",
        "HJT",
    ] {
        assert_eq!(r.lookup_name(words), None, "{words:?}");
    }
}

#[test]
fn vstarcam_and_anjoy_vision_rest_on_weak_sources_and_say_so() {
    let r = reg();
    for (name, want) in [
        ("VStarcam", "vstarcam"),
        ("Shenzhen Vstarcam Technology Co., Ltd.", "vstarcam"),
        ("ANJVision", "anjvision"),
        ("Anjoy Vision", "anjvision"),
        ("安佳威视", "anjvision"),
    ] {
        assert_eq!(r.lookup_name(name), Some(id(want)), "{name:?}");
    }
    for maker in ["vstarcam", "anjvision"] {
        let e = r.entity(&id(maker)).unwrap();
        assert_eq!(e.jurisdiction, "CN", "{maker}");
        assert_eq!(e.confidence, Level::Low, "{maker}");
        let notes = e.notes.as_deref().unwrap_or("");
        assert!(notes.contains("Weak source"), "{maker}: {notes}");
        // Covered under the UK reading, but only as likely: the company's
        // own jurisdiction is the weakest link, and it is low.
        let f = r.coverage(&id(maker));
        assert_eq!(f.len(), 1, "{maker}: {f:?}");
        assert_eq!(f[0].weakest_link.level, Level::Low, "{maker}");
        assert_eq!(
            verdict_of(&r, maker),
            Some(Verdict::LikelyCovered),
            "{maker}"
        );
    }
}
