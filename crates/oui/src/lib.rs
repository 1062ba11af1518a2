//! MAC address prefix → IEEE-registered organisation → camaudit vendor id.
//!
//! The IEEE Registration Authority assigns blocks of MAC addresses to
//! organisations: 24-bit OUIs (registry MA-L), 28-bit blocks (MA-M) and
//! 36-bit blocks (MA-S, and the older IAB). A device's burned-in address thus
//! names the company that bought the block, which for camera makers is
//! usually the maker of the device. This crate
//!
//! - reads the registry in both formats it is commonly downloaded in, the
//!   IEEE's CSV files ([`parse_ieee_csv`]) and Wireshark's `manuf` file
//!   ([`parse_manuf`]);
//! - maps organisation names to camaudit vendor ids with the reviewed,
//!   example-tested regexes of `data/oui/vendors.toml` ([`VendorMapping`]);
//! - keeps the blocks of the vendors camaudit cares about in an [`OuiTable`]
//!   with longest-prefix lookup in at most three hash probes.
//!
//! The table built into the binary ([`OuiTable::builtin`]) is
//! `data/oui/surveillance-vendors.tsv`, generated from the IEEE data by
//! `cargo run -p camaudit-oui --example generate` ([`generate`]); users can
//! build one from fresh downloads instead ([`OuiTable::from_sources`]).
//! `docs/oui.md` says where the data comes from and how to refresh it.
//!
//! Blocks registered at a mainland-China address that no mapping rule
//! claims are kept apart ([`china::china_address_blocks`]): a weak hint to
//! verify a device, never a maker.
//!
//! Locally administered addresses (randomised by phones, set by hand) and
//! group addresses are never looked up: they say nothing about who made the
//! hardware.

pub mod china;
mod error;
pub mod generate;
mod mapping;
mod parse;

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;
use std::sync::OnceLock;

use camaudit_model::{Confidence, Mac, VendorId};

pub use error::OuiError;
pub use mapping::{BUILTIN_MAPPING, BlockRule, Match, OrganisationRule, VendorMapping};
pub use parse::{
    RawBlock, Registry, SourceFormat, detect_format, parse_ieee_csv, parse_manuf, parse_source,
};

/// The generated table compiled into the binary.
pub const BUILTIN_TABLE: &str = include_str!("../../../data/oui/surveillance-vendors.tsv");

/// The column header of the table format.
pub const TABLE_HEADER: &str = "prefix\tbits\tregistry\tvendor\torganisation\tconfidence";

/// One registered block of a vendor camaudit knows.
#[derive(Debug, Clone, PartialEq)]
pub struct OuiEntry {
    /// The block's leading `bits` bits (`0x5850ED` for 58-50-ED /24),
    /// as [`Mac::prefix_bits`] returns them.
    pub prefix: u64,
    /// 24, 28 or 36.
    pub bits: u32,
    pub registry: Registry,
    /// The organisation as registered.
    pub organisation: String,
    pub vendor: VendorId,
    /// What an address in this block says about the device's maker.
    pub confidence: Confidence,
}

impl OuiEntry {
    /// The prefix in upper-case hex, 6, 7 or 9 digits: `5850ED`.
    pub fn prefix_hex(&self) -> String {
        format!("{:0width$X}", self.prefix, width = (self.bits / 4) as usize)
    }

    /// The id evidence cites: `oui:MA-L:5850ED`.
    pub fn rule_id(&self) -> String {
        format!("oui:{}:{}", self.registry, self.prefix_hex())
    }

    /// Whether `mac` lies in this block.
    pub fn contains(&self, mac: &Mac) -> bool {
        mac.prefix_bits(self.bits) == self.prefix
    }

    /// The first address of the block, for sorting blocks of different sizes.
    fn start(&self) -> u64 {
        self.prefix << (48 - self.bits)
    }
}

/// A fast hasher for prefixes, which are already well-distributed integers.
#[derive(Default)]
struct PrefixHasher(u64);

impl Hasher for PrefixHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 32)
    }
}

type PrefixMap = HashMap<u64, u32, BuildHasherDefault<PrefixHasher>>;

/// Prefix lengths, longest first: the lookup order.
const LENGTHS: [u32; 3] = [36, 28, 24];

fn length_slot(bits: u32) -> Option<usize> {
    LENGTHS.iter().position(|&b| b == bits)
}

/// Vendor blocks with longest-prefix lookup.
#[derive(Debug, Clone, Default)]
pub struct OuiTable {
    entries: Vec<OuiEntry>,
    index: [PrefixMap; 3],
}

impl OuiTable {
    /// The table generated from the IEEE registry and compiled into the
    /// binary, parsed on first use.
    ///
    /// # Panics
    /// If the embedded file is malformed, which the crate's tests rule out.
    pub fn builtin() -> &'static OuiTable {
        static BUILTIN: OnceLock<OuiTable> = OnceLock::new();
        BUILTIN.get_or_init(|| match OuiTable::from_tsv(BUILTIN_TABLE) {
            Ok(t) => t,
            Err(e) => panic!("embedded data/oui/surveillance-vendors.tsv is invalid: {e}"),
        })
    }

    /// Builds a table from registry files a user downloaded: the IEEE's
    /// CSVs (`oui.csv`, `mam.csv`, `oui36.csv`, `iab.csv`) and/or Wireshark's
    /// `manuf`, in any mix, the format of each detected from its content.
    ///
    /// When two files list the same block, the **earlier path wins**: list
    /// the freshest file first. Only blocks the mapping gives a vendor are
    /// kept. A file that cannot be read or parsed is an error naming it and
    /// the line; so is a file with no blocks at all.
    pub fn from_sources(paths: &[&Path], mapping: &VendorMapping) -> Result<OuiTable, OuiError> {
        if paths.is_empty() {
            return Err(OuiError::Mapping(
                "no registry files given: pass IEEE CSV or Wireshark manuf files".into(),
            ));
        }
        let mut sources = Vec::with_capacity(paths.len());
        for path in paths {
            sources.push(generate::Source::read(path)?);
        }
        Ok(OuiTable::from_blocks(generate::merge(&sources), mapping))
    }

    /// Keeps the blocks `mapping` gives a vendor. When a block occurs more
    /// than once, its first occurrence wins.
    pub fn from_blocks<I>(blocks: I, mapping: &VendorMapping) -> OuiTable
    where
        I: IntoIterator<Item = RawBlock>,
    {
        let mut cache: HashMap<String, Option<(VendorId, Confidence)>> = HashMap::new();
        let mut entries = Vec::new();
        for block in blocks {
            let classified = match mapping.block_rule(block.prefix, block.bits) {
                Some(_) => mapping
                    .classify(block.prefix, block.bits, &block.organisation)
                    .map(|m| (m.vendor().clone(), m.confidence())),
                None => cache
                    .entry(block.organisation.clone())
                    .or_insert_with(|| {
                        mapping
                            .match_organisation(&block.organisation)
                            .map(|r| (r.vendor.clone(), r.confidence))
                    })
                    .clone(),
            };
            if let Some((vendor, confidence)) = classified {
                entries.push(OuiEntry {
                    prefix: block.prefix,
                    bits: block.bits,
                    registry: block.registry,
                    organisation: block.organisation,
                    vendor,
                    confidence,
                });
            }
        }
        OuiTable::from_entries(entries)
    }

    /// Indexes entries; of two entries for the same block the first is kept.
    /// Entries are ordered by vendor, then address.
    pub fn from_entries(entries: Vec<OuiEntry>) -> OuiTable {
        let mut seen: [PrefixMap; 3] = Default::default();
        let mut kept = Vec::with_capacity(entries.len());
        for e in entries {
            let Some(slot) = length_slot(e.bits) else {
                continue;
            };
            if seen[slot].insert(e.prefix, 0).is_none() {
                kept.push(e);
            }
        }
        kept.sort_by(|a, b| {
            (a.vendor.as_str(), a.start(), a.bits).cmp(&(b.vendor.as_str(), b.start(), b.bits))
        });
        let mut index: [PrefixMap; 3] = Default::default();
        for (i, e) in kept.iter().enumerate() {
            if let Some(slot) = length_slot(e.bits) {
                index[slot].insert(e.prefix, i as u32);
            }
        }
        OuiTable {
            entries: kept,
            index,
        }
    }

    /// The block `mac` belongs to, the longest (/36, then /28, then /24)
    /// first. `None` for locally administered and group addresses.
    #[inline]
    pub fn lookup(&self, mac: &Mac) -> Option<&OuiEntry> {
        if mac.0[0] & 0x03 != 0 {
            return None;
        }
        for (slot, &bits) in LENGTHS.iter().enumerate() {
            if self.index[slot].is_empty() {
                continue;
            }
            if let Some(&i) = self.index[slot].get(&mac.prefix_bits(bits)) {
                return self.entries.get(i as usize);
            }
        }
        None
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// All entries, ordered by vendor, then address.
    pub fn entries(&self) -> &[OuiEntry] {
        &self.entries
    }

    /// The blocks of one vendor, in address order.
    pub fn vendor_blocks(&self, vendor: &VendorId) -> Vec<&OuiEntry> {
        self.entries
            .iter()
            .filter(|e| &e.vendor == vendor)
            .collect()
    }

    /// Number of blocks per vendor.
    pub fn vendor_counts(&self) -> BTreeMap<VendorId, usize> {
        let mut counts = BTreeMap::new();
        for e in &self.entries {
            *counts.entry(e.vendor.clone()).or_insert(0) += 1;
        }
        counts
    }

    /// The table rows in the format of `data/oui/surveillance-vendors.tsv`:
    /// [`TABLE_HEADER`], then one tab-separated line per entry.
    pub fn to_tsv_rows(&self) -> String {
        let mut out = String::with_capacity(64 * (self.entries.len() + 1));
        out.push_str(TABLE_HEADER);
        out.push('\n');
        for e in &self.entries {
            out.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\t{}\n",
                e.prefix_hex(),
                e.bits,
                e.registry,
                e.vendor,
                parse::normalise_name(&e.organisation),
                e.confidence.get()
            ));
        }
        out
    }

    /// Reads the table format: `#` comment lines, the [`TABLE_HEADER`] line,
    /// then rows of prefix hex, bits, registry, vendor, organisation and
    /// confidence separated by tabs.
    pub fn from_tsv(text: &str) -> Result<OuiTable, OuiError> {
        let err = |line: usize, message: String| OuiError::Table { line, message };
        let mut entries = Vec::new();
        let mut header_seen = false;
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = raw.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            if !header_seen {
                if line != TABLE_HEADER {
                    return Err(err(line_no, format!("expected header {TABLE_HEADER:?}")));
                }
                header_seen = true;
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let [prefix, bits, registry, vendor, organisation, confidence] = cols[..] else {
                return Err(err(line_no, format!("{} columns, expected 6", cols.len())));
            };
            let bits: u32 = bits
                .parse()
                .map_err(|_| err(line_no, format!("bits {bits:?} is not a number")))?;
            let registry = Registry::from_name(registry)
                .ok_or_else(|| err(line_no, format!("unknown registry {registry:?}")))?;
            if registry.bits() != bits || prefix.len() != (bits / 4) as usize {
                return Err(err(
                    line_no,
                    format!("{prefix} /{bits} does not fit registry {registry}"),
                ));
            }
            let prefix = u64::from_str_radix(prefix, 16)
                .map_err(|e| err(line_no, format!("prefix {prefix:?}: {e}")))?;
            let vendor = VendorId::new(vendor).map_err(|e| err(line_no, e.to_string()))?;
            let confidence = confidence
                .parse::<f64>()
                .map_err(|e| e.to_string())
                .and_then(|c| Confidence::new(c).map_err(|e| e.to_string()))
                .map_err(|e| err(line_no, format!("confidence {confidence:?}: {e}")))?;
            entries.push(OuiEntry {
                prefix,
                bits,
                registry,
                organisation: organisation.to_owned(),
                vendor,
                confidence,
            });
        }
        if !header_seen {
            return Err(err(1, format!("no header {TABLE_HEADER:?}")));
        }
        Ok(OuiTable::from_entries(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(s: &str) -> Mac {
        Mac::parse(s).unwrap()
    }

    fn entry(prefix: u64, bits: u32, vendor: &str) -> OuiEntry {
        OuiEntry {
            prefix,
            bits,
            registry: Registry::infer(prefix, bits).unwrap(),
            organisation: format!("{vendor} Ltd"),
            vendor: VendorId::new(vendor).unwrap(),
            confidence: Confidence::new(0.9).unwrap(),
        }
    }

    fn nested() -> OuiTable {
        OuiTable::from_entries(vec![
            entry(0x70B3D5, 24, "registry-authority"),
            entry(0x70B3D57, 28, "medium"),
            entry(0x70B3D57F2, 36, "small"),
            entry(0x5850ED, 24, "hikvision"),
        ])
    }

    #[test]
    fn longest_prefix_wins() {
        let t = nested();
        let v = |m: &str| t.lookup(&mac(m)).map(|e| e.vendor.to_string());
        assert_eq!(v("70:b3:d5:7f:21:00").as_deref(), Some("small"));
        assert_eq!(v("70:b3:d5:7f:30:00").as_deref(), Some("medium"));
        assert_eq!(v("70:b3:d5:70:00:00").as_deref(), Some("medium"));
        assert_eq!(
            v("70:b3:d5:80:00:00").as_deref(),
            Some("registry-authority")
        );
        assert_eq!(v("58:50:ed:1f:e3:85").as_deref(), Some("hikvision"));
        assert_eq!(v("58:50:ee:1f:e3:85"), None);
        // Insertion order does not matter.
        let mut rev = t.entries().to_vec();
        rev.reverse();
        let t2 = OuiTable::from_entries(rev);
        assert_eq!(
            t2.lookup(&mac("70:b3:d5:7f:21:00"))
                .map(|e| e.vendor.as_str()),
            Some("small")
        );
    }

    #[test]
    fn local_and_group_addresses_are_not_looked_up() {
        let t = OuiTable::from_entries(vec![
            entry(0x5A50ED, 24, "local"),
            entry(0x5950ED, 24, "group"),
            entry(0x5850ED, 24, "hikvision"),
        ]);
        assert!(t.lookup(&mac("5a:50:ed:1f:e3:85")).is_none());
        assert!(t.lookup(&mac("59:50:ed:1f:e3:85")).is_none());
        assert!(t.lookup(&mac("58:50:ed:1f:e3:85")).is_some());
    }

    #[test]
    fn first_entry_for_a_block_wins() {
        let t = OuiTable::from_entries(vec![
            entry(0x5850ED, 24, "first"),
            entry(0x5850ED, 24, "second"),
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(t.entries()[0].vendor.as_str(), "first");
    }

    #[test]
    fn rule_ids_and_hex() {
        let t = nested();
        let e = t.lookup(&mac("70:b3:d5:7f:21:00")).unwrap();
        assert_eq!(e.rule_id(), "oui:MA-S:70B3D57F2");
        assert_eq!(entry(0x5850ED, 24, "x").rule_id(), "oui:MA-L:5850ED");
        assert_eq!(entry(0x826AE3, 28, "x").rule_id(), "oui:MA-M:0826AE3");
        assert_eq!(entry(0x0050C27D5, 36, "x").rule_id(), "oui:IAB:0050C27D5");
        assert!(e.contains(&mac("70:b3:d5:7f:2f:ff")));
        assert!(!e.contains(&mac("70:b3:d5:7f:30:00")));
    }

    #[test]
    fn tsv_round_trips() {
        let t = nested();
        let text = format!("# comment\n{}", t.to_tsv_rows());
        let back = OuiTable::from_tsv(&text).unwrap();
        assert_eq!(back.entries(), t.entries());
        assert_eq!(
            back.vendor_counts().get(&VendorId::new("small").unwrap()),
            Some(&1)
        );
        assert_eq!(
            back.vendor_blocks(&VendorId::new("hikvision").unwrap())
                .len(),
            1
        );
    }

    #[test]
    fn tsv_errors_name_the_line() {
        for (row, what) in [
            ("5850ED\t24\tMA-L\thikvision\tX", "columns"),
            ("5850ED\t28\tMA-L\thikvision\tX\t0.9", "does not fit"),
            ("5850E\t24\tMA-L\thikvision\tX\t0.9", "does not fit"),
            ("5850EG\t24\tMA-L\thikvision\tX\t0.9", "prefix"),
            ("5850ED\t24\tMA-X\thikvision\tX\t0.9", "registry"),
            ("5850ED\t24\tMA-L\tHikvision\tX\t0.9", "vendor id"),
            ("5850ED\t24\tMA-L\thikvision\tX\t1.9", "confidence"),
        ] {
            let text = format!("# c\n{TABLE_HEADER}\n{row}\n");
            let msg = OuiTable::from_tsv(&text).unwrap_err().to_string();
            assert!(msg.starts_with("OUI table line 3:"), "{row}: {msg}");
            assert!(msg.contains(what), "{row}: {msg}");
        }
        assert!(OuiTable::from_tsv("# only comments\n").is_err());
        assert!(OuiTable::from_tsv("prefix\tbits\n").is_err());
    }

    #[test]
    fn builtin_table_parses_and_knows_the_big_makers() {
        let t = OuiTable::builtin();
        let counts = t.vendor_counts();
        for v in ["hikvision", "dahua", "uniview", "axis", "hanwha", "bosch"] {
            assert!(
                counts.get(&VendorId::new(v).unwrap()).copied().unwrap_or(0) > 0,
                "no {v} blocks in the built-in table"
            );
        }
        let e = t.lookup(&mac("58:50:ed:1f:e3:85")).unwrap();
        assert_eq!(
            (e.vendor.as_str(), e.rule_id().as_str()),
            ("hikvision", "oui:MA-L:5850ED")
        );
    }

    #[test]
    fn from_blocks_applies_mapping_and_block_rules() {
        let mapping = VendorMapping::builtin().unwrap();
        let blocks = parse_manuf(
            "58:50:ED\tHik\tHangzhou Hikvision Digital Technology Co.,Ltd.\n\
             00:04:7D\tMotorola\tMotorola Solutions Inc.\n\
             10:74:6F\tMotorola\tMotorola Solutions Malaysia Sdn. Bhd.\n\
             00:00:0C\tCisco\tCisco Systems, Inc\n\
             58:50:ED\tLater\tSomebody Else\n",
        )
        .unwrap();
        let t = OuiTable::from_blocks(blocks, &mapping);
        assert_eq!(t.len(), 3);
        let v = |m: &str| t.lookup(&mac(m)).map(|e| e.vendor.to_string());
        assert_eq!(v("58:50:ed:00:00:01").as_deref(), Some("hikvision"));
        assert_eq!(v("00:04:7d:00:00:01").as_deref(), Some("pelco"));
        assert_eq!(
            v("10:74:6f:00:00:01").as_deref(),
            Some("motorola-solutions")
        );
        assert_eq!(v("00:00:0c:00:00:01"), None);
    }
}
