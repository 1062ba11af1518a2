//! Small estates whose right schedule can be worked out by hand.

use camaudit_plan::*;
use time::Date;
use time::macros::date;

/// A Friday: week 0 runs Friday to Thursday.
const START: Date = date!(2027 - 01 - 01);

fn site(id: &str, call_out: u64) -> Site {
    Site {
        id: SiteId::new(id),
        region: Region::new("North"),
        call_out: Pence::pounds(call_out),
        access: AccessWindows::default(),
    }
}

fn action(kind: ActionKind, urgency: Urgency, pounds: u64, hours: u32, after: f64) -> Action {
    Action {
        kind,
        urgency,
        cost: Pence::pounds(pounds),
        minutes: Minutes::hours(hours),
        risk_after: Risk::new(after).unwrap(),
        control: String::new(),
    }
}

fn replace(pounds: u64, hours: u32) -> Action {
    let kind = ActionKind::Replace {
        device_type: "camera".into(),
    };
    action(kind, Urgency::Planned, pounds, hours, 0.0)
}

fn device(id: &str, site: &str, risk: f64, actions: Vec<Action>) -> Device {
    Device {
        id: DeviceId::new(id),
        site: SiteId::new(site),
        risk: Risk::new(risk).unwrap(),
        actions,
        tied_to: None,
    }
}

fn constraints(budget: Option<u64>, hours: u32, periods: u32) -> Constraints {
    let mut c = Constraints::new(
        START,
        budget.map(Pence::pounds),
        Capacity::Shared(Minutes::hours(hours)),
    );
    c.period = Period::Month;
    c.horizon_periods = periods;
    c
}

#[test]
fn a_tight_budget_spreads_replacements_over_periods_riskiest_per_pound_first() {
    // £1,000 a month, £100 call-out: one £800 replacement a month.
    let estate = Estate {
        sites: vec![site("A", 100), site("B", 100)],
        devices: vec![
            device("low", "A", 1.0, vec![replace(800, 2)]),
            device("high", "B", 5.0, vec![replace(800, 2)]),
        ],
    };
    let problem = Problem::new(estate, constraints(Some(1_000), 40, 3)).unwrap();
    let s = greedy(&problem);
    let dates: Vec<(String, Date)> = s
        .actions()
        .map(|(v, a)| (a.device.to_string(), v.date))
        .collect();
    assert_eq!(
        dates,
        vec![
            ("high".to_owned(), date!(2027 - 01 - 01)),
            ("low".to_owned(), date!(2027 - 02 - 01)),
        ]
    );
    // 90 days in three months; high for 0 days, low for 31.
    assert_eq!(s.exposure.risk_days(), 31.0);
    assert_eq!(s.periods[0].spent, Pence::pounds(900));
    assert_eq!(s.periods[1].spent, Pence::pounds(900));
    assert_eq!(s.periods[2].spent, Pence::ZERO);
    assert_eq!(s.risk_curve[0].risk.per_day(), 1.0);
    assert_eq!(s.risk_curve.last().map(|p| p.risk.per_day()), Some(0.0));
}

#[test]
fn work_on_one_site_in_one_week_shares_a_single_call_out() {
    let estate = Estate {
        sites: vec![site("A", 300)],
        devices: vec![
            device("cam-1", "A", 2.0, vec![replace(400, 1)]),
            device("cam-2", "A", 2.0, vec![replace(400, 1)]),
        ],
    };
    let problem = Problem::new(estate, constraints(None, 40, 1)).unwrap();
    let s = greedy(&problem);
    assert_eq!(s.visits.len(), 1);
    assert_eq!(s.visits[0].cost(), Pence::pounds(1_100));
    assert_eq!(s.call_outs, Pence::pounds(300));
}

#[test]
fn immediate_actions_go_first_even_when_planned_work_removes_more_per_pound() {
    // Room for one job a week: the disconnect marked "now" takes week 0.
    let now = action(ActionKind::Disconnect, Urgency::Now, 50, 8, 4.0);
    let estate = Estate {
        sites: vec![site("A", 0), site("B", 0)],
        devices: vec![
            device("urgent", "A", 5.0, vec![now]),
            device("planned", "B", 50.0, vec![replace(10, 8)]),
        ],
    };
    let problem = Problem::new(estate, constraints(None, 8, 1)).unwrap();
    for s in [plan(&problem).greedy, plan(&problem).optimised] {
        let first = &s.visits[0];
        assert_eq!(first.date, START);
        assert_eq!(first.actions[0].device.as_str(), "urgent");
        assert_eq!(s.visits[1].date, date!(2027 - 01 - 08));
    }
}

#[test]
fn a_recorders_replacement_moves_its_tied_cameras_on_the_same_visit() {
    let mut cam = device("cam-1", "A", 1.0, vec![replace(300, 1)]);
    cam.tied_to = Some(DeviceId::new("nvr-1"));
    let estate = Estate {
        sites: vec![site("A", 100)],
        devices: vec![device("nvr-1", "A", 3.0, vec![replace(2_000, 4)]), cam],
    };
    let problem = Problem::new(estate, constraints(Some(10_000), 40, 2)).unwrap();
    let s = plan(&problem).optimised;
    assert_eq!(s.visits.len(), 1);
    let actions = &s.visits[0].actions;
    assert_eq!(actions.len(), 2);
    let camera = actions
        .iter()
        .find(|a| a.device.as_str() == "cam-1")
        .unwrap();
    assert_eq!(camera.moves_with, Some(DeviceId::new("nvr-1")));
}

#[test]
fn actions_that_can_never_fit_are_reported_with_the_reason() {
    let mut closed = site("Closed", 10);
    closed.access.weekdays.clear();
    let estate = Estate {
        sites: vec![site("A", 100), closed],
        devices: vec![
            device("dear", "A", 1.0, vec![replace(5_000, 1)]),
            device("long", "A", 1.0, vec![replace(10, 50)]),
            device("locked", "Closed", 1.0, vec![replace(10, 1)]),
        ],
    };
    let problem = Problem::new(estate, constraints(Some(1_000), 40, 2)).unwrap();
    let s = greedy(&problem);
    let mut reasons: Vec<(String, Unplaceable)> = s
        .unscheduled
        .iter()
        .map(|u| (u.device.to_string(), u.reason))
        .collect();
    reasons.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        reasons,
        vec![
            ("dear".to_owned(), Unplaceable::OverBudget),
            ("locked".to_owned(), Unplaceable::NoAccess),
            ("long".to_owned(), Unplaceable::OverCapacity),
        ]
    );
    // Unscheduled devices keep their risk to the end: 3 devices × 59 days.
    assert_eq!(s.exposure.risk_days(), 3.0 * 59.0);
}

#[test]
fn batching_per_site_beats_greedy_on_a_generated_estate() {
    let shape = generate::Shape {
        sites: 60,
        devices: 3_000,
        regions: 3,
        seed: 7,
    };
    let estate = generate::estate(shape);
    let problem = Problem::new(estate.clone(), generate::constraints(&estate, 3)).unwrap();
    let plan = plan(&problem);
    assert!(plan.optimised.exposure.0 < plan.greedy.exposure.0);
    assert!(plan.optimised.call_outs < plan.greedy.call_outs);
    assert!(plan.improvement() > 0.0);
    assert!(plan.bound.0 > 0.0 && plan.bound.0 <= plan.optimised.exposure.0);
}

#[test]
fn the_bound_is_exact_when_one_job_fits_and_nothing_constrains_it() {
    // One device, one replacement on day 0 of a site open every day: no
    // schedule can do better than zero exposure, and the bound says so.
    let mut always = site("A", 0);
    always.access.weekdays = vec![
        time::Weekday::Monday,
        time::Weekday::Tuesday,
        time::Weekday::Wednesday,
        time::Weekday::Thursday,
        time::Weekday::Friday,
        time::Weekday::Saturday,
        time::Weekday::Sunday,
    ];
    let estate = Estate {
        sites: vec![always],
        devices: vec![device("cam", "A", 2.0, vec![replace(100, 1)])],
    };
    let problem = Problem::new(estate, constraints(Some(1_000), 40, 1)).unwrap();
    let plan = plan(&problem);
    assert_eq!(plan.optimised.exposure.0, 0.0);
    assert_eq!(plan.bound.0, 0.0);
    assert_eq!(plan.gap(), 0.0);
}

#[test]
fn a_budget_too_small_for_the_work_raises_the_bound_above_zero() {
    // £500 a month buys a fifth of the £2,500 job per month: at best the
    // risk falls by a fifth a month in the relaxation.
    let estate = Estate {
        sites: vec![site("A", 0)],
        devices: vec![device("nvr", "A", 10.0, vec![replace(2_500, 1)])],
    };
    let problem = Problem::new(estate, constraints(Some(500), 40, 3)).unwrap();
    let bound = lower_bound(&problem).0;
    // January: 10 × (1 − 0.2) × 31, February 10 × 0.6 × 28, March 10 × 0.4 × 31.
    let expected = 8.0 * 31.0 + 6.0 * 28.0 + 4.0 * 31.0;
    assert!(
        (bound - expected).abs() < 1e-6,
        "bound {bound}, expected {expected}"
    );
    let s = greedy(&problem);
    assert_eq!(s.unscheduled.len(), 1);
    assert_eq!(s.exposure.0, 10.0 * 90.0);
}
