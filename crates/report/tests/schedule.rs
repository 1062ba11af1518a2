//! The schedule views: a dated plan people can follow, CSV whose columns
//! add up, a sparkline that falls as the risk does, and what-if runs side
//! by side.

use camaudit_plan::*;
use camaudit_report::{Format, sparkline, write_comparison, write_periods, write_schedule};
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
    let table = text(|o| write_schedule(o, &plan.optimised, Format::Table).unwrap());
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
    let csv = text(|o| write_schedule(o, &plan.optimised, Format::Csv).unwrap());
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
    let json = text(|o| write_schedule(o, &plan.optimised, Format::Json).unwrap());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["start"], "2027-01-01");
    assert_eq!(v["visits"][0]["date"], "2027-01-01");
    assert_eq!(v["method"], "optimised");
    assert!(v["risk_curve"].as_array().is_some_and(|c| c.len() > 10));
}

#[test]
fn period_totals_show_spending_against_the_budget() {
    let plan = plan(&problem(1_000));
    let table = text(|o| write_periods(o, &plan.optimised, Format::Table).unwrap());
    assert!(
        table
            .lines()
            .nth(1)
            .is_some_and(|l| l.contains("2027-01-01") && l.contains("£1,000")),
        "{table}"
    );
    assert_eq!(table.lines().count(), 5, "{table}");
}

#[test]
fn the_sparkline_falls_with_the_risk_and_is_blank_once_it_is_gone() {
    let plan = plan(&problem(1_000));
    let line = sparkline(&plan.optimised.risk_curve, 20, None);
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
    let tight = plan(&problem(1_000)).optimised;
    let ample = plan(&problem(5_000)).optimised;
    let table = text(|o| {
        write_comparison(
            o,
            &[("£1,000 a quarter", &tight), ("£5,000 a quarter", &ample)],
            Format::Table,
        )
        .unwrap()
    });
    let row = |name: &str| {
        table
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        row("").contains("£1,000 a quarter") && row("").contains("£5,000 a quarter"),
        "{table}"
    );
    // The ample budget does everything on the first visit.
    assert!(row("visits").ends_with(" 1"), "{table}");
    assert!(
        row("risk down to a tenth by").contains("2027-01-0"),
        "{table}"
    );
    assert!(tight.exposure.0 > ample.exposure.0);
    let csv = text(|o| write_comparison(o, &[("a", &tight), ("b", &ample)], Format::Csv).unwrap());
    assert_eq!(csv.lines().count(), 3);
}

#[test]
#[ignore = "prints the views for a person to look at"]
fn show() {
    let tight = plan(&problem(1_000));
    let ample = plan(&problem(5_000)).optimised;
    let mut out = std::io::stdout();
    write_schedule(&mut out, &tight.optimised, Format::Table).unwrap();
    write_periods(&mut out, &tight.optimised, Format::Table).unwrap();
    write_comparison(
        &mut out,
        &[("£1,000", &tight.optimised), ("£5,000", &ample)],
        Format::Table,
    )
    .unwrap();
    print!("{}", camaudit_report::plan_summary_text(&tight));
}
