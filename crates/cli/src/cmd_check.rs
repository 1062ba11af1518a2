//! `camaudit check FILE`: a procurement list or asset register (CSV, XLSX)
//! checked line by line against the registry.

use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use camaudit_check::{Checker, Line, Report, Verdict};
use camaudit_registry::Registry;
use serde_json::{Value, json};

use crate::cmd_identify::write_atomically;
use crate::cmd_registry::{load_registry, registry_json, registry_line};
use crate::output::Format;

/// Exit status when at least one line is covered.
pub const EXIT_COVERED: u8 = 3;

#[derive(clap::Args)]
#[command(
    about = "Check a procurement list or asset register (CSV or XLSX) against the registry, line by line",
    long_about = "Check a procurement list, quote, framework catalogue or asset register (CSV or XLSX) against the registry, line by line.\n\nColumns may come in any order under the usual names (Manufacturer/Make/Vendor, Brand, Model/Part Number/SKU, Description, Serial, Quantity, Site); free-text descriptions such as \"Annke 4K turret C800\" are read too. Each line gets a verdict (covered, not-covered, unknown), the reason chain with sources and confidence, and the regimes that cover it.\n\nExit status: 3 when any line is covered, 0 when none is, 1 on errors (2 on bad arguments), so the check can gate a purchasing or change pipeline.",
    after_help = "Examples:
  camaudit check quote.csv
  camaudit check asset-register.xlsx --sheet Cameras --format csv -o checked.csv
  camaudit check framework.csv --format jsonl | jq 'select(.verdict == \"covered\")'
  camaudit check quote.csv --registry ./our-registry/     # your own trusted/banned decisions
  camaudit check quote.csv -q || echo \"covered equipment on the quote (exit $?)\"

Header synonyms and the output columns are listed in docs/check.md."
)]
pub struct Args {
    /// CSV (UTF-8; comma, semicolon or tab separated) or workbook (.xlsx, .xlsm, .xls, .ods); `-` reads CSV from standard input.
    file: PathBuf,
    /// Output format: table for people; json, jsonl (one object per data row) or csv (your columns plus the verdict columns) for machines.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write to this file instead of standard output (written whole or not at all).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Workbook sheet to read (default: the first).
    #[arg(long)]
    sheet: Option<String>,
    /// Overlay directory with your organisation's additions and trusted/banned decisions (docs/registry.md, "Overlays").
    #[arg(long = "registry", value_name = "DIR")]
    registry: Option<PathBuf>,
    /// No summary line on standard error.
    #[arg(short, long)]
    quiet: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let registry = load_registry(args.registry.as_deref())?;
    let rules = camaudit_rules::RuleSet::builtin().context("loading the built-in rules")?;
    let engine = camaudit_identify::Engine::new(rules, registry, None);
    let table = if args.file.as_os_str() == "-" {
        if args.sheet.is_some() {
            anyhow::bail!("--sheet applies to workbook files; standard input is read as CSV");
        }
        let mut bytes = Vec::new();
        io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
        camaudit_check::read_csv("stdin", &bytes)?
    } else {
        camaudit_check::read_path(&args.file, args.sheet.as_deref())?
    };
    let report = Checker::new(&engine).check(&table)?;
    let registry = engine.registry();
    match &args.output {
        None => {
            let stdout = io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            write_report(&mut out, &report, registry, args.format)?;
            out.flush().context("writing to standard output")?;
        }
        Some(path) => write_atomically(path, |out| {
            write_report(out, &report, registry, args.format)
        })?,
    }
    if !args.quiet {
        eprintln!("{}", summary(&report, registry));
    }
    Ok(if report.any_covered() {
        ExitCode::from(EXIT_COVERED)
    } else {
        ExitCode::SUCCESS
    })
}

fn summary(report: &Report, registry: &Registry) -> String {
    format!(
        "camaudit check {}: {} lines: {} covered, {} not covered, {} unknown ({})",
        report.file,
        report.lines.len(),
        report.count(Verdict::Covered),
        report.count(Verdict::NotCovered),
        report.count(Verdict::Unknown),
        registry_line(registry)
    )
}

pub fn write_report(
    out: &mut dyn Write,
    report: &Report,
    registry: &Registry,
    format: Format,
) -> Result<()> {
    match format {
        Format::Table => write_table(out, report, registry),
        Format::Json => {
            let lines: Vec<Ordered> = report
                .lines
                .iter()
                .map(|l| line_json(report, l, None))
                .collect();
            let doc = Ordered(vec![
                ("registry".into(), registry_json(registry)),
                ("file".into(), json!(report.file)),
                (
                    "summary".into(),
                    json!({
                        "lines": report.lines.len(),
                        "covered": report.count(Verdict::Covered),
                        "not_covered": report.count(Verdict::NotCovered),
                        "unknown": report.count(Verdict::Unknown),
                    }),
                ),
                ("lines".into(), serde_json::to_value(&lines)?),
            ]);
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)?;
            Ok(())
        }
        Format::Jsonl => {
            for l in &report.lines {
                serde_json::to_writer(&mut *out, &line_json(report, l, Some(registry)))?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Csv => write_csv(out, report, registry),
    }
    .context("writing the check report")
}

/// Output keys of a line; an input column with one of these names is
/// written as `input:<name>`.
const RESERVED: [&str; 16] = [
    "row",
    "line",
    "verdict",
    "maker",
    "label",
    "owner",
    "model_identified",
    "covered_by",
    "confidence",
    "summary",
    "reasons",
    "kev",
    "registry_version",
    "registry_date",
    "overlay",
    "columns",
];

/// The input's header names as output keys: unique, not colliding with
/// the verdict keys, never empty.
fn column_keys(headers: &[String]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let mut k = if h.trim().is_empty() {
            format!("column {}", i + 1)
        } else if RESERVED.contains(&h.as_str()) {
            format!("input:{h}")
        } else {
            h.clone()
        };
        if keys.contains(&k) {
            k = format!("{k} ({})", i + 1);
        }
        keys.push(k);
    }
    keys
}

/// A JSON object whose keys keep the order they were inserted in (the row
/// number first, then the input's columns as in the file, then the verdict).
struct Ordered(Vec<(String, Value)>);

impl Ordered {
    fn insert(&mut self, k: String, v: Value) {
        self.0.push((k, v));
    }
}

impl serde::Serialize for Ordered {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

fn line_json(report: &Report, line: &Line, registry: Option<&Registry>) -> Ordered {
    let o = &line.outcome;
    let mut m = Ordered(Vec::new());
    m.insert("row".into(), json!(line.row));
    m.insert("line".into(), json!(line.line));
    for (k, v) in column_keys(&report.headers).into_iter().zip(&line.cells) {
        m.insert(k, json!(v));
    }
    m.insert("verdict".into(), json!(o.verdict.as_str()));
    m.insert("maker".into(), json!(o.maker));
    m.insert("label".into(), json!(o.label));
    m.insert("owner".into(), json!(o.owner));
    m.insert("model_identified".into(), json!(o.model));
    m.insert("covered_by".into(), json!(o.covered_by));
    m.insert("confidence".into(), json!(o.confidence));
    m.insert("summary".into(), json!(o.summary));
    m.insert("reasons".into(), json!(o.reasons));
    m.insert("kev".into(), json!(o.kev));
    if let Some(r) = registry {
        m.insert("registry_version".into(), json!(r.version()));
        m.insert("registry_date".into(), json!(r.date()));
        if let Some(ov) = r.overlay() {
            m.insert(
                "overlay".into(),
                json!(format!("{} ({})", ov.name, ov.path)),
            );
        }
    }
    m
}

const CSV_EXTRA: [&str; 11] = [
    "verdict",
    "maker",
    "label",
    "owner",
    "covered_by",
    "confidence",
    "summary",
    "reasons",
    "kev",
    "registry_version",
    "overlay",
];

fn write_csv(out: &mut dyn Write, report: &Report, registry: &Registry) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<String> = vec!["row".into()];
    header.extend(column_keys(&report.headers));
    header.extend(CSV_EXTRA.iter().map(|s| s.to_string()));
    w.write_record(&header)?;
    let overlay = registry
        .overlay()
        .map(|o| format!("{} ({})", o.name, o.path))
        .unwrap_or_default();
    let version = format!("{} ({})", registry.version(), registry.date());
    let id = |v: &Option<camaudit_model::VendorId>| {
        v.as_ref().map(|x| x.to_string()).unwrap_or_default()
    };
    // Fields are written one by one into a reused buffer: building a Vec of
    // owned strings per line was a fifth of a 100,000-line check (perf).
    let mut reasons = String::new();
    for l in &report.lines {
        let o = &l.outcome;
        w.write_field(l.row.to_string())?;
        for cell in &l.cells {
            w.write_field(cell)?;
        }
        reasons.clear();
        for (i, r) in o.reasons.iter().enumerate() {
            if i > 0 {
                reasons.push_str(" | ");
            }
            r.write_text(&mut reasons);
        }
        w.write_field(o.verdict.as_str())?;
        w.write_field(id(&o.maker))?;
        w.write_field(id(&o.label))?;
        w.write_field(id(&o.owner))?;
        w.write_field(o.covered_by.join(";"))?;
        w.write_field(format!("{:.2}", o.confidence))?;
        w.write_field(&o.summary)?;
        w.write_field(&reasons)?;
        w.write_field(o.kev.join(";"))?;
        w.write_field(&version)?;
        w.write_field(&overlay)?;
        w.write_record(None::<&[u8]>)?;
    }
    w.flush()?;
    Ok(())
}

/// Longest cell printed in the table; the full text is in the other formats.
const CELL_MAX: usize = 48;

fn clip(s: &str) -> String {
    match s.char_indices().nth(CELL_MAX) {
        None => s.to_owned(),
        Some((cut, _)) => format!("{}…", &s[..cut]),
    }
}

fn write_table(out: &mut dyn Write, report: &Report, registry: &Registry) -> Result<()> {
    use camaudit_check::Role;
    fn cell<'a>(report: &Report, line: &'a Line, role: Role) -> &'a str {
        report
            .columns
            .get(role)
            .and_then(|i| line.cells.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }
    let col = |line, role| cell(report, line, role);
    let has_site = report.columns.get(Role::Site).is_some();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut head = vec!["ROW"];
    if has_site {
        head.push("SITE");
    }
    head.extend([
        "MAKE/BRAND",
        "MODEL/DESCRIPTION",
        "VERDICT",
        "MAKER",
        "COVERED BY",
        "WHY",
    ]);
    rows.push(head.iter().map(|s| s.to_string()).collect());
    for l in &report.lines {
        let o = &l.outcome;
        let make = [col(l, Role::Manufacturer), col(l, Role::Brand)]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" / ");
        let model = match col(l, Role::Model) {
            "" => col(l, Role::Description),
            m => m,
        };
        let mut r = vec![l.row.to_string()];
        if has_site {
            r.push(clip(col(l, Role::Site)));
        }
        let verdict = match o.verdict {
            Verdict::Covered => "COVERED",
            Verdict::NotCovered => "not-covered",
            Verdict::Unknown => "unknown",
        };
        r.extend([
            clip(or_dash(&make)),
            clip(or_dash(model)),
            verdict.to_owned(),
            o.maker.as_ref().map_or("-".into(), |m| m.to_string()),
            or_dash(&o.covered_by.join(",")).to_owned(),
            o.summary.clone(),
        ]);
        rows.push(r);
    }
    let n = rows[0].len();
    let widths: Vec<usize> = (0..n)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for r in &rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            if i + 1 == n {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(
        out,
        "{} lines: {} covered, {} not covered, {} unknown. {}. Reasons and sources: --format json|jsonl|csv",
        report.lines.len(),
        report.count(Verdict::Covered),
        report.count(Verdict::NotCovered),
        report.count(Verdict::Unknown),
        registry_line(registry)
    )?;
    Ok(())
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}
