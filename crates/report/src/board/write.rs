//! The board report for machines (JSON, one CSV row per site) and for a
//! terminal (the headline figures, the sites and the plan in a table).

use std::io::Write;

use camaudit_model::Device;
use serde::Serialize;

use super::overview::EstateOverview;
use super::{BoardReport, CallHome};
use crate::Format;
use crate::check::write_aligned;
use crate::error::{Context, Result};
use crate::plan_views::money;

const WHAT: &str = "board report";

/// The JSON document: the report, and the devices it was made from (in
/// the device schema), so that it can be the next report's `--previous`.
#[derive(Serialize)]
struct JsonDocument<'a> {
    #[serde(flatten)]
    report: &'a BoardReport,
    devices: &'a [Device],
}

/// Writes the report: one JSON document (pretty for `json`, on one line
/// for `jsonl`) with the devices it was made from, one CSV row per site
/// with an estate row first, or tables for people.
pub fn write_board_report(
    out: &mut dyn Write,
    r: &BoardReport,
    devices: &[Device],
    format: Format,
) -> Result<()> {
    let doc = JsonDocument { report: r, devices };
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &doc).writing(WHAT)?;
            writeln!(out).writing(WHAT)
        }
        Format::Jsonl => {
            serde_json::to_writer(&mut *out, &doc).writing(WHAT)?;
            writeln!(out).writing(WHAT)
        }
        Format::Csv => write_csv(out, r),
        Format::Table => write_table(out, r).writing(WHAT),
    }
}

/// One CSV row: a site, or the whole estate.
#[derive(Serialize)]
struct CsvRow<'a> {
    site: &'a str,
    name: &'a str,
    sensitivity: &'a str,
    devices: usize,
    covered: usize,
    covered_on_core: usize,
    /// Empty when not measured.
    covered_calling_home: Option<usize>,
    rebrands: usize,
    kev_devices: usize,
    findings: usize,
    worst: &'a str,
    planned_cost_pence: u64,
    planned_actions: usize,
    clear_by: &'a str,
    unscheduled: usize,
}

fn write_csv(out: &mut dyn Write, r: &BoardReport) -> Result<()> {
    let o = &r.overview;
    let mut w = csv::Writer::from_writer(out);
    let findings: usize = o.findings.iter().map(|s| s.findings).sum();
    let worst = o
        .findings
        .iter()
        .find(|s| s.findings > 0)
        .map_or("", |s| s.severity.as_str());
    w.serialize(CsvRow {
        site: "(estate)",
        name: &o.organisation,
        sensitivity: "",
        devices: o.devices,
        covered: o.covered_devices,
        covered_on_core: o.covered_on_core,
        covered_calling_home: o.covered_calling_home,
        rebrands: o.rebrands,
        kev_devices: o.kev_devices,
        findings,
        worst,
        planned_cost_pence: o.cost_to_clear,
        planned_actions: r.plan.summary.actions,
        clear_by: o.clear_by.as_deref().unwrap_or(""),
        unscheduled: o.unscheduled_actions,
    })
    .writing(WHAT)?;
    for s in &r.sites {
        w.serialize(CsvRow {
            site: &s.id,
            name: &s.name,
            sensitivity: &s.sensitivity,
            devices: s.devices,
            covered: s.covered,
            covered_on_core: s.covered_on_core,
            covered_calling_home: s.covered_calling_home,
            rebrands: s.rebrands,
            kev_devices: s.kev_devices,
            findings: s.findings,
            worst: s.worst.as_deref().unwrap_or(""),
            planned_cost_pence: s.planned_cost,
            planned_actions: s.planned_actions,
            clear_by: s.clear_by.as_deref().unwrap_or(""),
            unscheduled: s.unscheduled,
        })
        .writing(WHAT)?;
    }
    w.flush().writing(WHAT)
}

/// One headline figure: what it counts, the figure, and a note when the
/// figure needs one ("no packet capture was read").
pub(crate) struct Headline {
    pub label: &'static str,
    pub value: String,
    pub note: Option<String>,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The headline figures, the same on every surface.
pub(crate) fn headlines(r: &BoardReport) -> Vec<Headline> {
    let o = &r.overview;
    let share = EstateOverview::share;
    let line = |label, value: String, note: Option<String>| Headline { label, value, note };
    let (call_home, call_home_note) = match (&r.call_home, o.covered_calling_home) {
        (CallHome::Measured { from }, Some(n)) => (n.to_string(), Some(format!("from {from}"))),
        _ => (
            "not measured".to_owned(),
            Some("no packet capture was read".to_owned()),
        ),
    };
    vec![
        line(
            "sites with covered equipment",
            share(o.sites_with_covered, o.sites),
            None,
        ),
        line(
            "sensitive sites with covered equipment",
            share(o.sensitive_sites_with_covered, o.sensitive_sites),
            None,
        ),
        line("covered devices", share(o.covered_devices, o.devices), None),
        line(
            "covered devices on a core network",
            o.covered_on_core.to_string(),
            None,
        ),
        line("covered devices calling home", call_home, call_home_note),
        line(
            "rebrands found",
            o.rebrands.to_string(),
            Some(format!(
                "brand is not the maker; {} of them covered",
                o.covered_rebrands
            )),
        ),
        line(
            "devices with a known exploited vulnerability",
            o.kev_devices.to_string(),
            Some(plural(
                o.kev_cves.len(),
                "CVE in CISA's catalogue",
                "CVEs in CISA's catalogue",
            )),
        ),
        line(
            "cost to clear under the plan",
            money(o.cost_to_clear, &o.currency),
            None,
        ),
        line("time to clear", clear_time(o), None),
    ]
}

/// "by 2027-06-14 (23 weeks)", or why it is not cleared.
pub fn clear_time(o: &EstateOverview) -> String {
    match (&o.clear_by, o.weeks_to_clear) {
        (Some(day), Some(0)) => format!("by {day} (within the first week)"),
        (Some(day), Some(1)) => format!("by {day} (1 week)"),
        (Some(day), Some(weeks)) => format!("by {day} ({weeks} weeks)"),
        _ if o.unscheduled_actions > 0 => format!(
            "not within the plan: {} actions do not fit its budget, capacity or horizon",
            o.unscheduled_actions
        ),
        _ => "nothing to do".into(),
    }
}

fn write_table(out: &mut dyn Write, r: &BoardReport) -> std::io::Result<()> {
    writeln!(
        out,
        "BOARD REPORT: {} as of {} (registry {} of {})",
        r.organisation, r.as_of, r.registry.version, r.registry.date
    )?;
    let lines: Vec<Vec<String>> = headlines(r)
        .into_iter()
        .map(|h| match h.note {
            Some(note) => vec![h.label.to_owned(), format!("{} ({note})", h.value)],
            None => vec![h.label.to_owned(), h.value],
        })
        .collect();
    write_aligned(out, &lines)?;
    writeln!(out, "\nSITES")?;
    let mut table = vec![
        [
            "site",
            "sensitivity",
            "devices",
            "covered",
            "on core",
            "findings",
            "worst",
            "planned",
            "clear by",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for s in &r.sites {
        table.push(vec![
            s.name.clone(),
            s.sensitivity.clone(),
            s.devices.to_string(),
            s.covered.to_string(),
            s.covered_on_core.to_string(),
            s.findings.to_string(),
            s.worst.clone().unwrap_or_else(|| "-".into()),
            money(s.planned_cost, &r.plan.currency),
            s.clear_by.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    write_aligned(out, &table)?;
    writeln!(out, "\nFINDINGS")?;
    let mut table = vec![
        ["severity", "devices", "finding", "action"]
            .map(str::to_owned)
            .to_vec(),
    ];
    for g in &r.finding_groups {
        table.push(vec![
            g.severity.clone(),
            g.devices.to_string(),
            g.title.clone(),
            format!("{} ({})", g.action, g.urgency),
        ]);
    }
    write_aligned(out, &table)
}
