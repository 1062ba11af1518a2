//! Device output: a readable table for people, JSON / JSONL / CSV for machines.

use std::io::Write;

use anyhow::{Context, Result};
use camaudit_model::Device;
use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
}

pub fn write_devices(out: &mut dyn Write, devices: &[Device], format: Format) -> Result<()> {
    match format {
        Format::Table => write_table(out, devices),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, devices)?;
            writeln!(out)?;
            Ok(())
        }
        Format::Jsonl => {
            for d in devices {
                serde_json::to_writer(&mut *out, d)?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Csv => write_csv(out, devices),
    }
    .context("writing the device list")
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "-".to_owned(), |x| x.to_string())
}

fn join<T: ToString>(v: &[T]) -> String {
    v.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(";")
}

const CSV_HEADER: [&str; 17] = [
    "addr",
    "mac",
    "open_ports",
    "label_vendor",
    "label_relation",
    "manufacturer",
    "owner",
    "model",
    "firmware",
    "serial",
    "device_type",
    "covered",
    "covered_by",
    "confidence",
    "rebrand",
    "rules",
    "conflicts",
];

fn write_csv(out: &mut dyn Write, devices: &[Device]) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    for d in devices {
        let rules: Vec<&str> = d
            .evidence
            .iter()
            .filter_map(|e| e.rule.as_deref())
            .collect();
        let empty = |v: &Option<String>| v.clone().unwrap_or_default();
        w.write_record([
            d.addr.map(|a| a.to_string()).unwrap_or_default(),
            d.mac.map(|m| m.to_string()).unwrap_or_default(),
            join(&d.open_ports),
            empty(&d.label_vendor.as_ref().map(|v| v.to_string())),
            empty(&d.label_relation),
            empty(&d.manufacturer.as_ref().map(|v| v.to_string())),
            empty(&d.owner.as_ref().map(|v| v.to_string())),
            empty(&d.model),
            empty(&d.firmware),
            empty(&d.serial),
            d.device_type.map(|t| t.to_string()).unwrap_or_default(),
            d.covered.to_string(),
            join(&d.covered_by),
            d.confidence.get().to_string(),
            d.is_rebrand().to_string(),
            rules.join(";"),
            join(
                &d.conflicts
                    .iter()
                    .map(|c| c.fact.as_str())
                    .collect::<Vec<_>>(),
            ),
        ])?;
    }
    w.flush()?;
    Ok(())
}

fn write_table(out: &mut dyn Write, devices: &[Device]) -> Result<()> {
    let header = [
        "ADDRESS",
        "MAC",
        "LABEL",
        "MANUFACTURER",
        "MODEL",
        "FIRMWARE",
        "TYPE",
        "COVERED",
        "CONF",
    ];
    let rows: Vec<[String; 9]> = devices
        .iter()
        .map(|d| {
            let covered = if d.covered {
                format!("YES {}", d.covered_by.join(","))
            } else {
                "no".to_owned()
            };
            let label = match (&d.label_vendor, d.is_rebrand()) {
                (Some(l), true) => format!("{l} ({})", relation_note(d.label_relation.as_deref())),
                (l, _) => opt(l),
            };
            [
                opt(&d.addr),
                opt(&d.mac),
                label,
                opt(&d.manufacturer),
                clip(&opt(&d.model), 24),
                clip(&opt(&d.firmware), 20),
                opt(&d.device_type),
                covered,
                format!("{:.2}", d.confidence.get()),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    writeln!(out, "{}", line(&header.map(str::to_owned)))?;
    for row in &rows {
        writeln!(out, "{}", line(row))?;
    }
    Ok(())
}

/// A few words for the table on how the label relates to the maker.
fn relation_note(relation: Option<&str>) -> &'static str {
    match relation {
        Some("oem-reseller") => "OEM",
        Some("own-brand") => "own brand",
        Some("subsidiary" | "same-group") => "group brand",
        Some("former-subsidiary") => "ex-subsidiary",
        _ => "rebrand?",
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}
