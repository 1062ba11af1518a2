//! The schedule views: a dated plan people can follow, CSV whose columns
//! add up, a sparkline that falls as the risk does, and what-if runs side
//! by side.

use camaudit_plan::*;
use camaudit_report::{
    Format, WhatIf, risk_sparkline, write_periods, write_plan_summary, write_schedule,
    write_what_if,
};
use time::macros::date;

fn replace(pounds: u64) -> Action {
    Action {
        kind: ActionKind::Replace {
            device_type: "camera".into(),
        },
        urgency: Urgency::Planned,
        cost: Pence::pounds(pounds),
        minutes: Minutes::hours(2),
        risk_after: Risk::ZERO,
        control: "uk-wms-2022".into(),
    }
}

fn problem(budget: u64) -> Problem {
    let disconnect = Action {
        kind: ActionKind::Disconnect,
        urgency: Urgency::Now,
        cost: Pence::pounds(20),
        minutes: Minutes(30),
        risk_after: Risk::new(1.0).unwrap(),
        control: "core-network".into(),
    };
    let device = |id: &str, risk: f64, actions: Vec<Action>| Device {
        id: DeviceId::new(id),
        site: SiteId::new("Town Hall"),
        risk: Risk::new(risk).unwrap(),
        actions,
        tied_to: None,
    };
    let estate = Estate {
        sites: vec![Site {
            id: SiteId::new("Town Hall"),
            region: Region::new("North"),
            call_out: Pence::pounds(150),
            access: AccessWindows::default(),
        }],
        devices: vec![
            device("cam-1", 4.0, vec![disconnect, replace(600)]),
            device("cam-2", 2.0, vec![replace(600)]),
        ],
    };
    let mut c = Constraints::new(
        date!(2027 - 01 - 01),
        Some(Pence::pounds(budget)),
        Capacity::Shared(Minutes::hours(30)),
    );
    c.horizon_periods = 4;
    Problem::new(estate, c).unwrap()
}

fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut out = Vec::new();
    f(&mut out);
    String::from_utf8(out).unwrap()
}

#[test]
fn the_table_dates_each_action_and_shows_the_call_out_once_per_visit() {
    let plan = plan(&problem(1_000));
    let table = text(|o| write_schedule(o, &plan.optimised, "GBP", Format::Table).unwrap());
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("date"), "{table}");
    // The disconnect (now) on 1 January with the call-out; the £600
    // replacements cannot share a £1,000 quarter with it, so one goes in
    // each of the next quarters.
    assert!(
        lines[1].contains("2027-01-01")
            && lines[1].contains("disconnect")
            && lines[1].contains("£150"),
        "{table}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("2027-04-01") && l.contains("replace (camera)")),
        "{table}"
    );
    assert_eq!(
        table.matches("£150").count(),
        plan.optimised.visits.len(),
        "{table}"
    );
}

#[test]
fn csv_columns_add_up_to_the_money_spent() {
    let plan = plan(&problem(1_000));
    let csv = text(|o| write_schedule(o, &plan.optimised, "GBP", Format::Csv).unwrap());
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (cost, call_out) = (col("cost"), col("call_out"));
    let total: u64 = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            r[cost].parse::<u64>().unwrap() + r[call_out].parse::<u64>().unwrap()
        })
        .sum();
    assert_eq!(total, plan.optimised.cost.0);
}

#[test]
fn json_writes_dates_as_text_and_the_whole_schedule() {
    let plan = plan(&problem(1_000));
    let json = text(|o| write_schedule(o, &plan.optimised, "GBP", Format::Json).unwrap());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["start"], "2027-01-01");
    assert_eq!(v["visits"][0]["date"], "2027-01-01");
    assert_eq!(v["method"], "optimised");
    assert!(v["risk_curve"].as_array().is_some_and(|c| c.len() > 10));
}

#[test]
fn period_totals_show_spending_against_the_budget_and_leave_out_idle_quarters() {
    let plan = plan(&problem(1_000));
    let table = text(|o| write_periods(o, &plan.optimised, "GBP", Format::Table).unwrap());
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[1].starts_with("1 ")
            && lines[1].contains("2027-01-01")
            && lines[1].contains("£1,000"),
        "{table}"
    );
    // £1,000 a quarter: the disconnect and one replacement, then one
    // replacement a quarter; quarter 4 has nothing left to do.
    let worked = plan
        .optimised
        .periods
        .iter()
        .filter(|p| p.visits > 0)
        .count();
    assert!(worked < 4, "{table}");
    assert_eq!(lines.len(), 1 + worked + 1, "{table}");
    let idle = 4 - worked;
    assert!(
        lines
            .last()
            .is_some_and(|l| l.starts_with(&format!("{idle} later quarter"))
                && l.contains("have no work")
                && l.ends_with("risk left 0.0")),
        "{table}"
    );
    // Machines still get every period.
    let csv = text(|o| write_periods(o, &plan.optimised, "GBP", Format::Csv).unwrap());
    assert_eq!(csv.lines().count(), 1 + 4, "{csv}");
}

#[test]
fn an_idle_quarter_between_worked_ones_is_one_row_and_a_plan_with_no_work_says_so() {
    // A site open only in the third quarter: the disconnect waits for it.
    let mut p = problem(5_000);
    let mut estate = p.estate().clone();
    estate.sites[0].access.open =
        vec![DateRange::new(date!(2027 - 07 - 05), date!(2027 - 07 - 09)).unwrap()];
    let mut c = p.constraints().clone();
    c.horizon_periods = 6;
    p = Problem::new(estate, c).unwrap();
    let waiting = plan(&p);
    let table = text(|o| write_periods(o, &waiting.optimised, "GBP", Format::Table).unwrap());
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[1].starts_with("1–2 ") && lines[1].contains("no work"),
        "{table}"
    );
    assert!(
        lines[2].starts_with("3 ") && lines[2].contains("2027-07-01"),
        "{table}"
    );
    assert!(
        lines[3].starts_with("3 later quarters (2027-10-01 to 2028-06-30) have no work"),
        "{table}"
    );
    assert_eq!(lines.len(), 4, "{table}");

    let nothing = Problem::new(
        Estate {
            sites: p.estate().sites.clone(),
            devices: Vec::new(),
        },
        p.constraints().clone(),
    )
    .unwrap();
    let empty = plan(&nothing);
    let table = text(|o| write_periods(o, &empty.optimised, "GBP", Format::Table).unwrap());
    assert_eq!(
        table,
        "no work in any of the 6 quarters (2027-01-01 to 2028-06-30)\n"
    );
}

#[test]
fn the_sparkline_falls_with_the_risk_and_is_blank_once_it_is_gone() {
    let plan = plan(&problem(1_000));
    let line = risk_sparkline(&plan.optimised.risk_curve, 20, None);
    let chars: Vec<char> = line.chars().collect();
    assert_eq!(chars.len(), 20);
    assert_eq!(chars[0], '█');
    assert!(
        chars.windows(2).all(|w| w[0] >= w[1] || w[1] == ' '),
        "{line}"
    );
    assert_eq!(chars[19], ' ', "all risk removed by the end: {line}");
}

#[test]
fn what_if_runs_compare_side_by_side() {
    let tight = plan(&problem(1_000));
    let ample = plan(&problem(5_000));
    let runs = [
        WhatIf::of(&tight, Some(1_000.0), None),
        WhatIf::of(&ample, Some(5_000.0), None),
    ];
    let table = text(|o| write_what_if(o, &runs, "GBP", Format::Table).unwrap());
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "WHAT IF (2 runs)");
    assert!(lines[1].starts_with("BUDGET/QUARTER"), "{table}");
    assert!(lines[2].starts_with("£1,000 "), "{table}");
    // The ample budget does everything on the first visit: the risk is
    // halved on day one and its curve (after each week's work) is blank;
    // the tight one leaves risk for a quarter, drawn on the same scale.
    let bars = |l: &str| l.chars().filter(|c| ('▁'..='█').contains(c)).count();
    assert!(lines[3].starts_with("£5,000 "), "{table}");
    assert!(lines[3].contains("2027-01-01"), "{table}");
    assert_eq!(bars(lines[3]), 0, "{table}");
    assert!(bars(lines[2]) > 0, "{table}");
    assert!(runs[0].exposure > runs[1].exposure);
    assert!(runs[1].tenth_risk_by.as_deref() == Some("2027-01-01"));
    let csv = text(|o| write_what_if(o, &runs, "GBP", Format::Csv).unwrap());
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.starts_with("budget_per_quarter,capacity_hours,greedy_exposure,exposure,bound"));
    let json = text(|o| write_what_if(o, &runs, "GBP", Format::Json).unwrap());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v[0]["risk_curve"].as_array().is_some_and(|c| c.len() > 10));
}

#[test]
fn the_summary_names_greedy_the_bound_and_the_curve_in_the_estates_currency() {
    let plan = plan(&problem(1_000));
    let table = text(|o| write_plan_summary(o, &plan, "EUR").unwrap());
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "SCHEDULE");
    assert!(
        lines[1].contains("in all") && lines[1].contains(" EUR"),
        "{table}"
    );
    assert!(!table.contains('£'), "{table}");
    assert!(lines[2].starts_with("exposure: greedy "), "{table}");
    assert!(lines[3].starts_with("risk █"), "{table}");
    assert!(lines[4].starts_with("period"), "{table}");
}

#[test]
#[ignore = "prints the views for a person to look at"]
fn show() {
    let tight = plan(&problem(1_000));
    let ample = plan(&problem(5_000));
    let mut out = std::io::stdout();
    write_schedule(&mut out, &tight.optimised, "GBP", Format::Table).unwrap();
    write_plan_summary(&mut out, &tight, "GBP").unwrap();
    let runs = [
        WhatIf::of(&tight, Some(1_000.0), None),
        WhatIf::of(&ample, Some(5_000.0), None),
    ];
    write_what_if(&mut out, &runs, "GBP", Format::Table).unwrap();
}
