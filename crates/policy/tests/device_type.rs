//! Device types read from model numbers and descriptions: a register line
//! gets the type its model grammar or its words show, the cost table's row
//! for that type, and the capability part of the risk.

use camaudit_model::DeviceType;
use camaudit_plan as plan;
use camaudit_policy::{Asset, Capability, Estate, Limits, Policy, Reachability, assess, remedy};

fn line(maker: &str, model: Option<&str>, description: Option<&str>) -> Asset {
    Asset {
        id: format!("assets.csv row {}", model.or(description).unwrap_or("-")),
        addr: None,
        mac: None,
        site_cell: Some("Harbridge Leisure Centre".into()),
        manufacturer: Some(maker.into()),
        label: None,
        model: model.map(str::to_owned),
        description: description.map(str::to_owned),
        firmware: None,
        device_type: None,
        covered: maker == "hikvision" || maker == "dahua",
        covered_by: vec!["uk-2022-directive".into()],
        kev_affected: Vec::new(),
        endpoints: Vec::new(),
        cleartext_accounts: Vec::new(),
        capabilities: Vec::new(),
        open_ports: Vec::new(),
        quantity: 1,
    }
}

fn estate() -> Estate {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/estate.toml");
    Estate::read(std::path::Path::new(path)).unwrap()
}

#[test]
fn the_built_in_patterns_hold_their_examples() {
    let p = Policy::builtin().unwrap();
    assert!(p.device_types.len() >= 10);
    assert_eq!(p.example_failures(), Vec::<String>::new());
}

#[test]
fn model_grammar_comes_before_words_and_the_maker_matters() {
    let p = Policy::builtin().unwrap();
    let t = |maker: &str, model: Option<&str>, d: Option<&str>| {
        p.device_type_of(Some(maker), model, d)
            .map(|t| (t.device_type, t.capability))
    };
    assert_eq!(
        t("hikvision", Some("DS-7616NI-Q2/16P"), None),
        Some((DeviceType::Nvr, None))
    );
    assert_eq!(
        t("hikvision", Some("DS-7208HQHI-K1"), Some("camera kit")),
        Some((DeviceType::Dvr, None)),
        "the model grammar wins over the description's words"
    );
    assert_eq!(
        t("hikvision", Some("DS-2DE4A425IW-DE"), None),
        Some((DeviceType::Camera, Some(Capability::Ptz)))
    );
    assert_eq!(
        t("acme", Some("DS-7616NI-Q2/16P"), None),
        None,
        "another maker's DS- number is not Hikvision's grammar"
    );
    assert_eq!(
        t("acme", Some("AW-100"), Some("4MP PTZ dome, 25x zoom")),
        Some((DeviceType::Camera, Some(Capability::Ptz)))
    );
    assert_eq!(
        t("acme", None, Some("16-channel NVR")),
        Some((DeviceType::Nvr, None))
    );
    assert_eq!(t("acme", Some("SW-8P"), Some("PoE switch 8 port")), None);
}

#[test]
fn a_typed_register_line_costs_its_type_and_a_ptz_line_scores_higher() {
    let estate = estate();
    let policy = Policy::builtin().unwrap();
    let assets = vec![
        line("hikvision", Some("DS-7616NI-Q2/16P"), None),
        line("hikvision", Some("DS-2CD2143G2-I"), None),
        line("dahua", Some("XYZ-1"), Some("PTZ dome camera")),
        line("dahua", Some("XYZ-2"), Some("Dome camera")),
        line("dahua", Some("XYZ-3"), None),
    ];
    let a = assess(&estate, &policy, assets, &Reachability::default());
    let types: Vec<Option<DeviceType>> = a.devices.iter().map(|d| d.asset.device_type).collect();
    assert_eq!(
        types,
        [
            Some(DeviceType::Nvr),
            Some(DeviceType::Camera),
            Some(DeviceType::Camera),
            Some(DeviceType::Camera),
            None
        ]
    );
    assert!(a.devices[2].capabilities.contains(&Capability::Ptz));
    assert!(
        a.devices[2].risk.score > a.devices[3].risk.score,
        "PTZ adds to the risk"
    );
    // The recorder holds the footage of the site's cameras.
    assert!(
        a.devices[0].risk.capability > 0.0,
        "{:?}",
        a.devices[0].risk
    );

    let limits = Limits {
        start: time::macros::date!(2027 - 01 - 01),
        budget_per_quarter: None,
        capacity_hours: None,
        quarters: 8,
    };
    let r = remedy(&estate, &policy, &a, &limits).unwrap();
    let replacement = |i: usize| {
        let id = &a.devices[i].asset.id;
        let d = r
            .problem
            .estate()
            .devices
            .iter()
            .find(|d| d.id.as_str() == id)
            .unwrap();
        let x = d.actions.iter().find(|x| x.kind.is_replace()).unwrap();
        (x.kind.to_string(), x.cost, x.minutes)
    };
    // examples/estate.toml: nvr £1,600 + 4 h, camera £420 + 2.5 h, default
    // £500 + 3 h, at £55 an hour.
    assert_eq!(
        replacement(0),
        (
            "replace (nvr)".into(),
            plan::Pence(160_000 + 4 * 5_500),
            plan::Minutes(240)
        )
    );
    assert_eq!(
        replacement(1),
        (
            "replace (camera)".into(),
            plan::Pence(42_000 + 5 * 5_500 / 2),
            plan::Minutes(150)
        )
    );
    assert_eq!(replacement(4).1, plan::Pence(50_000 + 3 * 5_500));
}

#[test]
fn a_bad_pattern_names_the_overlay_and_line() {
    let mut p = Policy::builtin().unwrap();
    let err = p
        .overlay(
            "mine.toml",
            "[[device_type]]\nwords = 'kiosk'\ndevice_type = \"toaster\"\nbasis = \"b\"\nsources = [\"s\"]\nexamples = [\"kiosk\"]\n",
        )
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("mine.toml:1"), "{err}");
    assert!(err.contains("toaster"), "{err}");
    let mut p = Policy::builtin().unwrap();
    p.overlay(
        "mine.toml",
        "[[device_type]]\nwords = 'kiosk'\ndevice_type = \"other\"\nbasis = \"b\"\nsources = [\"s\"]\nexamples = [\"totem\"]\n",
    )
    .unwrap();
    assert_eq!(
        p.example_failures(),
        ["device_type kiosk: example \"totem\" does not match"]
    );
}
