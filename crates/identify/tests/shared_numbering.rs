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
    // Annke is a Hikvision OEM brand; its C1200 is not an Axis camera.
    let d = one(&[("import.brand", "Annke"), ("import.model", "C1200")]);
    assert_eq!(maker(&d), Some("hikvision"), "{:#?}", d.attribution);
    assert!(d.covered);
    assert!(
        d.evidence
            .iter()
            .all(|e| e.rule.as_deref() != Some("axis.fact.model"))
    );
    // A number that does fit Axis's camera series, beside another brand
    // (an invented pairing: the mechanism, not a product): set aside, and
    // said so.
    let d = one(&[("import.brand", "Annke"), ("import.model", "Q1656")]);
    assert_eq!(maker(&d), Some("hikvision"), "{:#?}", d.attribution);
    assert!(
        said(&d, "has the shape of axis's numbering") && said(&d, "\"Annke\""),
        "{:#?}",
        d.attribution
    );
}

#[test]
fn a_shared_shape_beside_an_unknown_brand_names_no_maker() {
    let d = one(&[("import.brand", "JideTech"), ("import.model", "A3238")]);
    assert_eq!(maker(&d), None, "{:#?}", d.attribution);
    assert!(!d.covered);
    let d = one(&[("import.brand", "JideTech"), ("import.model", "P1275")]);
    assert_eq!(maker(&d), None, "{:#?}", d.attribution);
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

/// Other makers' short numbers seen alone in the public camera database
/// (ch-bas/cctv-camera-database): Annke's C1200 (a Hikvision OEM brand),
/// Reolink's D1200, EZVIZ's S10, ACTi's Q12. Alone, none names Axis or
/// MOBOTIX (a covered maker's camera called trusted is the error that
/// matters); an Axis accessory keeps its suffix and still names Axis.
#[test]
fn other_makers_short_numbers_alone_name_no_trusted_maker() {
    for model in ["C1200", "D1200", "S10", "Q12", "A3238"] {
        let d = one(&[("import.model", model)]);
        assert!(
            !matches!(maker(&d), Some("axis" | "mobotix")),
            "{model}: {:#?}",
            d.attribution
        );
    }
    for (model, want) in [("C1310-E", "axis"), ("Q1656", "axis"), ("S16B", "mobotix")] {
        let d = one(&[("import.model", model)]);
        assert_eq!(maker(&d), Some(want), "{model}: {:#?}", d.attribution);
    }
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
