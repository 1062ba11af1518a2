//! Findings into the scheduler: every device with a finding gets its
//! actions, costed from the estate; the example council can be planned.

use camaudit_model::Device;
use camaudit_plan as plan;
use camaudit_policy::{Asset, Estate, Limits, Policy, Reachability, assess, remedy};

fn council() -> (Estate, Policy, camaudit_policy::Assessment) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/");
    let estate = Estate::read(&std::path::Path::new(root).join("estate.toml")).unwrap();
    let assets = std::fs::read_to_string(std::path::Path::new(root).join("council-devices.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let d: Device = serde_json::from_value(v.clone()).unwrap();
            Asset::of_device(&d, Some(&v))
        })
        .collect();
    let policy = Policy::builtin().unwrap();
    let a = assess(&estate, &policy, assets, &Reachability::default());
    (estate, policy, a)
}

fn limits() -> Limits {
    Limits {
        start: time::macros::date!(2027 - 01 - 01),
        budget_per_quarter: None,
        capacity_hours: None,
        quarters: 8,
    }
}

#[test]
fn every_device_with_a_finding_gets_its_actions() {
    let (estate, policy, a) = council();
    let r = remedy(&estate, &policy, &a, &limits()).unwrap();
    let devices = &r.problem.estate().devices;
    let with_findings = a.devices.iter().filter(|d| !d.findings.is_empty()).count();
    assert_eq!(devices.len() + r.unplanned.len(), with_findings);
    assert!(
        r.unplanned.is_empty(),
        "the example's covered devices are all placed"
    );
    let annke = devices
        .iter()
        .find(|d| d.id.as_str() == "10.10.1.45")
        .unwrap();
    let kinds: Vec<&str> = annke.actions.iter().map(|x| x.kind.name()).collect();
    assert_eq!(kinds, ["disconnect", "replace"]);
    let disconnect = &annke.actions[0];
    assert_eq!(disconnect.urgency, plan::Urgency::Now);
    assert_eq!(disconnect.minutes, plan::Minutes(30));
    assert_eq!(disconnect.cost, plan::Pence(2750), "half an hour at £55");
    assert!(disconnect.risk_after.per_day() < annke.risk.per_day());
    assert!(
        disconnect.risk_after.per_day() > 0.0,
        "still covered, still on a sensitive site"
    );
    let replace = &annke.actions[1];
    assert_eq!(replace.cost, plan::Pence::pounds(420) + plan::Pence(13750));
    assert_eq!(replace.risk_after, plan::Risk::ZERO);
    // The Hikvision camera's firmware update names the CVE it fixes.
    let hik = devices
        .iter()
        .find(|d| d.id.as_str() == "10.10.8.21")
        .unwrap();
    assert!(hik.actions.iter().any(|x| x.kind
        == plan::ActionKind::FirmwareUpdate {
            fixes: vec!["CVE-2021-36260".into()]
        }));
    // The unknown camera at the police office is to be inspected.
    let unknown = devices
        .iter()
        .find(|d| d.id.as_str() == "10.60.8.20")
        .unwrap();
    assert_eq!(unknown.actions[0].kind, plan::ActionKind::Verify);
}

#[test]
fn the_example_council_is_planned_with_immediate_actions_first() {
    let (estate, policy, a) = council();
    let r = remedy(&estate, &policy, &a, &limits()).unwrap();
    let p = plan::plan(&r.problem);
    assert!(p.optimised.exposure.0 <= p.greedy.exposure.0 + 1e-6);
    assert!(p.bound.0 <= p.optimised.exposure.0 + 1e-6);
    assert!(
        p.optimised.unscheduled.is_empty(),
        "{:?}",
        p.optimised.unscheduled
    );
    // With the estate's budget every "now" action is done in the first
    // quarter (the police office opens on Tuesdays and Thursdays only, so
    // planned work elsewhere may come first on the calendar).
    let now: Vec<u32> = p
        .optimised
        .actions()
        .filter(|(_, x)| x.urgency == plan::Urgency::Now)
        .map(|(v, _)| v.period)
        .collect();
    assert!(now.len() >= 6, "{now:?}");
    assert!(now.iter().all(|&q| q == 0), "{now:?}");
}

#[test]
fn a_register_line_for_several_units_costs_them_all() {
    let (estate, policy, mut a) = council();
    let i = a
        .devices
        .iter()
        .position(|d| d.asset.id == "10.20.8.31")
        .unwrap();
    a.devices[i].asset.quantity = 4;
    let r = remedy(&estate, &policy, &a, &limits()).unwrap();
    let d = r
        .problem
        .estate()
        .devices
        .iter()
        .find(|d| d.id.as_str() == "10.20.8.31")
        .unwrap();
    let replace = d.actions.iter().find(|x| x.kind.is_replace()).unwrap();
    assert_eq!(replace.minutes, plan::Minutes(4 * 150));
}
