//! The estate file: the example parses, and every kind of mistake is
//! refused with the file and the line.

use camaudit_policy::{Estate, Sensitivity, Zone};

const ONE_SITE: &str = r#"organisation = { name = "Test Council" }
[[site]]
id = "hall"
name = "Town Hall"
sensitivity = "sensitive"
[[site.network]]
cidr = "10.1.0.0/16"
zone = "core"
[[site.network]]
cidr = "10.1.8.0/24"
zone = "isolated-cctv"
"#;

fn err(text: &str) -> (Option<usize>, String) {
    let e = Estate::parse("estate.toml", text).expect_err("refused");
    assert_eq!(e.file, "estate.toml");
    let shown = e.to_string();
    assert!(shown.starts_with("estate.toml"), "{shown}");
    (e.line, e.message)
}

#[test]
fn the_example_estate_parses() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/estate.toml");
    let estate = Estate::read(std::path::Path::new(path)).expect("example estate");
    assert_eq!(estate.organisation, "Harbridge Borough Council");
    let ids: Vec<&str> = estate.sites.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "town-hall",
            "st-marys",
            "harbridge-academy",
            "leisure-centre",
            "depot",
            "police-liaison"
        ]
    );
    let police = &estate.sites[5];
    assert_eq!(police.sensitivity, Sensitivity::Sensitive);
    assert_eq!(police.categories, ["police"]);
    assert_eq!(estate.costs.replacement(Some("nvr")).cost, 1600.0);
    assert_eq!(
        estate.costs.replacement(Some("printer")).cost,
        500.0,
        "default"
    );
    assert_eq!(estate.defaults.budget_per_quarter, Some(60000.0));
    assert_eq!(estate.sites[0].ties.len(), 1);
}

#[test]
fn the_longest_prefix_decides_the_network() {
    let estate = Estate::parse("estate.toml", ONE_SITE).unwrap();
    let zone = |a: &str| {
        estate
            .network_of(a.parse().unwrap())
            .map(|(s, n)| estate.sites[s].networks[n].zone)
    };
    assert_eq!(zone("10.1.8.7"), Some(Zone::IsolatedCctv));
    assert_eq!(zone("10.1.9.7"), Some(Zone::Core));
    assert_eq!(zone("10.2.0.1"), None);
    assert_eq!(zone("::1"), None);
}

#[test]
fn overlapping_networks_of_two_sites_are_refused_at_the_second_site() {
    let text = format!(
        "{ONE_SITE}[[site]]\nid = \"depot\"\nname = \"Depot\"\nsensitivity = \"standard\"\n[[site.network]]\ncidr = \"10.1.200.0/24\"\nzone = \"core\"\n"
    );
    let (line, message) = err(&text);
    assert_eq!(line, Some(17), "{message}");
    assert!(
        message.contains("10.1.200.0/24 overlaps 10.1.0.0/16"),
        "{message}"
    );
    assert!(message.contains("\"hall\""), "{message}");
}

#[test]
fn the_same_network_twice_on_one_site_is_refused() {
    let text = ONE_SITE.replace("10.1.8.0/24", "10.1.0.0/16");
    let (_, message) = err(&text);
    assert!(message.contains("overlaps"), "{message}");
}

#[test]
fn an_unknown_zone_names_its_line() {
    let (line, message) = err(&ONE_SITE.replace("\"isolated-cctv\"", "\"cctv\""));
    assert_eq!(line, Some(11));
    assert!(message.contains("cctv"), "{message}");
    assert!(
        message.contains("isolated-cctv"),
        "lists the zones: {message}"
    );
}

#[test]
fn a_bad_cidr_names_its_line() {
    let (line, message) = err(&ONE_SITE.replace("10.1.8.0/24", "10.1.8.0/33"));
    assert_eq!(line, Some(10));
    assert!(message.contains("bad CIDR \"10.1.8.0/33\""), "{message}");
    let (line, message) = err(&ONE_SITE.replace("10.1.8.0/24", "10.1.8.5/24"));
    assert_eq!(line, Some(10));
    assert!(message.contains("host bits"), "{message}");
}

#[test]
fn a_site_without_networks_is_refused() {
    let text = "organisation = { name = \"X\" }\n\n[[site]]\nid = \"empty\"\nname = \"Empty\"\nsensitivity = \"standard\"\n";
    let (line, message) = err(text);
    assert_eq!(line, Some(3), "the [[site]] line: {message}");
    assert!(message.contains("\"empty\" has no networks"), "{message}");
}

#[test]
fn unknown_keys_are_refused_with_their_line() {
    let (line, message) = err(&ONE_SITE.replace("zone = \"core\"", "zone = \"core\"\nvlna = 10"));
    assert_eq!(line, Some(9));
    assert!(message.contains("vlna"), "{message}");
    let (line, message) = err(&ONE_SITE.replace("sensitivity", "sensitivty"));
    assert_eq!(line, Some(5), "{message}");
}

#[test]
fn a_tie_to_a_recorder_off_the_site_is_refused() {
    let text =
        format!("{ONE_SITE}[[site.tie]]\nrecorder = \"10.9.9.9\"\ncameras = [\"10.1.8.0/24\"]\n");
    let (line, message) = err(&text);
    assert_eq!(line, Some(13));
    assert!(message.contains("10.9.9.9"), "{message}");
}

#[test]
fn bad_access_windows_and_costs_are_refused() {
    let text = ONE_SITE.replace(
        "sensitivity = \"sensitive\"",
        "sensitivity = \"sensitive\"\naccess = [{ days = [\"mon\"], hours = \"18:00-08:00\" }]",
    );
    assert!(err(&text).1.contains("HH:MM-HH:MM"));
    let text = format!("{ONE_SITE}[costs]\ncallout = -5\n");
    let (line, message) = err(&text);
    assert_eq!(line, Some(12));
    assert!(message.contains("callout"), "{message}");
}

#[test]
fn register_site_cells_match_ids_and_names_loosely() {
    let estate = Estate::parse("estate.toml", ONE_SITE).unwrap();
    assert_eq!(estate.site_named("hall"), Some(0));
    assert_eq!(estate.site_named("TOWN HALL"), Some(0));
    assert_eq!(estate.site_named("town-hall"), Some(0));
    assert_eq!(estate.site_named("Depot"), None);
    assert_eq!(
        estate.site_named("Town"),
        Some(0),
        "the start of one site's name"
    );
    let two = format!(
        "{ONE_SITE}[[site]]\nid = \"annexe\"\nname = \"Town Hall Annexe\"\nsensitivity = \"standard\"\n[[site.network]]\ncidr = \"10.2.0.0/24\"\nzone = \"core\"\n"
    );
    let estate = Estate::parse("estate.toml", &two).unwrap();
    assert_eq!(
        estate.site_named("Town Hall"),
        Some(0),
        "an exact name wins"
    );
    assert_eq!(
        estate.site_named("Town"),
        None,
        "two sites begin so: no guess"
    );
    assert_eq!(estate.site_named(""), None);
}
