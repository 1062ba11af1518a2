//! The board report's figures on a small estate built by hand, where each
//! number can be counted on one's fingers, and its HTML page's structure.

use camaudit_model::DeviceType;
use camaudit_policy::{Asset, Estate, Limits, Policy, Reachability, assess, remedy};
use time::macros::date;

use super::*;

const ESTATE: &str = r#"
organisation = { name = "Test Council", currency = "GBP" }
[defaults]
budget_per_quarter = 50000
installer_hours_per_week = 37.5
[costs]
callout = 100
hourly_rate = 50
[costs.replace]
camera = { cost = 400, hours = 2 }
default = { cost = 500, hours = 3 }

[[site]]
id = "hq"
name = "Head <Office>"
sensitivity = "sensitive"
[[site.network]]
cidr = "10.1.0.0/24"
zone = "core"
[[site.network]]
cidr = "10.1.1.0/24"
zone = "isolated-cctv"

[[site]]
id = "school"
name = "School"
sensitivity = "standard"
[[site.network]]
cidr = "10.2.0.0/24"
zone = "isolated-cctv"

[[site]]
id = "depot"
name = "Depot"
sensitivity = "sensitive"
[[site.network]]
cidr = "10.3.0.0/24"
zone = "guest"
"#;

fn asset(addr: &str, maker: Option<&str>, covered: bool) -> Asset {
    Asset {
        id: addr.to_owned(),
        addr: addr.parse().ok(),
        mac: None,
        site_cell: None,
        manufacturer: maker.map(str::to_owned),
        label: maker.map(str::to_owned),
        model: None,
        description: None,
        firmware: None,
        device_type: Some(DeviceType::Camera),
        covered,
        covered_by: if covered {
            vec!["uk-2022-directive".to_owned()]
        } else {
            Vec::new()
        },
        kev_affected: Vec::new(),
        endpoints: Vec::new(),
        cleartext_accounts: Vec::new(),
        capabilities: Vec::new(),
        open_ports: vec![80],
        quantity: 1,
    }
}

/// Head office: a covered Annke-branded Hikvision on core with a KEV, a
/// trusted Axis on core (wrongly listed under a regime by some source,
/// but not covered), a camera of unknown make on CCTV. School: a covered
/// Dahua calling home. Depot (sensitive): a trusted Axis only. Off the
/// estate: a covered Hikvision.
fn assets() -> Vec<Asset> {
    let mut annke = asset("10.1.0.5", Some("hikvision"), true);
    annke.label = Some("annke".to_owned());
    annke.kev_affected = vec!["CVE-2021-36260".to_owned()];
    let mut trusted_on_core = asset("10.1.0.9", Some("axis"), false);
    trusted_on_core.covered_by = vec!["ndaa-889".to_owned()];
    let mut dahua = asset("10.2.0.7", Some("dahua"), true);
    dahua.endpoints = vec!["p2p.easy4ipcloud.com".to_owned()];
    vec![
        annke,
        trusted_on_core,
        asset("10.1.1.3", None, false),
        dahua,
        asset("10.3.0.4", Some("axis"), false),
        asset("192.168.9.9", Some("hikvision"), true),
    ]
}

fn report(call_home: CallHome) -> BoardReport {
    report_of(assets(), call_home)
}

/// The same estate with no device showing a host it contacts.
fn silent_assets() -> Vec<Asset> {
    let mut all = assets();
    for a in &mut all {
        a.endpoints.clear();
    }
    all
}

fn report_of(assets: Vec<Asset>, call_home: CallHome) -> BoardReport {
    let estate = Estate::parse("estate.toml", ESTATE).unwrap();
    let policy = Policy::builtin().unwrap();
    let a = assess(&estate, &policy, assets, &Reachability::default());
    let limits = Limits {
        start: date!(2027 - 01 - 04),
        budget_per_quarter: None,
        capacity_hours: None,
        quarters: 8,
    };
    let problem = remedy(&estate, &policy, &a, &limits).unwrap().problem;
    let plan = camaudit_plan::plan(&problem);
    BoardReport::build(BoardInput {
        estate: &estate,
        assessment: &a,
        devices: &[],
        plan: &plan,
        registry: RegistryVersion {
            version: "test".into(),
            date: "2026-11-01".into(),
            overlay: None,
        },
        call_home,
        sources: vec!["six devices built by hand".into()],
        changes: Changes::NotCompared {
            why: "a test".into(),
        },
        demo: None,
    })
}

fn measured() -> CallHome {
    CallHome::Measured {
        from: "a capture".into(),
    }
}

#[test]
fn headline_figures_count_sites_and_covered_devices() {
    let o = report(measured()).overview;
    assert_eq!((o.sites, o.sites_with_covered), (3, 2));
    assert_eq!((o.sensitive_sites, o.sensitive_sites_with_covered), (2, 1));
    assert_eq!((o.devices, o.covered_devices), (6, 3));
    assert_eq!(o.covered_on_core, 1);
    assert_eq!(o.covered_calling_home, Some(1));
    assert_eq!((o.rebrands, o.covered_rebrands), (1, 1));
    assert_eq!(o.kev_devices, 1);
    assert_eq!(o.kev_cves, ["CVE-2021-36260"]);
    assert_eq!((o.unplaced_devices, o.unplaced_covered), (1, 1));
}

#[test]
fn a_trusted_maker_is_never_counted_as_covered() {
    let r = report(measured());
    // The Axis on head office's core network: not on core as covered, and
    // the depot, whose only device is an Axis, has no covered equipment.
    let hq = &r.sites[0];
    assert_eq!((hq.devices, hq.covered, hq.covered_on_core), (3, 1, 1));
    let depot = &r.sites[2];
    assert_eq!((depot.devices, depot.covered), (1, 0));
    assert_eq!(depot.worst, None, "no finding on a trusted device");
    for f in &r.findings {
        assert_ne!(f.maker.as_deref(), Some("Axis"), "{f:?}");
    }
}

#[test]
fn calling_home_without_a_capture_is_not_measured_not_zero() {
    let r = report_of(silent_assets(), CallHome::NotMeasured);
    assert_eq!(r.overview.covered_calling_home, None);
    assert!(r.sites.iter().all(|s| s.covered_calling_home.is_none()));
    let said = write::headlines(&r)
        .into_iter()
        .find(|h| h.label.contains("calling home"))
        .unwrap();
    assert_eq!(said.value, "not measured");
}

#[test]
fn hosts_in_the_devices_own_evidence_measure_calling_home() {
    let r = report(CallHome::NotMeasured);
    assert!(r.call_home.is_measured());
    assert_eq!(r.overview.covered_calling_home, Some(1));
    assert_eq!(r.sites[1].covered_calling_home, Some(1));
}

#[test]
fn the_sites_planned_costs_add_up_to_the_cost_to_clear() {
    let r = report(measured());
    assert!(r.overview.cost_to_clear > 0);
    let by_site: u64 = r.sites.iter().map(|s| s.planned_cost).sum();
    assert_eq!(by_site, r.overview.cost_to_clear);
    let spent: u64 = r.plan.periods.iter().map(|p| p.spent).sum();
    assert_eq!(spent, r.overview.cost_to_clear);
    let last_site_day = r.sites.iter().filter_map(|s| s.clear_by.clone()).max();
    assert_eq!(last_site_day, r.overview.clear_by);
    assert!(r.overview.weeks_to_clear.is_some());
}

#[test]
fn findings_are_grouped_by_control_with_every_device_in_detail() {
    let r = report(measured());
    let grouped: usize = r.finding_groups.iter().map(|g| g.devices).sum();
    assert_eq!(grouped, r.findings.len());
    let on_core = r
        .finding_groups
        .iter()
        .find(|g| g.control == "covered-connected-to-core")
        .expect("the Hikvision on core breaks the core-network control");
    assert_eq!(on_core.devices, 1);
    assert_eq!(on_core.severity, "critical");
    let unknown = r
        .findings
        .iter()
        .find(|f| f.device == "10.1.1.3")
        .expect("the unknown maker is to be verified");
    assert_eq!(unknown.severity, "verify");
    assert_eq!(unknown.maker, None);
    // Worst first, as the assessment orders them.
    let order: Vec<&str> = r.findings.iter().map(|f| f.severity.as_str()).collect();
    let mut sorted = order.clone();
    sorted.sort_by_key(|s| {
        ["critical", "high", "medium", "verify"]
            .iter()
            .position(|x| x == s)
    });
    assert_eq!(order, sorted);
}

#[test]
fn the_page_is_self_contained_and_structured_for_print_and_screen_readers() {
    let html = board_report_html(&report(measured())).unwrap();
    let _ = std::fs::write(std::env::temp_dir().join("board-unit.html"), &html);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"), "no script");
    assert!(!html.contains("<link"), "no stylesheet or font fetched");
    assert!(!html.contains("@import") && !html.contains("url(http"));
    for attr in ["src=", "href="] {
        for (i, _) in html.match_indices(attr) {
            let value = &html[i + attr.len()..];
            assert!(
                value.starts_with("\"#") || value.starts_with("\"data:"),
                "{attr} loads something: {}",
                &value[..value.len().min(80)]
            );
        }
    }
    assert!(html.contains("Head &#60;Office&#62;"), "names are escaped");
    assert!(!html.contains("Head <Office>"));
    assert_eq!(
        html.matches("<svg").count(),
        3,
        "sites, cost and risk charts"
    );
    assert_eq!(
        html.matches("<svg").count(),
        html.matches("role=\"img\" aria-labelledby=").count(),
        "every chart is labelled"
    );
    assert!(html.contains("@page{size:A4"));
    assert!(html.contains("h2{break-before:page"));
    assert!(html.contains("tr{break-inside:avoid}"));
    for heading in [
        "Headline",
        "Sites",
        "Findings",
        "The plan",
        "What changed since the previous report",
        "Method",
        "Findings in detail",
    ] {
        assert!(html.contains(&format!("\">{heading}</h2>")), "{heading}");
    }
    assert!(html.contains("<th scope=\"col\">"));
    assert!(html.contains("<th scope=\"row\">"));
    // Severity is written out, not only coloured.
    assert!(html.contains("<span class=\"sev critical\">critical</span>"));
}

#[test]
fn json_says_what_was_not_measured_and_not_compared() {
    let r = report_of(silent_assets(), CallHome::NotMeasured);
    let mut out = Vec::new();
    write_board_report(&mut out, &r, &[], crate::Format::Json).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["call_home"]["measured"], "no");
    assert_eq!(
        v["overview"]["covered_calling_home"],
        serde_json::Value::Null
    );
    assert_eq!(v["changes"]["compared"], "no");
    assert_eq!(v["devices"], serde_json::json!([]));
    assert_eq!(v["overview"]["sites_with_covered"], 2);
}

#[test]
fn csv_has_the_estate_then_one_row_per_site() {
    let r = report_of(silent_assets(), CallHome::NotMeasured);
    let mut out = Vec::new();
    write_board_report(&mut out, &r, &[], crate::Format::Csv).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 1 + 3, "{text}");
    assert!(
        lines[0].starts_with(
            "site,name,sensitivity,devices,covered,covered_on_core,covered_calling_home"
        )
    );
    assert!(
        lines[1].starts_with("(estate),Test Council,,6,3,1,,"),
        "{text}"
    );
    assert!(
        lines[4].starts_with("depot,Depot,sensitive,1,0,0,,"),
        "{text}"
    );
}

/// A stored report (the `board` of a saved plan) reads back as the report
/// that was written, in every variant of what it measured and compared.
#[test]
fn the_report_reads_back_from_its_json() {
    let mut compared = report(measured());
    compared.changes = Changes::Compared {
        against: "scan 3".into(),
        new: 2,
        covered_new: 1,
        gone: 1,
        covered_gone: 1,
        changed: 0,
        rebrand_swaps: 0,
        came_back: 0,
        now_covered: 0,
        no_longer_covered: 0,
        lines: vec!["New covered device: a Dahua camera at 10.2.0.8.".into()],
    };
    compared.demo = Some(DemoGrade {
        scan: crate::demo::ScanSummary {
            target: "127.77.240.0/24".into(),
            addresses: 256,
            ports: 9,
            elapsed_seconds: 1.25,
            devices: 6,
            interrupted: false,
        },
        estate_devices: 6,
        accuracy: crate::demo::Accuracy {
            covered_truth: 3,
            covered_found: 3,
            ..Default::default()
        },
    });
    let silent = report_of(silent_assets(), CallHome::NotMeasured);
    for r in [compared, silent] {
        let mut out = Vec::new();
        write_board_report(&mut out, &r, &[], crate::Format::Json).unwrap();
        let back: BoardReport = serde_json::from_slice(&out).unwrap();
        assert_eq!(back, r);
        assert!(!back.plan.summary.risk_curve.is_empty());
        assert!(!back.findings.is_empty());
    }
}
