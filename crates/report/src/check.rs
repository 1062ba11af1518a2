//! The check report (`camaudit check`): a table for people; a JSON
//! document, JSONL (one object per data row) or CSV (the input's columns
//! plus the verdict columns) for machines.

use std::io::Write;

use camaudit_check::{KevNote, Line, Outcome, Report, Role, Verdict};
use camaudit_registry::{KevStatus, Registry};
use serde::Serialize;
use serde_json::Value;

use crate::Format;
use crate::error::{Context, Result};
use crate::parallel::write_lines_parallel;
use crate::registry::{registry_json, registry_line};

const WHAT: &str = "check report";

/// Writes the check of `report` against `registry` in `format`.
pub fn write_check_report(
    out: &mut dyn Write,
    report: &Report,
    registry: &Registry,
    format: Format,
) -> Result<()> {
    match format {
        Format::Table => write_table(out, report, registry).writing(WHAT),
        Format::Json => write_json(out, report, registry),
        Format::Jsonl => write_jsonl(out, report, registry),
        Format::Csv => write_csv(out, report, registry),
    }
}

/// The one-line summary `camaudit check` prints on standard error.
pub fn check_summary_line(report: &Report, registry: &Registry) -> String {
    format!(
        "camaudit check {}: {} lines: {} ({})",
        report.file,
        report.lines.len(),
        counts_text(report),
        registry_line(registry)
    )
}

/// "2 covered, 1 likely covered, 0 disputed, 3 not covered, 1 unknown".
fn counts_text(report: &Report) -> String {
    format!(
        "{} covered, {} likely covered, {} disputed, {} not covered, {} unknown",
        report.count(Verdict::Covered),
        report.count(Verdict::LikelyCovered),
        report.count(Verdict::Disputed),
        report.count(Verdict::NotCovered),
        report.count(Verdict::Unknown),
    )
}

fn write_json(out: &mut dyn Write, report: &Report, registry: &Registry) -> Result<()> {
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
        summary: CheckCounts::of(report),
        lines: &lines,
    };
    serde_json::to_writer_pretty(&mut *out, &doc).writing(WHAT)?;
    writeln!(out).writing(WHAT)
}

fn write_jsonl(out: &mut dyn Write, report: &Report, registry: &Registry) -> Result<()> {
    let keys = column_keys(&report.headers);
    let stamp = RegistryStamp::of(registry);
    write_lines_parallel(WHAT, out, &report.lines, |part, buf| {
        for line in part {
            let one = LineJson {
                keys: &keys,
                line,
                registry: Some(&stamp),
            };
            serde_json::to_writer(&mut *buf, &one).writing(WHAT)?;
            buf.push(b'\n');
        }
        Ok(())
    })
}

/// Output keys of a line; an input column with one of these names is
/// written as `input:<name>`.
const RESERVED: [&str; 18] = [
    "row",
    "line",
    "verdict",
    "maker",
    "label",
    "owner",
    "model_identified",
    "covered_by",
    "weakest_link",
    "disputed_by",
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
pub fn column_keys(headers: &[String]) -> Vec<String> {
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
#[derive(Serialize)]
pub struct JsonDocument<'a> {
    /// [`registry_json`]: version, date and overlay.
    pub registry: Value,
    pub file: &'a str,
    pub summary: CheckCounts,
    pub lines: &'a [LineJson<'a>],
}

/// Lines per verdict. Keys in alphabetical order, as the document has
/// always written them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CheckCounts {
    pub covered: usize,
    pub disputed: usize,
    pub likely_covered: usize,
    pub lines: usize,
    pub not_covered: usize,
    pub unknown: usize,
}

impl CheckCounts {
    pub fn of(report: &Report) -> Self {
        CheckCounts {
            covered: report.count(Verdict::Covered),
            disputed: report.count(Verdict::Disputed),
            likely_covered: report.count(Verdict::LikelyCovered),
            lines: report.lines.len(),
            not_covered: report.count(Verdict::NotCovered),
            unknown: report.count(Verdict::Unknown),
        }
    }
}

/// One line as a JSON object, serialised straight from the report: the row
/// number first, then the input's columns as in the file (under
/// [`column_keys`]), then the verdict. Building a `serde_json::Value` per
/// line first cost more than writing it.
pub struct LineJson<'a> {
    pub keys: &'a [String],
    pub line: &'a Line,
    /// Present in JSONL, where each line stands alone; the JSON document
    /// names the registry once at the top.
    pub registry: Option<&'a RegistryStamp>,
}

/// The registry's version, date and overlay, as every line of a JSONL
/// report carries them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryStamp {
    pub version: String,
    pub date: String,
    /// "Example Council (path)".
    pub overlay: Option<String>,
}

impl RegistryStamp {
    pub fn of(r: &Registry) -> Self {
        RegistryStamp {
            version: r.version().to_owned(),
            date: r.date().to_owned(),
            overlay: r.overlay().map(|ov| format!("{} ({})", ov.name, ov.path)),
        }
    }
}

impl Serialize for LineJson<'_> {
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
        m.serialize_entry("weakest_link", &o.weakest_link)?;
        if !o.disputed_by.is_empty() {
            m.serialize_entry("disputed_by", &o.disputed_by)?;
        }
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

const CSV_EXTRA: [&str; 13] = [
    "verdict",
    "maker",
    "label",
    "owner",
    "covered_by",
    "weakest_link",
    "disputed_by",
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
    w.write_record(&header).writing(WHAT)?;
    w.flush().writing(WHAT)?;
    drop(w);
    let stamp = RegistryStamp::of(registry);
    let overlay = stamp.overlay.unwrap_or_default();
    let version = format!("{} ({})", stamp.version, stamp.date);
    write_lines_parallel(WHAT, out, &report.lines, |part, buf| {
        let mut w = csv::Writer::from_writer(buf);
        let mut reasons = String::new();
        for l in part {
            write_csv_line(&mut w, l, &version, &overlay, &mut reasons).writing(WHAT)?;
        }
        w.flush().writing(WHAT)
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
) -> Result<(), csv::Error> {
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
    w.write_field(o.weakest_link.as_deref().unwrap_or(""))?;
    w.write_field(o.disputed_by.join(";"))?;
    w.write_field(format!("{:.2}", o.confidence))?;
    w.write_field(&o.summary)?;
    w.write_field(&*reasons)?;
    let kev: Vec<String> = o.kev.iter().map(KevNote::short).collect();
    w.write_field(kev.join("; "))?;
    w.write_field(version)?;
    w.write_field(overlay)?;
    w.write_record(None::<&[u8]>)?;
    Ok(())
}

/// The table fits a terminal this wide: each line's cells on one row, its
/// coverage and weakest link (or why) wrapped on the rows below it. The
/// full text of every cell is in the other formats.
pub const TABLE_WIDTH: usize = 120;

/// Longest cell of each column of a line's first row, so that the row
/// never passes [`TABLE_WIDTH`]: row number 6, site 16, make 24, model 28,
/// verdict 14 (LIKELY-COVERED), maker 16, and two spaces between columns.
const SITE_MAX: usize = 16;
const MAKE_MAX: usize = 24;
const MODEL_MAX: usize = 28;
const MAKER_MAX: usize = 16;

/// Where the rows below a line's first row begin.
const DETAIL_INDENT: &str = "     ";

fn clip(s: &str, max: usize) -> String {
    camaudit_model::text::clip(s, max)
}

/// What the table shows of one checked line, borrowing from the report
/// (a 100,000-line table builds one per line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckTableRow<'a> {
    pub row: usize,
    /// Present when the input has a site column.
    pub site: Option<&'a str>,
    /// Manufacturer and brand cells, "Hikvision / HiLook".
    pub make: String,
    /// The model cell, else the description.
    pub model: &'a str,
    /// COVERED, LIKELY-COVERED, DISPUTED, not-covered or unknown.
    pub verdict: &'static str,
    pub maker: Option<String>,
    /// The covering regimes, or for a disputed line the disputed ones.
    pub covered_by: &'a [String],
    /// The chain's weakest link, in words.
    pub weakest_link: Option<&'a str>,
    /// The summary, and the known exploited vulnerabilities the firmware
    /// is exposed to.
    pub why: String,
    /// The known exploited vulnerabilities the firmware is exposed to.
    pub exposed_to: Vec<&'a str>,
}

impl<'a> CheckTableRow<'a> {
    pub fn of(report: &Report, l: &'a Line) -> Self {
        let cell = |role| {
            report
                .columns
                .get(role)
                .and_then(|i| l.cells.get(i))
                .map(String::as_str)
                .unwrap_or("")
        };
        let o = &l.outcome;
        let make = [cell(Role::Manufacturer), cell(Role::Brand)]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" / ");
        let model = match cell(Role::Model) {
            "" => cell(Role::Description),
            m => m,
        };
        CheckTableRow {
            row: l.row,
            site: report.columns.get(Role::Site).map(|_| cell(Role::Site)),
            make,
            model,
            verdict: table_verdict(o.verdict),
            maker: o.maker.as_ref().map(ToString::to_string),
            covered_by: if o.verdict == Verdict::Disputed {
                &o.disputed_by
            } else {
                &o.covered_by
            },
            weakest_link: o.weakest_link.as_deref(),
            why: why(o),
            exposed_to: affected_kev(o),
        }
    }

    /// The first row's cells, each clipped to its column's width.
    fn cells(&self) -> Vec<String> {
        let mut r = vec![self.row.to_string()];
        if let Some(site) = self.site {
            r.push(clip(or_dash(site), SITE_MAX));
        }
        r.extend([
            clip(or_dash(&self.make), MAKE_MAX),
            clip(or_dash(self.model), MODEL_MAX),
            self.verdict.to_owned(),
            clip(self.maker.as_deref().unwrap_or("-"), MAKER_MAX),
        ]);
        r
    }

    /// What the rows below say, one paragraph each: the regimes and the
    /// weakest link in full for a covered, likely-covered or disputed line,
    /// else why it is not; and the known exploited vulnerabilities its
    /// firmware is exposed to.
    pub fn detail(&self) -> Vec<String> {
        let regimes = self.covered_by.join(", ");
        let link = || format!("weakest link: {}", self.weakest_link.unwrap_or("-"));
        let mut d = match self.verdict {
            "DISPUTED" => vec![format!("disputed under {regimes}"), link()],
            _ if !self.covered_by.is_empty() => vec![format!("covered by {regimes}"), link()],
            _ => vec![format!("why: {}", self.why)],
        };
        if !self.exposed_to.is_empty() && !self.covered_by.is_empty() {
            d.push(format!(
                "firmware exposed to {}",
                self.exposed_to.join(", ")
            ));
        }
        d
    }
}

/// `text` broken at spaces into rows of at most `width` characters, each
/// beginning with `indent`; a word longer than a row is cut across rows.
pub fn wrap(text: &str, indent: &str, width: usize) -> Vec<String> {
    let room = width.saturating_sub(indent.chars().count()).max(1);
    let mut rows: Vec<Vec<char>> = Vec::new();
    let mut row: Vec<char> = Vec::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word: Vec<char> = word.chars().collect();
        if !row.is_empty() && row.len() + 1 + word.len() > room {
            rows.push(std::mem::take(&mut row));
        }
        while word.len() > room {
            rows.push(word.drain(..room).collect());
        }
        if !row.is_empty() {
            row.push(' ');
        }
        row.extend(word);
    }
    if !row.is_empty() || rows.is_empty() {
        rows.push(row);
    }
    rows.into_iter()
        .map(|r| format!("{indent}{}", r.into_iter().collect::<String>()))
        .collect()
}

/// The verdict as the table shows it: the ones that gate a purchase in
/// capitals.
pub fn table_verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Covered => "COVERED",
        Verdict::LikelyCovered => "LIKELY-COVERED",
        Verdict::Disputed => "DISPUTED",
        Verdict::NotCovered => "not-covered",
        Verdict::Unknown => "unknown",
    }
}

fn write_table(out: &mut dyn Write, report: &Report, registry: &Registry) -> std::io::Result<()> {
    let mut head = vec!["ROW"];
    if report.columns.get(Role::Site).is_some() {
        head.push("SITE");
    }
    head.extend(["MAKE/BRAND", "MODEL/DESCRIPTION", "VERDICT", "MAKER"]);
    let table: Vec<CheckTableRow> = report
        .lines
        .iter()
        .map(|l| CheckTableRow::of(report, l))
        .collect();
    let mut rows: Vec<Vec<String>> = vec![head.iter().map(|s| s.to_string()).collect()];
    rows.extend(table.iter().map(CheckTableRow::cells));
    let mut first_rows = aligned(&rows).into_iter();
    if let Some(h) = first_rows.next() {
        writeln!(out, "{h}")?;
        writeln!(out, "{DETAIL_INDENT}COVERED BY / WEAKEST LINK, or WHY")?;
    }
    for (line, first) in table.iter().zip(first_rows) {
        writeln!(out, "{first}")?;
        for paragraph in line.detail() {
            for r in wrap(&paragraph, DETAIL_INDENT, TABLE_WIDTH) {
                writeln!(out, "{r}")?;
            }
        }
    }
    let exploitable = report
        .lines
        .iter()
        .filter(|l| !affected_kev(&l.outcome).is_empty())
        .count();
    let mut foot = Vec::new();
    if exploitable > 0 {
        foot.push(format!(
            "{exploitable} {} firmware in the documented affected range of a known exploited vulnerability (CISA KEV): update or remove first.",
            if exploitable == 1 {
                "line runs"
            } else {
                "lines run"
            }
        ));
    }
    // The counts, the registry and the pointer to the full text each on a
    // line of their own: together they pass 120 columns.
    foot.push(format!(
        "{} lines: {}.",
        report.lines.len(),
        counts_text(report)
    ));
    foot.push(format!("{}.", registry_line(registry)));
    foot.push("Reasons and sources: --format json|jsonl|csv".to_owned());
    for paragraph in foot {
        for r in wrap(&paragraph, "", TABLE_WIDTH) {
            writeln!(out, "{r}")?;
        }
    }
    Ok(())
}

/// Columns padded to their widest cell, two spaces apart; the last column
/// is not padded.
pub fn write_aligned(out: &mut dyn Write, rows: &[Vec<String>]) -> std::io::Result<()> {
    for line in aligned(rows) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The rows of [`write_aligned`], as text.
fn aligned(rows: &[Vec<String>]) -> Vec<String> {
    let n = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    rows.iter()
        .map(|r| {
            let mut line = String::new();
            for (i, cell) in r.iter().enumerate() {
                line.push_str(cell);
                if i + 1 < n {
                    line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
                }
            }
            line.trim_end().to_owned()
        })
        .collect()
}

/// The summary, and any known exploited vulnerability the line's firmware
/// is documented to be exposed to.
fn why(o: &Outcome) -> String {
    match affected_kev(o).as_slice() {
        [] => o.summary.clone(),
        cves => format!("{}; firmware exposed to {}", o.summary, cves.join(", ")),
    }
}

fn affected_kev(o: &Outcome) -> Vec<&str> {
    o.kev
        .iter()
        .filter(|k| k.status == KevStatus::Affected)
        .map(|k| k.cve.as_str())
        .collect()
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_keys_avoid_verdict_keys_blanks_and_repeats() {
        let headers: Vec<String> = ["verdict", "Make", "", "Make", " "]
            .map(String::from)
            .to_vec();
        assert_eq!(
            column_keys(&headers),
            ["input:verdict", "Make", "column 3", "Make (4)", "column 5"]
        );
    }

    #[test]
    fn wrap_breaks_at_spaces_within_the_width() {
        let text = "label lorex → former subsidiary of dahua (2018-02 to 2022-11-24), and the device date is unknown";
        let rows = wrap(text, "  ", 30);
        assert!(rows.iter().all(|r| r.chars().count() <= 30), "{rows:#?}");
        assert!(rows.iter().all(|r| r.starts_with("  ")), "{rows:#?}");
        let joined: Vec<&str> = rows.iter().map(|r| r.trim()).collect();
        assert_eq!(joined.join(" "), text);
        assert_eq!(wrap("", "  ", 30), ["  "]);
    }

    #[test]
    fn wrap_cuts_a_word_longer_than_a_row() {
        let rows = wrap("a 0123456789abcdef b", "", 8);
        assert_eq!(rows, ["a", "01234567", "89abcdef", "b"]);
    }
}
