//! The risk score: the README's worked example, and each factor moving it
//! the way the formula says.

use camaudit_policy::{Capability, Extent, Facts, Policy, Sensitivity, Zone, round, score};

fn covered_camera() -> Facts {
    Facts {
        covered: true,
        maker_known: true,
        sensitivity: Some(Sensitivity::Standard),
        zone: Some(Zone::IsolatedCctv),
        surveillance: true,
        ..Facts::default()
    }
}

#[test]
fn the_readme_worked_example() {
    // A covered PTZ camera at the police liaison office (sensitive, police),
    // on its CCTV network, reached by a scan from core, firmware in a KEV
    // range: 10 × 2 × 1.5 × 1 × (1 + 1 + 1) × (1 + 0.2) = 108.
    let w = Policy::builtin().unwrap().weights;
    let facts = Facts {
        sensitivity: Some(Sensitivity::Sensitive),
        categories: vec!["police".into()],
        reachable_from: vec![Zone::Core],
        kev_affected: true,
        ..covered_camera()
    };
    let extent = Extent {
        capabilities: vec![Capability::Ptz],
        ..Extent::default()
    };
    let r = score(&w, &facts, &extent);
    assert_eq!(round(r.score), 108.0);
    assert_eq!(
        r.explain(),
        "10 base × 2 site × 1.5 category × 1 zone × (1 + 2 exposure) × (1 + 0.2 capability) = 108"
    );
    // Disconnected from core, or with fixed firmware: 72 each, as the README says.
    let disconnected = Facts {
        reachable_from: Vec::new(),
        ..facts.clone()
    };
    assert_eq!(round(score(&w, &disconnected, &extent).score), 72.0);
    let updated = Facts {
        kev_affected: false,
        ..facts
    };
    assert_eq!(round(score(&w, &updated, &extent).score), 72.0);
}

#[test]
fn each_factor_moves_the_score() {
    let w = Policy::builtin().unwrap().weights;
    let e = Extent::default();
    let base = score(&w, &covered_camera(), &e).score;
    assert_eq!(base, 10.0);
    let on = |f: Facts| score(&w, &f, &e).score;
    assert_eq!(
        on(Facts {
            zone: Some(Zone::Core),
            ..covered_camera()
        }),
        20.0
    );
    assert_eq!(
        on(Facts {
            calls_home: true,
            ..covered_camera()
        }),
        18.0
    );
    assert_eq!(
        on(Facts {
            sensitivity: None,
            zone: None,
            ..covered_camera()
        }),
        22.5
    );
    // Reached from core while on core by address is counted once, as the zone.
    assert_eq!(
        on(Facts {
            zone: Some(Zone::Core),
            reachable_from: vec![Zone::Core],
            ..covered_camera()
        }),
        20.0
    );
    // A trusted maker scores nothing; an unknown one a little.
    assert_eq!(
        on(Facts {
            covered: false,
            ..covered_camera()
        }),
        0.0
    );
    assert_eq!(
        on(Facts {
            covered: false,
            maker_known: false,
            ..covered_camera()
        }),
        3.0
    );
    // A recorder's cameras add up to the cap; units multiply.
    let many = Extent {
        recorded_cameras: 40,
        units: 3,
        ..Extent::default()
    };
    assert_eq!(score(&w, &covered_camera(), &many).score, 10.0 * 2.0 * 3.0);
    let few = Extent {
        recorded_cameras: 4,
        ..Extent::default()
    };
    assert!((score(&w, &covered_camera(), &few).score - 12.0).abs() < 1e-9);
}

#[test]
fn capability_patterns_hold_their_examples() {
    let p = Policy::builtin().unwrap();
    assert_eq!(p.capabilities.len(), 2);
    assert!(p.capabilities[0].matches(Some("hikvision"), Some("DS-2DE4425IW-DE")));
    assert!(
        !p.capabilities[0].matches(Some("dahua"), Some("DS-2DE4425IW-DE")),
        "maker matters"
    );
    assert!(!p.capabilities[0].matches(Some("hikvision"), None));
}
