//! A model number's shape names its maker only where the shape is that
//! maker's alone. Grammars whose shape other brands' numbers share (Axis's
//! letter and four digits, VIVOTEK's two letters and four digits) count
//! when the device names no other maker or brand; beside another name they
//! are set aside, so an Annke C1200 is not an Axis camera. Distinctive
//! grammars (Hikvision's DS-2CD…) still unmask a rebrand whatever its label.

use std::net::{IpAddr, Ipv4Addr};

use camaudit_identify::Engine;
use camaudit_model::{Device, Observation};

fn one(obs: &[(&str, &str)]) -> Device {
    let engine = Engine::builtin().expect("built-in engine loads");
    let addr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 41));
    let obs: Vec<Observation> = obs
        .iter()
        .map(|(f, v)| Observation::new(addr, None, f, v).expect("valid observation"))
        .collect();
    engine.identify_one(&obs).expect("one device")
}

fn maker(d: &Device) -> Option<&str> {
    d.manufacturer.as_ref().map(|m| m.as_str())
}

fn said(d: &Device, words: &str) -> bool {
    d.attribution.iter().any(|s| s.claim.contains(words))
}

#[test]
fn a_shared_shape_beside_a_known_brand_does_not_name_its_maker() {
    // Annke is a Hikvision OEM brand; C1200 merely has Axis's shape.
    let d = one(&[("import.brand", "Annke"), ("import.model", "C1200")]);
    assert_eq!(maker(&d), Some("hikvision"), "{:#?}", d.attribution);
    assert!(d.covered);
    assert!(
        said(&d, "has the shape of axis's numbering") && said(&d, "\"Annke\""),
        "{:#?}",
        d.attribution
    );
    assert!(
        d.evidence
            .iter()
            .all(|e| e.rule.as_deref() != Some("axis.fact.model"))
    );
}

#[test]
fn a_shared_shape_beside_an_unknown_brand_names_no_maker() {
    let d = one(&[("import.brand", "JideTech"), ("import.model", "A3238")]);
    assert_eq!(maker(&d), None, "{:#?}", d.attribution);
    assert!(!d.covered);
    assert!(said(&d, "\"JideTech\""), "{:#?}", d.attribution);

    // TKH Security is in the registry (NL): its own name decides, not the
    // VIVOTEK shape of its number.
    let d = one(&[
        ("import.brand", "TKH Security"),
        ("import.model", "FD2024F"),
    ]);
    assert_eq!(maker(&d), Some("tkh-security"), "{:#?}", d.attribution);
    assert!(
        said(&d, "has the shape of vivotek's numbering"),
        "{:#?}",
        d.attribution
    );
}

#[test]
fn a_shared_shape_counts_alone_and_beside_its_own_maker() {
    let alone = one(&[("import.model", "M3106-L Mk II")]);
    assert_eq!(maker(&alone), Some("axis"));
    for brand in ["AXIS", "Axis Communications AB"] {
        let d = one(&[
            ("onvif.manufacturer", brand),
            ("onvif.model", "P3225-LV Mk II"),
        ]);
        assert_eq!(maker(&d), Some("axis"), "{brand}: {:#?}", d.attribution);
        assert!(!said(&d, "has the shape of"), "{brand}");
    }
    let d = one(&[("import.brand", "VIVOTEK"), ("import.model", "FD9165-HT")]);
    assert_eq!(maker(&d), Some("vivotek"), "{:#?}", d.attribution);
}

#[test]
fn a_distinctive_grammar_still_unmasks_a_rebrand() {
    for brand in ["Digital Watchdog", "Speco Technologies", "SomeUnknownBrand"] {
        let d = one(&[("import.brand", brand), ("import.model", "DS-2CD2143G2-I")]);
        assert_eq!(
            maker(&d),
            Some("hikvision"),
            "{brand}: {:#?}",
            d.attribution
        );
        assert!(d.covered, "{brand}");
    }
}

#[test]
fn a_user_set_name_does_not_set_a_grammar_aside() {
    // The ONVIF name scope is the installer's: it must not turn an Axis
    // camera's own number into no evidence.
    let d = one(&[
        (
            "onvif.scope",
            "onvif://www.onvif.org/name/Annke%20replacement",
        ),
        ("onvif.model", "M3106-L Mk II"),
    ]);
    assert_eq!(maker(&d), Some("axis"), "{:#?}", d.attribution);
    assert!(!d.covered);
}

#[test]
fn intelbras_vip_numbers_are_not_bosch() {
    // Bosch's VideoJet encoders are VIP X…; plain VIP- is Intelbras's.
    let d = one(&[
        ("import.brand", "Intelbras"),
        ("import.model", "VIP-S4020-G2"),
    ]);
    assert_eq!(maker(&d), Some("dahua"), "{:#?}", d.attribution);
    let d = one(&[("import.model", "VIP-X1")]);
    assert_eq!(maker(&d), Some("bosch"), "{:#?}", d.attribution);
}
