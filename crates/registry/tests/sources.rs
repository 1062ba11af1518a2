//! Sources an auditor can cite: no entry of the built-in registry rests on
//! copies alone, and every entry's strongest source is a publication.

use camaudit_registry::{RegimeKind, Registry, SourceClass, SourceHosts};

fn reg() -> Registry {
    match Registry::builtin() {
        Ok(r) => r,
        Err(e) => panic!("built-in registry does not load:\n{e}"),
    }
}

/// Every (kind, id, sources) of the built-in registry.
fn every_entry(r: &Registry) -> Vec<(&'static str, String, Vec<String>)> {
    let mut all = Vec::new();
    for g in r.regimes() {
        all.push(("regime", g.id.clone(), g.sources.clone()));
    }
    for e in r.entities() {
        all.push(("entity", e.id.to_string(), e.sources.clone()));
    }
    for b in r.brand_link_list() {
        let id = format!("{} -> {}", b.brand, b.company);
        all.push(("brand", id, b.sources.clone()));
    }
    for c in r.coverage_entries() {
        let id = format!("{} / {}", c.regime, c.entity);
        all.push(("coverage", id, c.sources.clone()));
    }
    for p in r.model_patterns() {
        all.push(("pattern", p.id.clone(), p.sources.clone()));
    }
    for e in r.endpoints() {
        all.push(("endpoint", e.service.clone(), e.sources.clone()));
    }
    for k in r.kev() {
        all.push(("kev", k.cve.clone(), k.sources.clone()));
    }
    all
}

#[test]
fn no_entry_rests_on_mirrors_alone() {
    let r = reg();
    let hosts = SourceHosts::builtin();
    let offenders: Vec<String> = every_entry(&r)
        .into_iter()
        .filter(|(_, _, sources)| hosts.only_mirrors(sources))
        .map(|(kind, id, sources)| format!("{kind} {id}: {sources:?}"))
        .collect();
    assert!(
        offenders.is_empty(),
        "entries citing only copies on mirror hosts (cite the original, keep the copy in `via`):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_mirror_test_catches_an_entry_citing_only_copies() {
    // The test above must be able to fail: a Wikipedia copy on IPFS and a
    // Kiwix copy on an unrelated host are both mirrors.
    let hosts = SourceHosts::builtin();
    let copies = vec![
        "https://en.wikipedia-on-ipfs.org/wiki/Hikvision".to_owned(),
        "https://alem.dynip.sapo.pt/wiki/content/wikipedia_en_all_maxi_2024-01/A/Hikvision"
            .to_owned(),
    ];
    assert!(hosts.only_mirrors(&copies));
    let with_original = [
        copies,
        vec!["https://en.wikipedia.org/wiki/Hikvision".to_owned()],
    ]
    .concat();
    assert!(!hosts.only_mirrors(&with_original));
}

#[test]
fn via_originals_are_publications_and_never_weaker_than_their_copies() {
    let r = reg();
    let hosts = SourceHosts::builtin();
    let mut seen = 0;
    let vias = r
        .entities()
        .flat_map(|e| e.via.iter())
        .chain(r.brand_link_list().iter().flat_map(|b| b.via.iter()))
        .chain(r.coverage_entries().iter().flat_map(|c| c.via.iter()));
    for (original, copy) in vias {
        seen += 1;
        assert_ne!(hosts.classify(original), SourceClass::Mirror, "{original}");
        assert!(
            hosts.classify(copy) <= hosts.classify(original),
            "{copy} (where {original} was read) is classed stronger than the original"
        );
    }
    assert!(seen > 5, "only {seen} via entries");
}

#[test]
fn named_designations_under_a_ban_have_a_primary_strongest_source() {
    let r = reg();
    let hosts = SourceHosts::builtin();
    for c in r.coverage_entries() {
        // Named designations under a ban; risk flags may rest on reporting.
        let is_ban = r
            .regime(&c.regime)
            .is_some_and(|g| g.kind == RegimeKind::ProcurementBan);
        if c.interpretation || !is_ban {
            continue;
        }
        let best = hosts.strongest(&c.sources).expect("sources");
        assert_eq!(
            best.class,
            SourceClass::Primary,
            "coverage {} / {}: strongest source {} is {}",
            c.regime,
            c.entity,
            best.source,
            best.class.as_str()
        );
    }
}
