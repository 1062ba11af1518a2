//! Building `data/oui/surveillance-vendors.tsv` from registry files.
//!
//! [`generate`] merges the inputs (the union of their blocks; for a block
//! listed in several, the earliest input wins, so list the freshest first),
//! keeps the blocks the vendor mapping assigns, and writes the table with a
//! header naming the data's origin, the inputs, the date and the command.
//! The `generate` example is the command-line front end.

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};
use std::path::Path;

use camaudit_model::VendorId;

use crate::{OuiError, OuiTable, RawBlock, SourceFormat, VendorMapping, parse_source};

/// One parsed input file.
#[derive(Debug, Clone)]
pub struct Source {
    /// The file name without its directory, as the table header cites it.
    pub name: String,
    pub format: SourceFormat,
    pub blocks: Vec<RawBlock>,
}

impl Source {
    /// Reads and parses a file, detecting its format. Errors name the file.
    /// Bytes that are not UTF-8 are replaced rather than rejected (old
    /// registry dumps are sometimes Latin-1).
    pub fn read(path: &Path) -> Result<Source, OuiError> {
        let bytes = std::fs::read(path).map_err(|error| OuiError::Io {
            path: path.to_owned(),
            error,
        })?;
        let text = String::from_utf8_lossy(&bytes);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        Source::parse(&name, &text).map_err(|e| e.in_file(path))
    }

    /// Parses text already in memory; `name` is only for the header.
    pub fn parse(name: &str, text: &str) -> Result<Source, OuiError> {
        if looks_like_oui_txt(text) {
            return Err(OuiError::syntax(
                1,
                "this is the IEEE's oui.txt listing, which is not supported: download oui.csv \
                 (and mam.csv, oui36.csv, iab.csv) from the same page, or use Wireshark's manuf",
            ));
        }
        let (format, blocks) = parse_source(text)?;
        if blocks.is_empty() {
            return Err(OuiError::syntax(
                1,
                format!("no address blocks found (read as {})", format.describe()),
            ));
        }
        Ok(Source {
            name: name.to_owned(),
            format,
            blocks,
        })
    }
}

fn looks_like_oui_txt(text: &str) -> bool {
    text.lines().take(20).any(|l| l.contains("(hex)"))
}

/// The union of the sources' blocks; a block (same prefix and length) found
/// in several keeps its first occurrence, so earlier sources take precedence.
/// Ordered by address, then length.
pub fn merge(sources: &[Source]) -> Vec<RawBlock> {
    let mut seen: HashMap<(u32, u64), ()> = HashMap::new();
    let mut out = Vec::new();
    for source in sources {
        for block in &source.blocks {
            if seen.insert((block.bits, block.prefix), ()).is_none() {
                out.push(block.clone());
            }
        }
    }
    out.sort_by_key(|b| (b.prefix << (48 - b.bits), b.bits));
    out
}

/// What went into the header, and what to print beside it.
#[derive(Debug, Clone, Default)]
pub struct GenerateOptions {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The command line, for the header.
    pub command: String,
    /// Free-text lines for the header (where the input files came from).
    pub notes: Vec<String>,
}

/// Figures about a generation run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Input name, format, number of blocks.
    pub inputs: Vec<(String, SourceFormat, usize)>,
    /// Distinct blocks across all inputs.
    pub merged: usize,
    pub per_vendor: BTreeMap<VendorId, usize>,
    /// Per vendor, blocks per registry (MA-L, MA-M, MA-S, IAB).
    pub per_vendor_registry: BTreeMap<VendorId, [usize; 4]>,
    /// Block rules that relabelled a block.
    pub block_rules_applied: Vec<String>,
    /// Block rules that found no block, or a block registered to someone
    /// unexpected.
    pub block_rules_unused: Vec<String>,
    /// Longer blocks inside a kept shorter block that do not share its
    /// vendor: lookups in them would wrongly report the shorter block's.
    pub shadowed: Vec<String>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, format, n) in &self.inputs {
            writeln!(f, "input {name}: {n} blocks ({})", format.describe())?;
        }
        writeln!(f, "merged: {} distinct blocks", self.merged)?;
        let total: usize = self.per_vendor.values().sum();
        writeln!(
            f,
            "kept: {total} blocks of {} vendors",
            self.per_vendor.len()
        )?;
        for (vendor, n) in &self.per_vendor {
            let r = self
                .per_vendor_registry
                .get(vendor)
                .copied()
                .unwrap_or_default();
            writeln!(
                f,
                "  {:<20} {n:>5}   (MA-L {}, MA-M {}, MA-S {}, IAB {})",
                vendor.as_str(),
                r[0],
                r[1],
                r[2],
                r[3]
            )?;
        }
        for line in &self.block_rules_applied {
            writeln!(f, "block rule applied: {line}")?;
        }
        for line in &self.block_rules_unused {
            writeln!(f, "warning: block rule unused: {line}")?;
        }
        for line in &self.shadowed {
            writeln!(f, "warning: shadowed block: {line}")?;
        }
        Ok(())
    }
}

/// The generated table, its text and the figures.
#[derive(Debug, Clone)]
pub struct Generated {
    pub table: OuiTable,
    pub tsv: String,
    pub report: Report,
}

/// Merges `sources`, keeps the mapped blocks and renders the table file.
pub fn generate(
    sources: &[Source],
    mapping: &VendorMapping,
    options: &GenerateOptions,
) -> Generated {
    let merged = merge(sources);
    let mut report = Report {
        inputs: sources
            .iter()
            .map(|s| (s.name.clone(), s.format, s.blocks.len()))
            .collect(),
        merged: merged.len(),
        ..Report::default()
    };

    for rule in mapping.block_rules() {
        let hex = format!("{:0w$X}", rule.prefix, w = (rule.bits / 4) as usize);
        match merged
            .iter()
            .find(|b| b.prefix == rule.prefix && b.bits == rule.bits)
        {
            Some(b) if rule.applies_to(&b.organisation) => report
                .block_rules_applied
                .push(format!("{hex} ({}) -> {}", b.organisation, rule.vendor)),
            Some(b) => report.block_rules_unused.push(format!(
                "{hex} -> {}: registered to {:?}, expected /{}/",
                rule.vendor, b.organisation, rule.expect_organisation
            )),
            None => report
                .block_rules_unused
                .push(format!("{hex} -> {}: not in the inputs", rule.vendor)),
        }
    }

    let table = OuiTable::from_blocks(merged.iter().cloned(), mapping);
    report.per_vendor = table.vendor_counts();
    for e in table.entries() {
        let slot = match e.registry {
            crate::Registry::MaL => 0,
            crate::Registry::MaM => 1,
            crate::Registry::MaS => 2,
            crate::Registry::Iab => 3,
        };
        report
            .per_vendor_registry
            .entry(e.vendor.clone())
            .or_default()[slot] += 1;
    }

    // A longer block inside a kept shorter one, with another vendor (or
    // none), would be misattributed by the table, which only holds kept
    // blocks. The IEEE does not carve MA-M/MA-S blocks out of an
    // organisation's own MA-L, so this should never fire.
    for b in merged.iter().filter(|b| b.bits > 24) {
        let own = table
            .lookup_exact(b.prefix, b.bits)
            .map(|e| e.vendor.clone());
        for shorter in [24u32, 28].into_iter().filter(|&s| s < b.bits) {
            let parent = b.prefix >> (b.bits - shorter);
            if let Some(p) = table.lookup_exact(parent, shorter) {
                if own.as_ref() != Some(&p.vendor) {
                    report.shadowed.push(format!(
                        "{:X}/{} ({}) inside {} ({})",
                        b.prefix,
                        b.bits,
                        b.organisation,
                        p.rule_id(),
                        p.vendor
                    ));
                }
            }
        }
    }

    let tsv = render(&table, &report, options);
    Generated { table, tsv, report }
}

fn render(table: &OuiTable, report: &Report, options: &GenerateOptions) -> String {
    let mut h = String::new();
    let _ = writeln!(
        h,
        "# camaudit: MAC address blocks of surveillance-equipment makers and their vendor ids."
    );
    let _ = writeln!(
        h,
        "# Data: IEEE Registration Authority, registries MA-L, MA-M, MA-S and IAB (the IEEE asserts no copyright in them)."
    );
    for note in &options.notes {
        let _ = writeln!(h, "# Note: {note}");
    }
    let _ = writeln!(
        h,
        "# Inputs, in precedence order (the first to list a block wins):"
    );
    for (name, format, n) in &report.inputs {
        let _ = writeln!(h, "#   {name} ({}, {n} blocks)", format.describe());
    }
    let _ = writeln!(
        h,
        "# Mapping: data/oui/vendors.toml (organisation name -> vendor id, with confidence and reference; see docs/oui.md)."
    );
    let _ = writeln!(h, "# Generated: {} by `{}`", options.date, options.command);
    let counts: Vec<String> = report
        .per_vendor
        .iter()
        .map(|(v, n)| format!("{v} {n}"))
        .collect();
    let _ = writeln!(h, "# Blocks: {} ({})", table.len(), counts.join(", "));
    h.push_str(&table.to_tsv_rows());
    h
}

/// The lines of a generated file that do not depend on when it was made:
/// all but the `# Generated:` line. For comparing a regenerated table with
/// the committed one.
pub fn stable_lines(tsv: &str) -> Vec<&str> {
    tsv.lines()
        .filter(|l| !l.starts_with("# Generated:"))
        .collect()
}

/// The `# Note:` lines of a generated file, to regenerate it identically.
pub fn notes_of(tsv: &str) -> Vec<String> {
    tsv.lines()
        .filter_map(|l| l.strip_prefix("# Note: "))
        .map(str::to_owned)
        .collect()
}

/// `YYYY-MM-DD` (UTC) of a Unix time, for the header.
pub fn utc_date(unix_seconds: u64) -> String {
    // Howard Hinnant's days-to-civil algorithm.
    let days = (unix_seconds / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

impl OuiTable {
    /// The entry for exactly this block, if kept.
    pub fn lookup_exact(&self, prefix: u64, bits: u32) -> Option<&crate::OuiEntry> {
        let slot = crate::length_slot(bits)?;
        self.index[slot]
            .get(&prefix)
            .and_then(|&i| self.entries.get(i as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping() -> VendorMapping {
        VendorMapping::builtin().unwrap()
    }

    const FRESH: &str = "# manuf\n\
        58:50:ED\tHik\tHangzhou Hikvision Digital Technology Co.,Ltd.\n\
        E4:30:22\tHanwha\tHanwha Vision VietNam\n\
        00:1C:44\tEV\tElectro Voice Dynacord BV\n\
        00:04:7D\tMoto\tMotorola Solutions Inc.\n";
    const STALE: &str = "Registry,Assignment,Organization Name,Organization Address\n\
        MA-L,E43022,Hanwha Techwin Security Vietnam,x\n\
        MA-L,001C44,Bosch Security Systems BV,x\n\
        MA-L,08EDED,\"Zhejiang Dahua Technology Co., Ltd.\",x\n";

    fn sources() -> Vec<Source> {
        vec![
            Source::parse("fresh-manuf", FRESH).unwrap(),
            Source::parse("stale.csv", STALE).unwrap(),
        ]
    }

    #[test]
    fn union_of_blocks_earliest_source_wins() {
        let g = generate(&sources(), &mapping(), &GenerateOptions::default());
        let t = &g.table;
        let org = |p: u64| t.lookup_exact(p, 24).map(|e| e.organisation.as_str());
        // Only in the stale file: kept.
        assert!(t.lookup_exact(0x08EDED, 24).is_some());
        // In both: the fresh name wins.
        assert_eq!(org(0xE43022), Some("Hanwha Vision VietNam"));
        // Renamed to a non-security company in the fresh file: dropped.
        assert_eq!(org(0x001C44), None);
        assert_eq!(g.report.merged, 5);
        assert_eq!(t.len(), 4);
        assert_eq!(
            t.lookup_exact(0x00047D, 24).map(|e| e.vendor.as_str()),
            Some("pelco")
        );
        // Swapping the order lets the stale name win.
        let mut rev = sources();
        rev.reverse();
        let g2 = generate(&rev, &mapping(), &GenerateOptions::default());
        assert_eq!(
            g2.table
                .lookup_exact(0xE43022, 24)
                .map(|e| e.organisation.as_str()),
            Some("Hanwha Techwin Security Vietnam")
        );
        assert!(g2.table.lookup_exact(0x001C44, 24).is_some());
    }

    #[test]
    fn rendered_table_has_attribution_and_reads_back() {
        let opts = GenerateOptions {
            date: "2026-01-02".into(),
            command: "generate x".into(),
            notes: vec!["via somewhere".into()],
        };
        let g = generate(&sources(), &mapping(), &opts);
        assert!(g.tsv.contains("IEEE Registration Authority"));
        assert!(g.tsv.contains("# Note: via somewhere\n"));
        assert!(
            g.tsv
                .contains("#   fresh-manuf (Wireshark manuf, 4 blocks)\n")
        );
        assert!(g.tsv.contains("# Generated: 2026-01-02 by `generate x`\n"));
        let back = OuiTable::from_tsv(&g.tsv).unwrap();
        assert_eq!(back.entries(), g.table.entries());
        assert_eq!(notes_of(&g.tsv), vec!["via somewhere".to_string()]);
        let other = generate(
            &sources(),
            &mapping(),
            &GenerateOptions {
                date: "2027-01-01".into(),
                ..opts.clone()
            },
        );
        assert_eq!(stable_lines(&g.tsv), stable_lines(&other.tsv));
        assert!(
            g.report
                .block_rules_applied
                .iter()
                .any(|l| l.contains("00047D"))
        );
        assert!(g.report.to_string().contains("pelco"));
    }

    #[test]
    fn shadowed_blocks_are_reported() {
        let text = "58:50:ED\tHik\tHangzhou Hikvision Digital Technology Co.,Ltd.\n\
                    58:50:ED:10/28\tX\tSomeone Else\n";
        let g = generate(
            &[Source::parse("m", text).unwrap()],
            &mapping(),
            &GenerateOptions::default(),
        );
        assert_eq!(g.report.shadowed.len(), 1, "{:?}", g.report.shadowed);
    }

    #[test]
    fn oui_txt_and_empty_files_are_refused() {
        let txt =
            "OUI/MA-L\t\t\tOrganization\ncompany_id\n\n58-50-ED   (hex)\t\tHangzhou Hikvision\n";
        let err = Source::parse("oui.txt", txt).unwrap_err().to_string();
        assert!(err.contains("oui.csv"), "{err}");
        let err = Source::parse("empty", "# nothing\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no address blocks"), "{err}");
    }

    #[test]
    fn dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_767_225_600), "2026-01-01");
    }
}
