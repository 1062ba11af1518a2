//! A problem is checked once, at construction: these are the mistakes an
//! estate can make and the errors that name them.

use camaudit_plan::*;
use time::macros::date;

fn site(id: &str, region: &str) -> Site {
    Site {
        id: SiteId::new(id),
        region: Region::new(region),
        call_out: Pence::pounds(150),
        access: AccessWindows::default(),
    }
}

fn replace(cost: u64) -> Action {
    Action {
        kind: ActionKind::Replace {
            device_type: "camera".into(),
        },
        urgency: Urgency::Planned,
        cost: Pence::pounds(cost),
        minutes: Minutes::hours(1),
        risk_after: Risk::ZERO,
        control: String::new(),
    }
}

fn device(id: &str, site: &str, tied_to: Option<&str>) -> Device {
    Device {
        id: DeviceId::new(id),
        site: SiteId::new(site),
        risk: Risk::new(5.0).unwrap(),
        actions: vec![replace(400)],
        tied_to: tied_to.map(DeviceId::new),
    }
}

fn constraints() -> Constraints {
    Constraints::new(
        date!(2027 - 01 - 01),
        None,
        Capacity::Shared(Minutes::hours(40)),
    )
}

#[test]
fn a_device_on_an_unknown_site_is_refused_by_name() {
    let estate = Estate {
        sites: vec![site("Town Hall", "North")],
        devices: vec![device("cam-1", "Depot", None)],
    };
    let err = Problem::new(estate, constraints()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "device \"cam-1\" is on site \"Depot\", which the estate does not list"
    );
}

#[test]
fn a_tie_to_a_recorder_on_another_site_is_refused() {
    let estate = Estate {
        sites: vec![site("Town Hall", "North"), site("Depot", "North")],
        devices: vec![
            device("nvr-1", "Depot", None),
            device("cam-1", "Town Hall", Some("nvr-1")),
        ],
    };
    let err = Problem::new(estate, constraints()).unwrap_err();
    assert!(matches!(err, PlanError::BadTie { why, .. } if why.contains("another site")));
}

#[test]
fn a_region_without_capacity_is_refused_unless_others_have_a_pool() {
    let estate = Estate {
        sites: vec![site("Town Hall", "North"), site("Depot", "South")],
        devices: vec![],
    };
    let mut c = constraints();
    c.capacity_per_week = Capacity::PerRegion {
        regions: [(Region::new("North"), Minutes::hours(30))].into(),
        others: None,
    };
    let err = Problem::new(estate.clone(), c.clone()).unwrap_err();
    assert!(matches!(err, PlanError::NoCapacity { ref site, .. } if site.as_str() == "Depot"));
    c.capacity_per_week = Capacity::PerRegion {
        regions: [(Region::new("North"), Minutes::hours(30))].into(),
        others: Some(Minutes::hours(10)),
    };
    assert!(Problem::new(estate, c).is_ok());
}

#[test]
fn duplicate_devices_are_refused() {
    let estate = Estate {
        sites: vec![site("Town Hall", "North")],
        devices: vec![
            device("cam-1", "Town Hall", None),
            device("cam-1", "Town Hall", None),
        ],
    };
    assert_eq!(
        Problem::new(estate, constraints()).unwrap_err(),
        PlanError::DuplicateDevice(DeviceId::new("cam-1"))
    );
}

#[test]
fn an_action_reads_from_json_with_its_kind_inline() {
    let json = r#"{"kind":"firmware-update","fixes":["CVE-2021-36260"],"urgency":"now",
                   "cost":5000,"minutes":30,"risk_after":2.5}"#;
    let action: Action = serde_json::from_str(json).unwrap();
    assert_eq!(
        action.kind,
        ActionKind::FirmwareUpdate {
            fixes: vec!["CVE-2021-36260".into()]
        }
    );
    assert_eq!(action.urgency, Urgency::Now);
    assert_eq!(action.cost, Pence(5000));
    let bad = json.replace("2.5", "-1");
    assert!(serde_json::from_str::<Action>(&bad).is_err());
}

#[test]
fn access_windows_combine_weekdays_open_and_closed_ranges() {
    let holidays = DateRange::new(date!(2027 - 07 - 20), date!(2027 - 09 - 03)).unwrap();
    let closed = DateRange::new(date!(2027 - 08 - 02), date!(2027 - 08 - 06)).unwrap();
    let school = AccessWindows {
        open: vec![holidays],
        closed: vec![closed],
        ..AccessWindows::default()
    };
    assert!(!school.allows(date!(2027 - 07 - 19)), "term time");
    assert!(
        school.allows(date!(2027 - 07 - 20)),
        "a Tuesday in the holidays"
    );
    assert!(!school.allows(date!(2027 - 07 - 24)), "a Saturday");
    assert!(!school.allows(date!(2027 - 08 - 04)), "the closed week");
    assert!(DateRange::new(date!(2027 - 08 - 06), date!(2027 - 08 - 02)).is_err());
}

#[test]
fn constraints_read_dates_as_iso_text() {
    let json = r#"{"start":"2027-04-01","budget_per_period":25000000,
                   "capacity_per_week":{"shared":2400}}"#;
    let c: Constraints = serde_json::from_str(json).unwrap();
    assert_eq!(c.start, date!(2027 - 04 - 01));
    assert_eq!(c.period, Period::Quarter);
    assert_eq!(c.horizon_periods, 20);
    let back = serde_json::to_value(&c).unwrap();
    assert_eq!(back["start"], "2027-04-01");
    let range: DateRange =
        serde_json::from_str(r#"{"first":"2027-07-20","last":"2027-09-03"}"#).unwrap();
    assert_eq!(range.last(), date!(2027 - 09 - 03));
    assert!(
        serde_json::from_str::<DateRange>(r#"{"first":"2027-09-03","last":"2027-07-20"}"#).is_err()
    );
}
