//! `camaudit plan`'s findings: by severity with their evidence and
//! sources, the devices on no site, and the immediate actions. The
//! schedule's views are in `plan_views`.

use std::io::Write;

use camaudit_policy::{Assessment, Estate, Finding, Severity};
use serde::Serialize;

use crate::Format;
use crate::check::write_aligned;
use crate::error::{Context, Result};

const WHAT: &str = "findings";

/// One finding as the table and the CSV show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingRow {
    pub severity: &'static str,
    pub device: String,
    pub site: String,
    pub zone: String,
    pub control: String,
    pub action: &'static str,
    pub urgency: &'static str,
    pub risk: f64,
    pub evidence: String,
    pub basis: String,
    pub sources: String,
}

impl FindingRow {
    pub fn of(f: &Finding) -> FindingRow {
        FindingRow {
            severity: f.severity.as_str(),
            device: f.device.clone(),
            site: f
                .site_name
                .clone()
                .unwrap_or_else(|| "(unplaced)".to_owned()),
            zone: f.zone.map_or("-".to_owned(), |z| z.to_string()),
            control: f.control.clone(),
            action: f.action.as_str(),
            urgency: f.urgency.as_str(),
            risk: f.risk,
            evidence: f.evidence.join("; "),
            basis: f.basis.clone(),
            sources: f.sources.join(" "),
        }
    }
}

/// A device the estate does not place, as reports list it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnplacedRow {
    pub device: String,
    pub manufacturer: Option<String>,
    pub covered: bool,
    pub why: String,
}

/// The unplaced devices of an assessment.
pub fn unplaced_rows(a: &Assessment) -> Vec<UnplacedRow> {
    a.unplaced()
        .map(|d| UnplacedRow {
            device: d.asset.id.clone(),
            manufacturer: d.asset.manufacturer.clone(),
            covered: d.asset.covered,
            why: d.note.clone().unwrap_or_default(),
        })
        .collect()
}

/// "14 devices on 6 sites: 9 findings (3 critical, 2 high, 3 medium, 1 verify); 1 unplaced".
pub fn findings_summary_line(a: &Assessment, estate: &Estate) -> String {
    let counts: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|&s| match a.count(s) {
            0 => None,
            n => Some(format!("{n} {}", s.as_str())),
        })
        .collect();
    let unplaced = a.unplaced().count();
    format!(
        "{} devices on {} sites of {}: {} findings{}; {unplaced} unplaced",
        a.devices.len(),
        estate.sites.len(),
        estate.organisation,
        a.findings.len(),
        if counts.is_empty() {
            String::new()
        } else {
            format!(" ({})", counts.join(", "))
        }
    )
}

/// Writes the findings in `format`: a table per severity for people, or
/// one JSON document / JSONL / CSV row per finding for machines.
pub fn write_findings(out: &mut dyn Write, a: &Assessment, format: Format) -> Result<()> {
    let rows: Vec<FindingRow> = a.findings.iter().map(FindingRow::of).collect();
    match format {
        Format::Table => write_findings_table(out, a, &rows).writing(WHAT),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &a.findings).writing(WHAT)?;
            writeln!(out).writing(WHAT)
        }
        Format::Jsonl => {
            for f in &a.findings {
                serde_json::to_writer(&mut *out, f).writing(WHAT)?;
                writeln!(out).writing(WHAT)?;
            }
            Ok(())
        }
        Format::Csv => write_findings_csv(out, &rows).writing(WHAT),
    }
}

fn write_findings_table(
    out: &mut dyn Write,
    a: &Assessment,
    rows: &[FindingRow],
) -> std::io::Result<()> {
    for severity in Severity::ALL {
        let of: Vec<&FindingRow> = rows
            .iter()
            .filter(|r| r.severity == severity.as_str())
            .collect();
        if of.is_empty() {
            continue;
        }
        writeln!(out, "{} ({})", severity.as_str().to_uppercase(), of.len())?;
        let mut table = vec![header(&[
            "DEVICE", "SITE", "ZONE", "CONTROL", "ACTION", "RISK", "EVIDENCE",
        ])];
        table.extend(of.iter().map(|r| {
            vec![
                r.device.clone(),
                crate::devices::clip(&r.site, 28),
                r.zone.clone(),
                r.control.clone(),
                format!("{} ({})", r.action, r.urgency),
                format!("{:.1}", r.risk),
                crate::devices::clip(&r.evidence, 100),
            ]
        }));
        write_aligned(out, &table)?;
        writeln!(out)?;
    }
    let unplaced = unplaced_rows(a);
    if !unplaced.is_empty() {
        writeln!(
            out,
            "UNPLACED ({}): on no site of the estate; add their networks to plan them",
            unplaced.len()
        )?;
        let mut table = vec![header(&["DEVICE", "MAKER", "COVERED", "WHY"])];
        table.extend(unplaced.iter().map(|u| {
            vec![
                u.device.clone(),
                u.manufacturer.clone().unwrap_or_else(|| "-".into()),
                if u.covered { "YES" } else { "no" }.to_owned(),
                u.why.clone(),
            ]
        }));
        write_aligned(out, &table)?;
        writeln!(out)?;
    }
    Ok(())
}

fn header(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

const FINDINGS_CSV: [&str; 11] = [
    "severity", "device", "site", "zone", "control", "action", "urgency", "risk", "evidence",
    "basis", "sources",
];

fn write_findings_csv(out: &mut dyn Write, rows: &[FindingRow]) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(FINDINGS_CSV)?;
    for r in rows {
        w.write_record([
            r.severity,
            &r.device,
            &r.site,
            &r.zone,
            &r.control,
            r.action,
            r.urgency,
            &r.risk.to_string(),
            &r.evidence,
            &r.basis,
            &r.sources,
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// The actions policy says to take now, one line per device and action,
/// worst first.
pub fn write_immediate(out: &mut dyn Write, a: &Assessment) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    let mut table = vec![header(&["ACTION", "DEVICE", "SITE", "WHY", "ADVICE"])];
    for f in a.immediate() {
        if !seen.insert((f.device.as_str(), f.action)) {
            continue;
        }
        table.push(vec![
            f.action.as_str().to_uppercase(),
            f.device.clone(),
            f.site_name.clone().unwrap_or_else(|| "(unplaced)".into()),
            f.title.clone(),
            f.advice.clone(),
        ]);
    }
    if table.len() == 1 {
        return writeln!(out, "Nothing to do now.").writing(WHAT);
    }
    writeln!(out, "DO NOW ({})", table.len() - 1).writing(WHAT)?;
    write_aligned(out, &table).writing(WHAT)
}
