//! The shipped registry: it loads, and it gives the answers the product
//! relies on.

use std::collections::HashSet;
use std::path::Path;

use camaudit_model::VendorId;
use camaudit_registry::{
    BuildDate, CoverageFinding, KevStatus, Level, RegimeKind, Registry, Relation,
};

fn reg() -> Registry {
    match Registry::builtin() {
        Ok(r) => r,
        Err(e) => panic!("the built-in registry does not load:\n{e}"),
    }
}

fn id(s: &str) -> VendorId {
    VendorId::new(s).unwrap()
}

fn regimes_of(findings: &[CoverageFinding]) -> Vec<&str> {
    findings.iter().map(|f| f.regime.as_str()).collect()
}

const TRUSTED: [&str; 11] = [
    "axis",
    "hanwha",
    "bosch",
    "avigilon",
    "motorola-solutions",
    "mobotix",
    "vivotek",
    "i-pro",
    "sony",
    "pelco",
    "ubiquiti",
];

const COVERED_MAKERS: [&str; 11] = [
    "hikvision",
    "dahua",
    "uniview",
    "ezviz",
    "tvt",
    "tiandy",
    "xiongmai",
    "huawei",
    "hytera",
    "zte",
    "sunell",
];

#[test]
fn builtin_loads_with_version_and_date() {
    let r = reg();
    assert_eq!(r.version(), "2026.12.02.1");
    assert_eq!(r.date(), "2026-12-02");
    let ids: Vec<&str> = r.regimes().iter().map(|g| g.id.as_str()).collect();
    for want in [
        "uk-2022-directive",
        "ndaa-889",
        "fcc-covered-list",
        "us-entity-list-2019",
    ] {
        assert!(ids.contains(&want), "regime {want} missing");
    }
    for g in r.regimes() {
        let flag = g.id.starts_with("us-entity-list");
        assert_eq!(g.kind == RegimeKind::RiskFlag, flag, "{}", g.id);
    }
}

#[test]
fn from_dir_reads_the_data_directory_identically() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/registry");
    let from_dir = Registry::from_dir(&dir).unwrap();
    let builtin = reg();
    assert_eq!(from_dir.version(), builtin.version());
    assert_eq!(from_dir.entities().count(), builtin.entities().count());
    assert_eq!(
        from_dir.brand_link_list().len(),
        builtin.brand_link_list().len()
    );
}

#[test]
fn hikvision_is_covered_by_all_three_bans() {
    let r = reg();
    let f = r.coverage(&id("hikvision"));
    assert_eq!(
        regimes_of(&f),
        ["fcc-covered-list", "ndaa-889", "uk-2022-directive"]
    );
    for finding in &f {
        assert_eq!(finding.entity, id("hikvision"));
        assert!(!finding.sources.is_empty());
        let uk = finding.regime == "uk-2022-directive";
        assert_eq!(finding.interpretation, uk, "{}", finding.regime);
    }
    let ndaa = &f[1];
    assert_eq!(ndaa.confidence, Level::High);
    assert_eq!(ndaa.from.as_deref(), Some("2019-08-13"));
    let uk = &f[2];
    assert!(
        uk.basis.contains("National Intelligence Law"),
        "{}",
        uk.basis
    );
    assert!(uk.basis.contains("interpretation"), "{}", uk.basis);
    assert_eq!(uk.confidence, Level::Medium);
}

#[test]
fn the_named_entities_are_covered_by_ndaa_and_fcc() {
    let r = reg();
    for name in ["hikvision", "dahua", "hytera", "huawei", "zte"] {
        let f = r.coverage(&id(name));
        let regimes = regimes_of(&f);
        for want in ["ndaa-889", "fcc-covered-list", "uk-2022-directive"] {
            assert!(regimes.contains(&want), "{name} not covered by {want}");
        }
        let explicit: Vec<&CoverageFinding> = f.iter().filter(|x| !x.interpretation).collect();
        assert_eq!(explicit.len(), 2, "{name}");
        assert!(explicit.iter().all(|x| x.entity == id(name)));
    }
}

#[test]
fn ezviz_is_covered_through_its_parent() {
    let r = reg();
    let chain: Vec<&str> = r
        .owner_chain(&id("ezviz"))
        .iter()
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(chain, ["ezviz", "hikvision", "cethik", "cetc"]);
    let f = r.coverage(&id("ezviz"));
    assert_eq!(
        regimes_of(&f),
        ["fcc-covered-list", "ndaa-889", "uk-2022-directive"]
    );
    for us in &f[..2] {
        assert_eq!(us.entity, id("hikvision"), "{}", us.regime);
        assert!(!us.interpretation);
        assert!(
            us.basis.contains("ezviz is controlled by hikvision"),
            "{}",
            us.basis
        );
    }
    // EZVIZ is itself a PRC company.
    assert_eq!(f[2].entity, id("ezviz"));
    assert!(f[2].interpretation);
}

#[test]
fn other_prc_makers_are_covered_only_by_the_uk_interpretation() {
    let r = reg();
    for name in ["uniview", "tvt", "tiandy", "xiongmai", "sunell"] {
        let f = r.coverage(&id(name));
        assert_eq!(regimes_of(&f), ["uk-2022-directive"], "{name}");
        assert!(f[0].interpretation, "{name}");
    }
}

#[test]
fn trusted_makers_are_covered_by_nothing() {
    let r = reg();
    for name in TRUSTED {
        let vid = id(name);
        let e = r
            .entity(&vid)
            .unwrap_or_else(|| panic!("{name} is not an entity"));
        assert_ne!(e.jurisdiction, "CN", "{name}");
        assert!(
            r.coverage(&vid).is_empty(),
            "{name}: {:?}",
            r.coverage(&vid)
        );
        assert!(r.risk_flags(&vid).is_empty(), "{name}");
        for owner in r.owner_chain(&vid) {
            assert_ne!(owner.jurisdiction, "CN", "{name} owned by {}", owner.id);
        }
    }
    assert_eq!(
        r.entity(&id("avigilon")).unwrap().parent,
        Some(id("motorola-solutions"))
    );
    assert_eq!(
        r.entity(&id("pelco")).unwrap().parent,
        Some(id("motorola-solutions"))
    );
    assert_eq!(r.entity(&id("axis")).unwrap().parent, Some(id("canon")));
}

#[test]
fn covered_makers_exist_and_are_prc_companies() {
    let r = reg();
    for name in COVERED_MAKERS {
        let e = r
            .entity(&id(name))
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(e.jurisdiction, "CN", "{name}");
        assert!(!r.coverage(&e.id).is_empty(), "{name}");
    }
}

#[test]
fn risk_flags_never_cover() {
    let r = reg();
    let hik = r.risk_flags(&id("hikvision"));
    assert_eq!(regimes_of(&hik), ["us-entity-list-2019"]);
    assert_eq!(
        regimes_of(&r.risk_flags(&id("tiandy"))),
        ["us-entity-list-2022"]
    );
    assert_eq!(
        regimes_of(&r.risk_flags(&id("uniview"))),
        ["us-entity-list-2024"]
    );
    // The 2019 listing was of Hikvision itself, not its subsidiaries.
    assert!(r.risk_flags(&id("ezviz")).is_empty());
    for e in r.entities() {
        for f in r.coverage(&e.id) {
            let g = r.regime(&f.regime).unwrap();
            assert_eq!(g.kind, RegimeKind::ProcurementBan, "{}", f.regime);
        }
    }
}

#[test]
fn names_on_devices_and_in_spreadsheets_resolve() {
    let r = reg();
    let cases = [
        ("HIKVISION", "hikvision"),
        ("Hikvision", "hikvision"),
        ("Hik", "hikvision"),
        (
            "Hangzhou Hikvision Digital Technology Co., Ltd.",
            "hikvision",
        ),
        ("海康威视", "hikvision"),
        ("Dahua Technology Co., Ltd", "dahua"),
        ("DAHUA", "dahua"),
        ("UNV", "uniview"),
        ("ezviz", "ezviz"),
        ("Samsung Techwin", "hanwha"),
        ("Hanwha Techwin", "hanwha"),
        ("Wisenet", "hanwha"),
        ("Panasonic i-PRO", "i-pro"),
        ("i-PRO", "i-pro"),
        ("AXIS", "axis"),
        ("Axis Communications AB", "axis"),
        ("Lorex Technology", "lorex"),
        ("LOREX", "lorex"),
        ("Amcrest", "amcrest"),
        ("HiLook", "hilook"),
        ("Hi Watch", "hiwatch"),
        ("LT Security", "lts"),
        ("XMEye", "xmeye"),
        ("NetSurveillance", "xmeye"),
        ("ZTE Corporation", "zte"),
        ("zte", "zte"),
        ("Motorola Solutions, Inc.", "motorola-solutions"),
        ("Luminys", "dahua-usa"),
        ("UniFi", "ubiquiti"),
    ];
    for (name, want) in cases {
        assert_eq!(r.lookup_name(name), Some(id(want)), "{name:?}");
    }
    for unknown in ["Azteca", "Wansview", "Panasonic", "Motorola", "", "  "] {
        assert_eq!(r.lookup_name(unknown), None, "{unknown:?}");
    }
}

#[test]
fn brand_relations() {
    let r = reg();
    let lorex = r.brand_links(&id("lorex"));
    assert_eq!(lorex.len(), 1);
    assert_eq!(lorex[0].company, id("dahua"));
    assert_eq!(lorex[0].relation, Relation::FormerSubsidiary);
    assert!(lorex[0].until.is_some());
    assert!(lorex[0].is_historical());

    let annke = r.brand_links(&id("annke"));
    assert_eq!(annke[0].company, id("hikvision"), "strongest link first");
    assert_eq!(annke[0].relation, Relation::OemReseller);

    let honeywell = &r.brand_links(&id("honeywell"))[0];
    assert!(honeywell.applies_to_model(Some("HQA-N2-16")));
    assert!(!honeywell.applies_to_model(Some("H4W4PER2")));

    // Entities are their own brands.
    assert!(r.brand_links(&id("hikvision")).is_empty());
    assert!(r.brand_links(&id("ezviz")).is_empty());
    for b in r.brand_link_list() {
        assert!(r.entity(&b.company).is_some());
        assert!(r.entity(&b.brand).is_none());
        assert!(r.is_known_vendor(&b.brand));
    }
    for hik in ["hilook", "hiwatch", "lts", "annke"] {
        assert!(
            r.brand_links(&id(hik))
                .iter()
                .any(|b| b.company == id("hikvision")),
            "{hik}"
        );
    }
    for dahua in [
        "lorex",
        "imou",
        "amcrest",
        "honeywell",
        "indigovision",
        "dahua-usa",
    ] {
        assert!(
            r.brand_links(&id(dahua))
                .iter()
                .any(|b| b.company == id("dahua")),
            "{dahua}"
        );
    }
}

#[test]
fn every_entry_has_sources_and_notes_where_weak() {
    let r = reg();
    let mut count = 0;
    for e in r.entities() {
        assert!(!e.sources.is_empty(), "entity {}", e.id);
        if e.confidence == Level::Low {
            assert!(e.notes.is_some(), "low entity {} has no notes", e.id);
        }
        count += 1;
    }
    for b in r.brand_link_list() {
        assert!(!b.sources.is_empty(), "brand {}", b.brand);
        if b.confidence == Level::Low {
            assert!(b.notes.is_some(), "low brand {} has no notes", b.brand);
        }
        count += 1;
    }
    for g in r.regimes() {
        assert!(!g.sources.is_empty(), "regime {}", g.id);
        count += 1;
    }
    for c in r.coverage_entries() {
        assert!(!c.sources.is_empty(), "coverage {}/{}", c.regime, c.entity);
        count += 1;
    }
    for p in r.model_patterns() {
        assert!(!p.sources.is_empty(), "pattern {}", p.id);
    }
    for e in r.endpoints() {
        assert!(!e.sources.is_empty(), "endpoint {}", e.service);
    }
    for k in r.kev() {
        assert!(!k.sources.is_empty(), "kev {}", k.cve);
        for a in &k.affected {
            assert!(!a.sources.is_empty(), "kev {} range {}", k.cve, a.products);
        }
    }
    for e in r.equivalences() {
        assert!(!e.sources.is_empty(), "equivalence {}", e.model);
        if e.confidence == Level::Low {
            assert!(
                e.notes.is_some(),
                "low equivalence {} has no notes",
                e.model
            );
        }
    }
    assert!(count > 60, "suspiciously small registry: {count} entries");
}

#[test]
fn model_patterns_and_endpoints() {
    let r = reg();
    let vendors = |m: &str| -> Vec<String> {
        r.match_model(m)
            .iter()
            .map(|p| p.vendor.to_string())
            .collect()
    };
    assert_eq!(vendors("DS-2CD2143G2-IS"), ["hikvision"]);
    assert_eq!(vendors("DH-IPC-HFW2431S-S-S2"), ["dahua"]);
    assert!(vendors("AXIS M3106-L").is_empty());
    assert!(vendors("XNV-8080R").is_empty());

    let xm: Vec<&str> = r
        .endpoints_for_host("pub-cfg.secu100.net")
        .iter()
        .map(|e| e.vendor.as_str())
        .collect();
    assert_eq!(xm, ["xiongmai"]);
    assert_eq!(
        r.endpoints_for_host("www.easy4ipcloud.com")[0].vendor,
        id("dahua")
    );
    assert!(r.endpoints_for_host("www.axis.com").is_empty());
}

#[test]
fn kev_entries_match_the_cisa_catalog() {
    let r = reg();
    assert_eq!(r.kev_for(&id("hikvision"))[0].cve, "CVE-2021-36260");
    assert_eq!(r.kev_for(&id("amcrest"))[0].cve, "CVE-2020-5735");
    let Some(path) = camaudit_testkit::corpus_part("kev/known_exploited_vulnerabilities.json")
    else {
        return;
    };
    let text = std::fs::read_to_string(&path).expect("the KEV catalog is readable");
    let catalog: serde_json::Value = serde_json::from_str(&text).unwrap();
    let vulns = catalog["vulnerabilities"].as_array().unwrap();
    let mut seen = HashSet::new();
    for k in r.kev() {
        let v = vulns
            .iter()
            .find(|v| v["cveID"] == k.cve.as_str())
            .unwrap_or_else(|| panic!("{} is not in the catalog", k.cve));
        assert_eq!(v["vendorProject"], k.catalog_vendor.as_str(), "{}", k.cve);
        assert_eq!(v["product"], k.product.as_str(), "{}", k.cve);
        assert_eq!(v["vulnerabilityName"], k.name.as_str(), "{}", k.cve);
        assert_eq!(v["dateAdded"], k.date_added.as_str(), "{}", k.cve);
        seen.insert(k.cve.clone());
    }
    // Every catalog entry whose vendor is a registry name is mapped, except
    // the products of makers known for other things that are not
    // surveillance equipment (a Chrome flaw says nothing of a Nest camera,
    // nor an Archer router's of a Tapo camera).
    const NOT_SURVEILLANCE: &[(&str, &[&str])] = &[
        ("Google", &["Chrom", "Android", "Pixel"]),
        (
            "TP-Link",
            &["Archer", "Multiple Archer", "Multiple Routers"],
        ),
        // Routers, access points, DSL modems and NAS; its DCS cameras and
        // DNR recorders are mapped.
        (
            "D-Link",
            &[
                "DIR",
                "DSL",
                "DWL",
                "DNS",
                "Multiple NAS",
                "Multiple Routers",
            ],
        ),
        // An IP PBX.
        ("Grandstream", &["UCM"]),
    ];
    let not_surveillance = |vendor: &str, product: &str| {
        NOT_SURVEILLANCE
            .iter()
            .any(|(v, ps)| *v == vendor && ps.iter().any(|p| product.starts_with(p)))
    };
    for v in vulns {
        let vendor = v["vendorProject"].as_str().unwrap_or("");
        let product = v["product"].as_str().unwrap_or("");
        if not_surveillance(vendor, product) {
            continue;
        }
        if let Some(vid) = r.lookup_name(vendor) {
            let cve = v["cveID"].as_str().unwrap_or("");
            assert!(
                seen.contains(cve),
                "{cve} ({vendor} → {vid}) is not in kev.toml"
            );
        }
    }
}

/// The status of one CVE for a device.
fn kev_status(r: &Registry, vendor: &str, cve: &str, model: &str, fw: &str) -> KevStatus {
    r.kev_applicability(&id(vendor), Some(model), Some(fw))
        .into_iter()
        .find(|m| m.cve == cve)
        .unwrap_or_else(|| panic!("{cve} not recorded against {vendor}"))
        .status
}

#[test]
fn hikvision_cve_2021_36260_by_build_date() {
    let r = reg();
    let st = |model: &str, fw: &str| kev_status(&r, "hikvision", "CVE-2021-36260", model, fw);
    assert_eq!(
        st("DS-2CD2143G2-IS", "V5.5.0 build 210601"),
        KevStatus::Affected
    );
    assert_eq!(
        st("DS-2CD2142FWD-I", "V5.4.5 Build 170124"),
        KevStatus::Affected
    );
    assert_eq!(
        st("DS-2CD2143G2-IS", "V5.5.800 build 210628"),
        KevStatus::NotAffected
    );
    assert_eq!(
        st("DS-2DE4A425IW-DE", "V5.7.1 build 220301"),
        KevStatus::NotAffected
    );
    // Recorders are not in the documented range, and garbage firmware
    // decides nothing.
    assert_eq!(
        st("DS-7608NI-I2", "V4.0.1 build 200101"),
        KevStatus::Unknown
    );
    assert_eq!(st("DS-2CD2143G2-IS", "unknown"), KevStatus::Unknown);
    let m = &r.kev_applicability(
        &id("hikvision"),
        Some("DS-2CD2143G2-IS"),
        Some("V5.5.0 build 210601"),
    )[0];
    assert!(
        m.sources().iter().any(|s| s.contains("watchfulip")),
        "{:?}",
        m.sources()
    );
}

#[test]
fn dahua_auth_bypass_ranges_differ_by_cve() {
    let r = reg();
    let st = |cve: &str, model: &str, fw: &str| kev_status(&r, "dahua", cve, model, fw);
    let (a44, a45) = ("CVE-2021-33044", "CVE-2021-33045");
    let cam = "DH-IPC-HDW3441T-ZS";
    let mid_2020 = "V2.800.0000000.5.R, Build Date: 2020-08-10";
    assert_eq!(st(a44, cam, mid_2020), KevStatus::Affected);
    assert_eq!(st(a45, cam, mid_2020), KevStatus::NotAffected);
    let fixed = "V2.800.0000000.16.R, Build Date: 2021-07-17";
    assert_eq!(st(a44, cam, fixed), KevStatus::NotAffected);
    assert_eq!(
        st(a44, "SD22404DB-GNY", "2.800.0000000.1.R.20190305"),
        KevStatus::Affected
    );
    // NVRs are in 33045's list only.
    assert_eq!(
        st(a45, "DHI-NVR2108HS-8P-S2", "4.001.0000000.1.R.20191101"),
        KevStatus::Affected
    );
    assert_eq!(
        st(a44, "DHI-NVR2108HS-8P-S2", "4.001.0000000.1.R.20191101"),
        KevStatus::Unknown
    );
    // Entry-level cameras (HX1/HX2) are not listed.
    assert_eq!(
        st(a44, "IPC-HFW1230S", "build 2020-01-01"),
        KevStatus::Unknown
    );
}

#[test]
fn dahua_recorder_families_are_four_digit_numbers() {
    let r = reg();
    let old = "4.001.0000000.1.R.20190601";
    let st = |model: &str| kev_status(&r, "dahua", "CVE-2021-33045", model, old);
    // NVR1XXX, NVR2XXX, NVR5XXX, NVR6XX and XVR5xxx as Dahua numbers them.
    for model in [
        "DHI-NVR1104HS-P-S3/H",
        "NVR2108HS-8P-S2",
        "DH-NVR5216-16P-4KS2E",
        "NVR608-32-4KS2",
        "XVR5108HS-I3",
    ] {
        assert_eq!(st(model), KevStatus::Affected, "{model}");
    }
    // Not Dahua's numbering: another brand's NVR16CH-16P (its own Dahua
    // model is judged through the equivalence, identify/tests), a
    // five-digit number, an NVR4 the record does not list.
    for model in ["NVR16CH-16P-2AI", "NVR10404", "NVR6016", "NVR4216-4KS2"] {
        assert_eq!(st(model), KevStatus::Unknown, "{model}");
    }
}

#[test]
fn a_build_date_stated_beside_the_version_is_compared() {
    let r = reg();
    let judge = |fw: &str, stated: Option<&str>| {
        let stated = stated.and_then(BuildDate::first_day_of);
        r.kev_applicability_built(&id("dahua"), Some("IPC-HDW5831R-ZE"), Some(fw), stated)
            .into_iter()
            .find(|m| m.cve == "CVE-2021-33044")
            .map(|m| (m.status, m.reason))
            .expect("CVE-2021-33044 is recorded against dahua")
    };
    let (status, reason) = judge("2.800.0000000.13.R", Some("2022-03-11"));
    assert_eq!(status, KevStatus::NotAffected);
    assert!(
        reason.contains("stated beside version 2.800.0000000.13.R"),
        "{reason}"
    );
    assert_eq!(
        judge("2.800.0000000.13.R", Some("2020-01-01")).0,
        KevStatus::Affected
    );
    assert_eq!(judge("2.800.0000000.13.R", None).0, KevStatus::Unknown);
    // A date in the version string itself comes first.
    let (status, reason) = judge("2.800.0000000.13.R.200101", Some("2022-03-11"));
    assert_eq!(status, KevStatus::Affected);
    assert!(!reason.contains("stated beside"), "{reason}");
}

#[test]
fn amcrest_and_tvt_ranges() {
    let r = reg();
    let st = |fw: &str| kev_status(&r, "amcrest", "CVE-2020-5735", "IP8M-2496EB", fw);
    assert_eq!(
        st("V2.420.AC00.17.R, Build Date: 2019-11-01"),
        KevStatus::Affected
    );
    assert_eq!(st("2.420.AC00.18.R.20200217"), KevStatus::NotAffected);
    assert_eq!(
        st("2.800.00AC001.0.R,build:2020-12-30"),
        KevStatus::NotAffected
    );
    assert_eq!(st("2.622_00AC000.0.R.200101"), KevStatus::Affected);
    assert_eq!(st("3.142.15OG003.0.R"), KevStatus::Unknown);
    // No range could be sourced for TVT: always unknown, never a guess.
    let tvt = r.kev_applicability(&id("tvt"), Some("NVMS-1000"), Some("build 2015-01-01"));
    assert_eq!(tvt.len(), 1);
    assert_eq!(tvt[0].status, KevStatus::Unknown);
}

#[test]
fn model_equivalences_are_loaded_and_found() {
    let r = reg();
    assert!(r.equivalences().len() >= 8, "{}", r.equivalences().len());
    let ad410 = r.equivalents_of("AD410");
    assert_eq!(ad410.len(), 1);
    assert_eq!(ad410[0].brand, id("amcrest"));
    assert_eq!(ad410[0].maker, id("dahua"));
    assert_eq!(ad410[0].original_model, "DH-DB6I");
    // The Dahua doorbell is sold under three brands.
    let mut brands: Vec<&str> = r
        .equivalents_of("DH-DB6i")
        .iter()
        .map(|e| e.brand.as_str())
        .collect();
    brands.sort_unstable();
    assert_eq!(brands, ["amcrest", "imou", "lorex"]);
    assert_eq!(
        r.equivalents_of("Imou Cube 4MP")[0].original_model,
        "DH-IPC-K42"
    );
    // Every brand and maker is a registry id (the loader checks; this is the
    // data's promise).
    for e in r.equivalences() {
        assert!(r.is_known_vendor(&e.brand), "{}", e.brand);
        assert!(r.entity(&e.maker).is_some(), "{}", e.maker);
    }
}
