//! `camaudit diff`: what changed between two scans, grouped by what it
//! means (came back, replaced, new, gone, changed), with a summary line.

use std::collections::HashSet;
use std::io::Write;

use camaudit_history::{
    Change, ChangeKind, DeviceHistory, Diff, Replacement, ReplacementKind, Return, ScanRef,
    Sighting,
};
use camaudit_model::Verdict;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;

use crate::Format;
use crate::check::write_aligned;
use crate::devices::clip;
use crate::error::{Context, Result};

const WHAT: &str = "diff";

/// "3 new (2 covered), 1 gone, 2 changed, 1 replaced at the same address
/// (1 swapped for a rebrand of the same maker: hikvision); 1 covered
/// device came back; 9 unchanged". New and gone leave out the devices of a
/// replacement, which is counted once.
pub fn diff_summary_line(d: &Diff) -> String {
    let c = &d.counts;
    let mut parts = vec![
        with_covered(c.new, "new", c.new_covered),
        with_covered(c.gone, "gone", c.gone_covered),
        format!("{} changed", c.changed),
    ];
    if c.replaced > 0 {
        parts.push(format!(
            "{} replaced at the same address ({})",
            c.replaced,
            replacement_breakdown(&d.replaced)
        ));
    }
    let mut line = parts.join(", ");
    if c.came_back > 0 {
        line.push_str(&format!(
            "; {} covered device{} came back",
            c.came_back,
            plural(c.came_back)
        ));
    }
    for (n, what) in [
        (
            c.no_longer_covered,
            "no longer covered (attribution changed)",
        ),
        (c.now_covered, "now covered"),
    ] {
        if n > 0 {
            line.push_str(&format!("; {n} {what}"));
        }
    }
    line.push_str(&format!("; {} unchanged", c.unchanged));
    line
}

fn with_covered(n: usize, what: &str, covered: usize) -> String {
    if covered > 0 {
        format!("{n} {what} ({covered} covered)")
    } else {
        format!("{n} {what}")
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// "1 swapped for a rebrand of the same maker: hikvision, 1 covered
/// replaced by a maker not covered", kinds in their order of seriousness.
fn replacement_breakdown(replaced: &[Replacement]) -> String {
    let mut kinds: Vec<ReplacementKind> = replaced.iter().map(|r| r.kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds
        .into_iter()
        .map(|k| {
            let of: Vec<&Replacement> = replaced.iter().filter(|r| r.kind == k).collect();
            let mut makers: Vec<String> = of
                .iter()
                .filter_map(|r| r.maker.as_ref().map(ToString::to_string))
                .collect();
            makers.sort();
            makers.dedup();
            let makers = if makers.is_empty() {
                String::new()
            } else {
                format!(": {}", makers.join(", "))
            };
            format!("{} {}{makers}", of.len(), replacement_words(k))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn replacement_words(k: ReplacementKind) -> &'static str {
    match k {
        ReplacementKind::SwappedForRebrandOfSameMaker => "swapped for a rebrand of the same maker",
        ReplacementKind::SameCoveredMaker => "replaced by the same covered maker",
        ReplacementKind::AnotherCoveredMaker => "replaced by another covered maker",
        ReplacementKind::CoveredReplacedByNotCovered => "covered replaced by a maker not covered",
        ReplacementKind::CoveredReplacedByUnconfirmed => "covered replaced by one of unproven make",
        ReplacementKind::NotCoveredReplacedByCovered => "replaced by a covered device",
        ReplacementKind::Replaced => "replaced, neither covered",
    }
}

fn change_words(k: ChangeKind) -> &'static str {
    match k {
        ChangeKind::Moved => "moved",
        ChangeKind::NoLongerCovered => "no longer covered (same device: its attribution changed)",
        ChangeKind::NowCovered => "now covered",
        ChangeKind::NoLongerIdentified => "maker no longer proven",
        ChangeKind::FirmwareUpgrade => "firmware upgrade",
        ChangeKind::FirmwareDowngrade => "firmware downgrade",
        ChangeKind::FirmwareChanged => "firmware changed",
    }
}

/// Writes the diff in `format`: a table per kind for people; the whole
/// diff as one JSON document; one JSON object or CSV row per entry.
pub fn write_diff(out: &mut dyn Write, d: &Diff, format: Format) -> Result<()> {
    match format {
        Format::Table => write_table(out, d).writing(WHAT),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, d).writing(WHAT)?;
            writeln!(out).writing(WHAT)
        }
        Format::Jsonl => {
            for row in rows(d) {
                serde_json::to_writer(&mut *out, &row).writing(WHAT)?;
                writeln!(out).writing(WHAT)?;
            }
            Ok(())
        }
        Format::Csv => write_csv(out, d).writing(WHAT),
    }
}

fn scan_words(s: &ScanRef) -> String {
    let at = s.started_at.format(&Rfc3339).unwrap_or_default();
    format!(
        "scan {} ({} of {}, {at})",
        s.id,
        s.kind,
        s.targets.join(" ")
    )
}

fn write_table(out: &mut dyn Write, d: &Diff) -> std::io::Result<()> {
    let listed = Listed::of(d);
    if let (Some(a), Some(b)) = (&d.from, &d.to) {
        writeln!(out, "From {} to {}", scan_words(a), scan_words(b))?;
    }
    writeln!(out, "{}", diff_summary_line(d))?;

    section(
        out,
        "CAME BACK",
        "covered devices gone in the first scan that an earlier scan had seen",
        &came_back_table(&d.came_back),
    )?;
    section(
        out,
        "REPLACED",
        "a different device at the same address",
        &replaced_table(&d.replaced),
    )?;
    let new: Vec<&Sighting> = d
        .new
        .iter()
        .filter(|s| listed.part_of(s, true).is_none())
        .collect();
    section(out, "NEW", "in the second scan only", &sighting_table(&new))?;
    let gone: Vec<&Sighting> = d
        .gone
        .iter()
        .filter(|s| listed.part_of(s, false).is_none())
        .collect();
    section(
        out,
        "GONE",
        "in the first scan only",
        &sighting_table(&gone),
    )?;
    section(
        out,
        "CHANGED",
        "the same device, with facts that differ",
        &changed_table(&d.changed),
    )
}

/// The new and gone devices that are part of an entry shown before the
/// plain lists (a replacement, a return), by position in their scans.
struct Listed {
    replaced_before: HashSet<usize>,
    replaced_after: HashSet<usize>,
    came_back: HashSet<usize>,
}

impl Listed {
    fn of(d: &Diff) -> Listed {
        Listed {
            replaced_before: d.replaced.iter().map(|r| r.before.idx).collect(),
            replaced_after: d.replaced.iter().map(|r| r.after.idx).collect(),
            came_back: d.came_back.iter().map(|r| r.device.idx).collect(),
        }
    }

    /// `came-back` or `replaced` for a new device (`after`), `replaced`
    /// for a gone one, or `None`.
    fn part_of(&self, s: &Sighting, after: bool) -> Option<&'static str> {
        let replaced = if after {
            &self.replaced_after
        } else {
            &self.replaced_before
        };
        if after && self.came_back.contains(&s.idx) {
            Some("came-back")
        } else if replaced.contains(&s.idx) {
            Some("replaced")
        } else {
            None
        }
    }
}

/// A heading with the row count and a table, or nothing when empty.
fn section(
    out: &mut dyn Write,
    title: &str,
    what: &str,
    table: &[Vec<String>],
) -> std::io::Result<()> {
    if table.len() <= 1 {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "{title} ({}): {what}", table.len() - 1)?;
    write_aligned(out, table)
}

fn header(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

fn addr(s: &Sighting) -> String {
    s.addr.map_or("-".to_owned(), |a| a.to_string())
}

fn mac(s: &Sighting) -> String {
    s.mac.map_or("-".to_owned(), |m| m.to_string())
}

/// The device table's words: "YES ndaa-889", "LIKELY …", "DISPUTED",
/// "no", with "(label only)" when no platform evidence confirms the maker;
/// "unknown" when no maker is proven.
fn covered(s: &Sighting) -> String {
    let word = match s.verdict {
        Verdict::Covered => "YES",
        Verdict::LikelyCovered => "LIKELY",
        Verdict::Disputed => "DISPUTED",
        Verdict::NotCovered => return "no".to_owned(),
        Verdict::Unknown => return "unknown".to_owned(),
    };
    let marker = if s.platform_confirmed == Some(false) {
        " (label only)"
    } else {
        ""
    };
    format!("{word}{marker} {}", s.covered_by.join(","))
        .trim_end()
        .to_owned()
}

fn sighting_table(list: &[&Sighting]) -> Vec<Vec<String>> {
    let mut t = vec![header(&[
        "ADDRESS", "MAC", "DEVICE", "FIRMWARE", "TYPE", "COVERED",
    ])];
    t.extend(list.iter().map(|s| {
        vec![
            addr(s),
            mac(s),
            clip(&device_words(s), 60),
            clip(s.firmware.as_deref().unwrap_or("-"), 22),
            s.device_type.map_or("-", |t| t.as_str()).to_owned(),
            covered(s),
        ]
    }));
    t
}

/// The device without its address: "annke (made by hikvision) I91BN".
fn device_words(s: &Sighting) -> String {
    let mut plain = s.clone();
    plain.addr = None;
    plain.describe()
}

fn replaced_table(list: &[Replacement]) -> Vec<Vec<String>> {
    let mut t = vec![header(&[
        "ADDRESS",
        "WHAT",
        "BEFORE",
        "AFTER",
        "COVERED AFTER",
    ])];
    t.extend(list.iter().map(|r| {
        let what = match &r.maker {
            Some(m) => format!("{} ({m})", replacement_words(r.kind)),
            None => replacement_words(r.kind).to_owned(),
        };
        vec![
            r.addr.to_string(),
            what,
            clip(&device_words(&r.before), 48),
            clip(&device_words(&r.after), 48),
            covered(&r.after),
        ]
    }));
    t
}

fn came_back_table(list: &[Return]) -> Vec<Vec<String>> {
    let mut t = vec![header(&[
        "ADDRESS",
        "MAC",
        "DEVICE",
        "LAST SEEN BEFORE",
        "MATCHED BY",
        "COVERED",
    ])];
    t.extend(list.iter().map(|r| {
        let at = r.last_seen_at.format(&Rfc3339).unwrap_or_default();
        vec![
            addr(&r.device),
            mac(&r.device),
            clip(&device_words(&r.device), 60),
            format!("scan {} ({at})", r.last_seen_in),
            r.matched_by.as_str().to_owned(),
            covered(&r.device),
        ]
    }));
    t
}

fn changed_table(list: &[Change]) -> Vec<Vec<String>> {
    let mut t = vec![header(&[
        "ADDRESS",
        "DEVICE",
        "WHAT",
        "CHANGES",
        "MATCHED BY",
    ])];
    t.extend(list.iter().map(|c| {
        let what: Vec<&str> = c.kinds.iter().map(|k| change_words(*k)).collect();
        vec![
            addr(&c.after),
            clip(&device_words(&c.after), 48),
            if what.is_empty() {
                "-".to_owned()
            } else {
                what.join(", ")
            },
            clip(&field_changes(c), 100),
            c.matched_by.as_str().to_owned(),
        ]
    }));
    t
}

/// "address 10.10.8.21 → 10.10.8.99; firmware V5.6.2 → V5.7.3".
fn field_changes(c: &Change) -> String {
    c.fields
        .iter()
        .map(|f| {
            format!(
                "{} {} → {}",
                f.field.as_str(),
                f.before.as_deref().unwrap_or("-"),
                f.after.as_deref().unwrap_or("-")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// One entry of the diff as a JSONL object or a CSV row.
#[derive(Serialize)]
struct Row<'a> {
    /// `came-back`, `replaced`, `new`, `gone` or `changed`.
    kind: &'static str,
    /// What it means: the replacement's or change's kinds.
    what: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    before: Option<&'a Sighting>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after: Option<&'a Sighting>,
    /// The fields that changed, as in the table.
    #[serde(skip_serializing_if = "String::is_empty")]
    changes: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    matched_by: Option<&'static str>,
    /// For a new or gone device: the entry it is also part of
    /// (`replaced`, `came-back`), or empty.
    #[serde(skip_serializing_if = "str::is_empty")]
    part_of: &'static str,
}

fn rows(d: &Diff) -> Vec<Row<'_>> {
    let listed = Listed::of(d);
    let mut out = Vec::new();
    for r in &d.came_back {
        out.push(Row {
            kind: "came-back",
            what: format!("last seen in scan {}", r.last_seen_in),
            before: Some(&r.earlier),
            after: Some(&r.device),
            changes: String::new(),
            matched_by: Some(r.matched_by.as_str()),
            part_of: "",
        });
    }
    for r in &d.replaced {
        out.push(Row {
            kind: "replaced",
            what: r.kind.as_str().to_owned(),
            before: Some(&r.before),
            after: Some(&r.after),
            changes: String::new(),
            matched_by: None,
            part_of: "",
        });
    }
    for s in &d.new {
        out.push(lone("new", None, Some(s), listed.part_of(s, true)));
    }
    for s in &d.gone {
        out.push(lone("gone", Some(s), None, listed.part_of(s, false)));
    }
    for c in &d.changed {
        let kinds: Vec<&str> = c.kinds.iter().map(|k| k.as_str()).collect();
        out.push(Row {
            kind: "changed",
            what: kinds.join(" "),
            before: Some(&c.before),
            after: Some(&c.after),
            changes: field_changes(c),
            matched_by: Some(c.matched_by.as_str()),
            part_of: "",
        });
    }
    out
}

fn lone<'a>(
    kind: &'static str,
    before: Option<&'a Sighting>,
    after: Option<&'a Sighting>,
    part_of: Option<&'static str>,
) -> Row<'a> {
    Row {
        kind,
        what: String::new(),
        before,
        after,
        changes: String::new(),
        matched_by: None,
        part_of: part_of.unwrap_or(""),
    }
}

const CSV_HEADER: [&str; 19] = [
    "kind",
    "what",
    "changes",
    "matched_by",
    "part_of",
    "before_address",
    "before_mac",
    "before_label",
    "before_manufacturer",
    "before_model",
    "before_firmware",
    "before_verdict",
    "after_address",
    "after_mac",
    "after_label",
    "after_manufacturer",
    "after_model",
    "after_firmware",
    "after_verdict",
];

fn write_csv(out: &mut dyn Write, d: &Diff) -> std::result::Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    for row in rows(d) {
        let mut record = vec![
            row.kind.to_owned(),
            row.what.clone(),
            row.changes.clone(),
            row.matched_by.unwrap_or("").to_owned(),
            row.part_of.to_owned(),
        ];
        record.extend(side(row.before));
        record.extend(side(row.after));
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}

/// One side's columns (empty for the side a new or gone device lacks).
fn side(s: Option<&Sighting>) -> Vec<String> {
    let text = |v: Option<String>| v.unwrap_or_default();
    let Some(s) = s else {
        return vec![String::new(); 7];
    };
    vec![
        text(s.addr.map(|a| a.to_string())),
        text(s.mac.map(|m| m.to_string())),
        text(s.label.as_ref().map(ToString::to_string)),
        text(s.manufacturer.as_ref().map(ToString::to_string)),
        text(s.model.clone()),
        text(s.firmware.clone()),
        s.verdict.as_str().to_owned(),
    ]
}

/// Writes device timelines in `format`: a table of devices with first and
/// last seen and their changes for people; the histories as JSON; one
/// JSONL object per device; one CSV row per change (a device without
/// changes has one row with empty change columns).
pub fn write_timelines(
    out: &mut dyn Write,
    histories: &[DeviceHistory],
    format: Format,
) -> Result<()> {
    const WHAT: &str = "device timelines";
    match format {
        Format::Table => write_timeline_table(out, histories).writing(WHAT),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, histories).writing(WHAT)?;
            writeln!(out).writing(WHAT)
        }
        Format::Jsonl => {
            for h in histories {
                serde_json::to_writer(&mut *out, h).writing(WHAT)?;
                writeln!(out).writing(WHAT)?;
            }
            Ok(())
        }
        Format::Csv => write_timeline_csv(out, histories).writing(WHAT),
    }
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn write_timeline_table(out: &mut dyn Write, histories: &[DeviceHistory]) -> std::io::Result<()> {
    let mut t = vec![header(&[
        "ADDRESS",
        "DEVICE",
        "FIRST SEEN",
        "LAST SEEN",
        "SCANS",
        "COVERED",
        "CHANGES",
    ])];
    t.extend(histories.iter().map(|h| {
        let changes: Vec<String> = h
            .changes
            .iter()
            .map(|c| {
                format!(
                    "scan {}: {} {} → {}",
                    c.scan,
                    c.field.as_str(),
                    c.before.as_deref().unwrap_or("-"),
                    c.after.as_deref().unwrap_or("-")
                )
            })
            .collect();
        vec![
            addr(&h.current),
            clip(&device_words(&h.current), 48),
            format!("scan {} ({})", h.first_seen.scan, rfc3339(h.first_seen.at)),
            format!("scan {} ({})", h.last_seen.scan, rfc3339(h.last_seen.at)),
            h.sightings.to_string(),
            covered(&h.current),
            if changes.is_empty() {
                "-".to_owned()
            } else {
                clip(&changes.join("; "), 100)
            },
        ]
    }));
    write_aligned(out, &t)
}

const TIMELINE_CSV: [&str; 13] = [
    "address",
    "mac",
    "manufacturer",
    "model",
    "verdict",
    "first_seen_scan",
    "first_seen_at",
    "last_seen_scan",
    "last_seen_at",
    "change_scan",
    "change_field",
    "change_before",
    "change_after",
];

fn write_timeline_csv(
    out: &mut dyn Write,
    histories: &[DeviceHistory],
) -> std::result::Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(TIMELINE_CSV)?;
    for h in histories {
        let s = &h.current;
        let device = [
            s.addr.map(|a| a.to_string()).unwrap_or_default(),
            s.mac.map(|m| m.to_string()).unwrap_or_default(),
            s.manufacturer
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            s.model.clone().unwrap_or_default(),
            s.verdict.as_str().to_owned(),
            h.first_seen.scan.to_string(),
            rfc3339(h.first_seen.at),
            h.last_seen.scan.to_string(),
            rfc3339(h.last_seen.at),
        ];
        let changes: Vec<[String; 4]> = h
            .changes
            .iter()
            .map(|c| {
                [
                    c.scan.to_string(),
                    c.field.as_str().to_owned(),
                    c.before.clone().unwrap_or_default(),
                    c.after.clone().unwrap_or_default(),
                ]
            })
            .collect();
        if changes.is_empty() {
            w.write_record(
                device
                    .iter()
                    .cloned()
                    .chain(std::iter::repeat_n(String::new(), 4)),
            )?;
        }
        for c in changes {
            w.write_record(device.iter().cloned().chain(c))?;
        }
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use camaudit_history::history;
    use camaudit_model::Device;
    use camaudit_store::ScanId;
    use time::macros::datetime;

    fn camera(addr: &str, firmware: &str) -> Device {
        let json = serde_json::json!({
            "addr": addr, "mac": "58:50:ed:1f:e3:85", "open_ports": [80],
            "label_vendor": "hikvision", "manufacturer": "hikvision", "owner": "cetc",
            "model": "DS-2CD2385G1-I", "firmware": firmware, "serial": null,
            "device_type": "camera", "covered": true, "covered_by": ["ndaa-889"],
            "confidence": 1.0, "evidence": []
        });
        serde_json::from_value(json).expect("a device")
    }

    #[test]
    fn a_timeline_shows_each_change_with_its_scan() {
        let scans = vec![
            (
                ScanId(1),
                datetime!(2026-10-01 9:00 UTC),
                vec![camera("10.1.1.5", "V5.5.0")],
            ),
            (
                ScanId(2),
                datetime!(2026-11-01 9:00 UTC),
                vec![camera("10.1.1.9", "V5.5.0")],
            ),
            (
                ScanId(4),
                datetime!(2026-12-01 9:00 UTC),
                vec![camera("10.1.1.9", "V5.7.3")],
            ),
        ];
        let h = history(&scans);
        let mut table = Vec::new();
        write_timelines(&mut table, &h, Format::Table).unwrap();
        let table = String::from_utf8(table).unwrap();
        let row = table.lines().nth(1).unwrap();
        let cells: Vec<&str> = row
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        assert_eq!(
            cells,
            [
                "10.1.1.9",
                "hikvision DS-2CD2385G1-I",
                "scan 1 (2026-10-01T09:00:00Z)",
                "scan 4 (2026-12-01T09:00:00Z)",
                "3",
                "YES ndaa-889",
                "scan 2: address 10.1.1.5 → 10.1.1.9; scan 4: firmware V5.5.0 → V5.7.3",
            ],
            "{table}"
        );
        let mut csv = Vec::new();
        write_timelines(&mut csv, &h, Format::Csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        assert_eq!(
            csv.lines().count(),
            3,
            "a header and one row per change: {csv}"
        );
        assert!(
            csv.lines()
                .nth(2)
                .unwrap()
                .ends_with(",4,firmware,V5.5.0,V5.7.3"),
            "{csv}"
        );
    }
}
