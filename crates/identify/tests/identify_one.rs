//! `Engine::identify_one`: one device from observations known to describe it
//! (a line of an asset register), with registry names as label evidence.

use camaudit_identify::{Engine, REGISTRY_NAME_RULE};
use camaudit_model::{Field, Observation, Source};

fn obs(addr: &str, field: &str, value: &str) -> Observation {
    Observation {
        addr: addr.parse().expect("test address"),
        port: None,
        source: Source::Import,
        field: Field::new(field).expect("test field"),
        value: value.to_owned(),
        seen_at: None,
    }
}

#[test]
fn a_row_is_one_device_whatever_its_addresses() {
    let engine = Engine::builtin().expect("builtin engine");
    let d = engine
        .identify_one(&[
            obs("0.0.0.1", "import.brand", "ANNKE"),
            obs("0.0.0.2", "import.model", "DS-2CD2387G2-LU"),
        ])
        .expect("a device");
    assert_eq!(
        d.manufacturer.as_ref().map(|m| m.as_str()),
        Some("hikvision")
    );
    assert_eq!(d.label_vendor.as_ref().map(|m| m.as_str()), Some("annke"));
    assert!(d.covered);
    assert!(engine.identify_one(&[]).is_none());
}

#[test]
fn a_registry_name_no_rule_reads_becomes_the_label() {
    let engine = Engine::builtin().expect("builtin engine");
    let d = engine
        .identify_one(&[obs("0.0.0.1", "import.manufacturer", "KBVision")])
        .expect("a device");
    assert_eq!(
        d.label_vendor.as_ref().map(|m| m.as_str()),
        Some("kbvision")
    );
    assert_eq!(d.manufacturer.as_ref().map(|m| m.as_str()), Some("dahua"));
    assert!(
        d.evidence
            .iter()
            .any(|e| e.rule.as_deref() == Some(REGISTRY_NAME_RULE))
    );
    // A name a rule already reads is not doubled.
    let d = engine
        .identify_one(&[obs("0.0.0.1", "import.brand", "Hikvision")])
        .expect("a device");
    assert!(
        !d.evidence
            .iter()
            .any(|e| e.rule.as_deref() == Some(REGISTRY_NAME_RULE))
    );
    // An unknown name is no evidence.
    let d = engine
        .identify_one(&[obs("0.0.0.1", "import.brand", "Acme Widgets")])
        .expect("a device");
    assert!(d.manufacturer.is_none());
}

/// Honeywell relabelled Dahua recorders of its Performance HQA line only.
/// Attribution is remembered between devices, so the same label with a
/// model inside and outside that line, in both orders, must still differ.
#[test]
fn a_relation_limited_to_model_lines_is_not_remembered_across_models() {
    let engine = Engine::builtin().expect("builtin engine");
    let honeywell = |model: &str| {
        engine
            .identify_one(&[
                obs("0.0.0.1", "import.brand", "Honeywell"),
                obs("0.0.0.1", "import.model", model),
            ])
            .expect("a device")
    };
    let (hqa_first, other_second) = (honeywell("HQA-T4D2"), honeywell("HC30WB5R1"));
    let (other_first, hqa_second) = (honeywell("HC30WB5R1"), honeywell("HQA-T4D2"));
    for hqa in [hqa_first, hqa_second] {
        assert_eq!(hqa.manufacturer.as_ref().map(|m| m.as_str()), Some("dahua"));
    }
    for other in [other_second, other_first] {
        assert_eq!(other.manufacturer, None, "{:?}", other.attribution);
        assert!(
            other.attribution.iter().any(|s| s
                .claim
                .contains("HQA only, and model \"HC30WB5R1\" falls outside that")),
            "{:?}",
            other.attribution
        );
    }
}

/// A model number the registry documents as another maker's model names
/// that maker; under a label of some other brand it is taken for a
/// coincidence of numbering.
#[test]
fn a_documented_oem_model_names_its_original_maker() {
    use camaudit_identify::EQUIVALENCE_RULE;
    let engine = Engine::builtin().expect("builtin engine");
    let d = engine
        .identify_one(&[obs("0.0.0.1", "import.model", "AD410")])
        .expect("a device");
    assert_eq!(d.manufacturer.as_ref().map(|m| m.as_str()), Some("dahua"));
    assert!(d.covered);
    assert!(
        d.evidence
            .iter()
            .any(|e| e.rule.as_deref() == Some(EQUIVALENCE_RULE) && e.value == "AD410")
    );

    let d = engine
        .identify_one(&[
            obs("0.0.0.1", "import.brand", "Axis"),
            obs("0.0.0.1", "import.model", "AD410"),
        ])
        .expect("a device");
    assert_eq!(d.manufacturer.as_ref().map(|m| m.as_str()), Some("axis"));
    assert!(
        !d.evidence
            .iter()
            .any(|e| e.rule.as_deref() == Some(EQUIVALENCE_RULE))
    );
}

/// Lorex was Dahua's from 2018-02 until its sale on 2022-11-24. A dated
/// device (a register's purchase date) is attributed through the relation
/// only inside that period, and then without the discount an undated
/// device's historical relation gets.
#[test]
fn a_former_subsidiary_speaks_only_for_devices_of_its_period() {
    let engine = Engine::builtin().expect("builtin engine");
    let lorex = [obs("0.0.0.1", "import.brand", "Lorex")];
    let maker = |date: Option<&str>| {
        let d = engine.identify_one_at(&lorex, date).expect("a device");
        (
            d.manufacturer.map(|m| m.to_string()),
            d.confidence.get(),
            d.attribution,
        )
    };
    let (undated, undated_confidence, _) = maker(None);
    let (inside, inside_confidence, _) = maker(Some("2021-06-15"));
    let (sale_month, _, _) = maker(Some("2022-11"));
    let (after, _, steps) = maker(Some("2023-02-01"));
    let (before, _, _) = maker(Some("2017"));
    assert_eq!(undated.as_deref(), Some("dahua"));
    assert_eq!(inside.as_deref(), Some("dahua"));
    assert_eq!(
        sale_month.as_deref(),
        Some("dahua"),
        "the sale month still counts"
    );
    assert!(inside_confidence > undated_confidence);
    assert_eq!(after, None);
    assert_eq!(before, None);
    assert!(
        steps.iter().any(|s| s
            .claim
            .contains("relates to dahua (2018-02 to 2022-11-24) only")),
        "{steps:?}"
    );
}
