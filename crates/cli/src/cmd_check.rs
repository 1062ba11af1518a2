//! `camaudit check FILE`: a procurement list or asset register (CSV, XLSX)
//! checked line by line against the registry.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use camaudit_check::{Checker, Line, Report, Verdict};
use camaudit_registry::Registry;
use serde_json::{Value, json};

use crate::cmd_identify::write_to;
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
    let report = Checker::new(&engine).check(table)?;
    let registry = engine.registry();
    write_to(args.output.as_deref(), |out| {
        write_report(out, &report, registry, args.format)
    })?;
    if !args.quiet {
        eprintln!("{}", summary(&report, registry));
    }
    let status = if report.any_covered() {
        ExitCode::from(EXIT_COVERED)
    } else {
        ExitCode::SUCCESS
    };
    // The process ends here: freeing 100,000 lines one by one took a
    // twentieth of a large check, and the OS reclaims them at once.
    std::mem::forget(report);
    std::mem::forget(engine);
    Ok(status)
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
            let keys = column_keys(&report.headers);
            let lines: Vec<LineJson> = report
                .lines
                .iter()
                .map(|line| LineJson {
                    keys: &keys,
                    line,
                    registry: None,
                })
                .collect();
            let doc = JsonDocument {
                registry: registry_json(registry),
                file: &report.file,
                summary: json!({
                    "lines": report.lines.len(),
                    "covered": report.count(Verdict::Covered),
                    "not_covered": report.count(Verdict::NotCovered),
                    "unknown": report.count(Verdict::Unknown),
                }),
                lines: &lines,
            };
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)?;
            Ok(())
        }
        Format::Jsonl => {
            let keys = column_keys(&report.headers);
            let stamp = RegistryStamp::of(registry);
            write_lines_parallel(out, &report.lines, |part, buf| {
                for line in part {
                    let one = LineJson {
                        keys: &keys,
                        line,
                        registry: Some(&stamp),
                    };
                    serde_json::to_writer(&mut *buf, &one)?;
                    buf.push(b'\n');
                }
                Ok(())
            })
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

/// The `--format json` document, its keys in this order.
#[derive(serde::Serialize)]
struct JsonDocument<'a> {
    registry: Value,
    file: &'a str,
    summary: Value,
    lines: &'a [LineJson<'a>],
}

/// One line as a JSON object, serialised straight from the report: the row
/// number first, then the input's columns as in the file (under
/// [`column_keys`]), then the verdict. Building a `serde_json::Value` per
/// line first cost more than writing it.
struct LineJson<'a> {
    keys: &'a [String],
    line: &'a Line,
    /// Present in JSONL, where each line stands alone; the JSON document
    /// names the registry once at the top.
    registry: Option<&'a RegistryStamp>,
}

/// The registry's version, date and overlay, as every line of a JSONL
/// report carries them.
struct RegistryStamp {
    version: String,
    date: String,
    overlay: Option<String>,
}

impl RegistryStamp {
    fn of(r: &Registry) -> Self {
        RegistryStamp {
            version: r.version().to_owned(),
            date: r.date().to_owned(),
            overlay: r.overlay().map(|ov| format!("{} ({})", ov.name, ov.path)),
        }
    }
}

impl serde::Serialize for LineJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (line, o) = (self.line, &self.line.outcome);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("row", &line.row)?;
        m.serialize_entry("line", &line.line)?;
        for (k, v) in self.keys.iter().zip(&line.cells) {
            m.serialize_entry(k, v)?;
        }
        m.serialize_entry("verdict", o.verdict.as_str())?;
        m.serialize_entry("maker", &o.maker)?;
        m.serialize_entry("label", &o.label)?;
        m.serialize_entry("owner", &o.owner)?;
        m.serialize_entry("model_identified", &o.model)?;
        m.serialize_entry("covered_by", &o.covered_by)?;
        m.serialize_entry("confidence", &o.confidence)?;
        m.serialize_entry("summary", &o.summary)?;
        m.serialize_entry("reasons", &o.reasons)?;
        m.serialize_entry("kev", &o.kev)?;
        if let Some(r) = self.registry {
            m.serialize_entry("registry_version", &r.version)?;
            m.serialize_entry("registry_date", &r.date)?;
            if let Some(ov) = &r.overlay {
                m.serialize_entry("overlay", ov)?;
            }
        }
        m.end()
    }
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
    let mut header: Vec<String> = vec!["row".into()];
    header.extend(column_keys(&report.headers));
    header.extend(CSV_EXTRA.iter().map(|s| s.to_string()));
    let mut w = csv::Writer::from_writer(&mut *out);
    w.write_record(&header)?;
    w.flush()?;
    drop(w);
    let overlay = registry
        .overlay()
        .map(|o| format!("{} ({})", o.name, o.path))
        .unwrap_or_default();
    let version = format!("{} ({})", registry.version(), registry.date());
    write_lines_parallel(out, &report.lines, |part, buf| {
        let mut w = csv::Writer::from_writer(buf);
        let mut reasons = String::new();
        for l in part {
            write_csv_line(&mut w, l, &version, &overlay, &mut reasons)?;
        }
        w.flush()?;
        Ok(())
    })
}

/// One data row: the input's cells, then the verdict columns. Fields are
/// written one by one, the reasons into a reused buffer: building a Vec of
/// owned strings per line was a fifth of a 100,000-line check (perf).
fn write_csv_line<W: Write>(
    w: &mut csv::Writer<W>,
    l: &Line,
    version: &str,
    overlay: &str,
    reasons: &mut String,
) -> Result<()> {
    let id = |v: &Option<camaudit_model::VendorId>| {
        v.as_ref().map(|x| x.to_string()).unwrap_or_default()
    };
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
        r.write_text(reasons);
    }
    w.write_field(o.verdict.as_str())?;
    w.write_field(id(&o.maker))?;
    w.write_field(id(&o.label))?;
    w.write_field(id(&o.owner))?;
    w.write_field(o.covered_by.join(";"))?;
    w.write_field(format!("{:.2}", o.confidence))?;
    w.write_field(&o.summary)?;
    w.write_field(&*reasons)?;
    let kev: Vec<String> = o.kev.iter().map(camaudit_check::KevNote::short).collect();
    w.write_field(kev.join("; "))?;
    w.write_field(version)?;
    w.write_field(overlay)?;
    w.write_record(None::<&[u8]>)?;
    Ok(())
}

/// Lines per batch formatted in parallel: large enough to keep the cores
/// busy, small enough that the formatted text held at once stays a few MB
/// (a distinct line's CSV row is about 2 KB).
const BATCH_LINES: usize = 4096;

/// Formats the lines on all cores, a batch at a time, and writes each
/// batch in order. Formatting 100,000 reason chains on one thread was half
/// of a large check's time; memory stays bounded by one batch.
fn write_lines_parallel(
    out: &mut dyn Write,
    lines: &[Line],
    format: impl Fn(&[Line], &mut Vec<u8>) -> Result<()> + Sync,
) -> Result<()> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let format = &format;
    for batch in lines.chunks(BATCH_LINES) {
        let per_thread = batch.len().div_ceil(threads).max(1);
        let parts: Vec<Result<Vec<u8>>> = std::thread::scope(|s| {
            let handles: Vec<_> = batch
                .chunks(per_thread)
                .map(|part| {
                    s.spawn(move || {
                        let mut buf = Vec::new();
                        format(part, &mut buf).map(|()| buf)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        for part in parts {
            out.write_all(&part?)?;
        }
    }
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
            why(o),
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
    let exploitable = report
        .lines
        .iter()
        .filter(|l| !affected_kev(&l.outcome).is_empty())
        .count();
    if exploitable > 0 {
        writeln!(
            out,
            "{exploitable} {} firmware in the documented affected range of a known exploited vulnerability (CISA KEV): update or remove first.",
            if exploitable == 1 {
                "line runs"
            } else {
                "lines run"
            }
        )?;
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

/// The summary, and any known exploited vulnerability the line's firmware
/// is documented to be exposed to.
fn why(o: &camaudit_check::Outcome) -> String {
    match affected_kev(o).as_slice() {
        [] => o.summary.clone(),
        cves => format!("{}; firmware exposed to {}", o.summary, cves.join(", ")),
    }
}

fn affected_kev(o: &camaudit_check::Outcome) -> Vec<&str> {
    o.kev
        .iter()
        .filter(|k| k.status == camaudit_registry::KevStatus::Affected)
        .map(|k| k.cve.as_str())
        .collect()
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}
