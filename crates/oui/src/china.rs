//! MAC blocks registered to organisations at a mainland-China address.
//!
//! The UK test reaches every maker established in the PRC, but most PRC
//! registrants in the IEEE listing are not camera makers the registry knows,
//! and many Western devices carry Chinese-made network modules (Wi-Fi chips,
//! Ethernet boards). A block registered at a mainland-China address is
//! therefore only a weak *verify* hint for a device nothing else identifies:
//! it never names a maker and never makes a device covered.
//!
//! The table `data/oui/china-address-blocks.tsv` is generated from the IEEE
//! CSV files (the only inputs that carry addresses) by the `generate`
//! example with `--china-out`; it holds the blocks the vendor mapping does
//! not map, in the format of the vendor table with the pseudo-vendor
//! [`CHINA_ADDRESS_VENDOR`].

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use camaudit_model::{Confidence, VendorId};

use crate::generate::{GenerateOptions, Source, merge};
use crate::parse::normalise_name;
use crate::{OuiEntry, OuiTable, VendorMapping};

/// The generated table compiled into the binary.
pub const BUILTIN_CHINA_TABLE: &str = include_str!("../../../data/oui/china-address-blocks.tsv");

/// The pseudo-vendor of every row of the China-address table: not a maker,
/// a place of registration.
pub const CHINA_ADDRESS_VENDOR: &str = "china-address";

/// How little a China-address block says about the maker of a device.
pub const CHINA_ADDRESS_CONFIDENCE: f64 = 0.2;

/// Places the IEEE writes with the country code CN that are not the
/// mainland (Hong Kong and Macau registrants sometimes carry CN), or that
/// name Taiwan.
const NOT_MAINLAND: [&str; 6] = [
    "hong kong",
    "hongkong",
    "kowloon",
    "macau",
    "macao",
    "taiwan",
];

/// Whether an IEEE registrant address is in mainland China: it carries the
/// country code `CN` as a word of its own and names none of Hong Kong,
/// Kowloon, Macau or Taiwan.
pub fn mainland_china_address(address: &str) -> bool {
    let has_cn = address
        .split(|c: char| c.is_whitespace() || c == ',')
        .any(|w| w == "CN");
    let lower = address.to_lowercase();
    has_cn && !NOT_MAINLAND.iter().any(|p| lower.contains(p))
}

/// The China-address table built into the binary, parsed on first use.
/// Should the embedded file ever be unreadable (the crate's tests rule it
/// out), the table is empty: a missing hint, never a wrong verdict.
pub fn china_address_blocks() -> &'static OuiTable {
    static TABLE: OnceLock<OuiTable> = OnceLock::new();
    TABLE.get_or_init(|| OuiTable::from_tsv(BUILTIN_CHINA_TABLE).unwrap_or_default())
}

/// The blocks of `sources` that `mapping` leaves unmapped and whose
/// registrant, as the freshest input names it, is listed at a mainland-China
/// address. The address comes from an input that has one (an IEEE CSV), and
/// only if that input names the same registrant: a block that changed hands
/// since has an unknown address and is left out.
pub fn china_address_table(sources: &[Source], mapping: &VendorMapping) -> OuiTable {
    let mut addresses: HashMap<(u32, u64), (&str, &str)> = HashMap::new();
    for source in sources {
        for b in &source.blocks {
            if let Some(a) = &b.address {
                addresses
                    .entry((b.bits, b.prefix))
                    .or_insert((b.organisation.as_str(), a.as_str()));
            }
        }
    }
    let Ok(vendor) = VendorId::new(CHINA_ADDRESS_VENDOR) else {
        return OuiTable::default();
    };
    let confidence = Confidence::new(CHINA_ADDRESS_CONFIDENCE).unwrap_or(Confidence::ZERO);
    let entries = merge(sources)
        .into_iter()
        .filter(|b| {
            mapping
                .classify(b.prefix, b.bits, &b.organisation)
                .is_none()
        })
        .filter(|b| {
            addresses
                .get(&(b.bits, b.prefix))
                .is_some_and(|(org, addr)| {
                    same_name(org, &b.organisation) && mainland_china_address(addr)
                })
        })
        .map(|b| OuiEntry {
            prefix: b.prefix,
            bits: b.bits,
            registry: b.registry,
            organisation: b.organisation,
            vendor: vendor.clone(),
            confidence,
        })
        .collect();
    OuiTable::from_entries(entries)
}

fn same_name(a: &str, b: &str) -> bool {
    normalise_name(a).to_lowercase() == normalise_name(b).to_lowercase()
}

/// The China-address table as a file: a header naming its origin and
/// meaning, then the rows of [`OuiTable::to_tsv_rows`].
pub fn render_china_table(
    table: &OuiTable,
    sources: &[Source],
    options: &GenerateOptions,
) -> String {
    let mut h = String::new();
    let _ = writeln!(
        h,
        "# camaudit: MAC address blocks registered at a mainland-China address whose registrant the vendor mapping does not map."
    );
    let _ = writeln!(
        h,
        "# A weak 'verify' hint only: never a maker, never a covered verdict (docs/oui.md, China-address blocks)."
    );
    let _ = writeln!(
        h,
        "# Data: IEEE Registration Authority, registries MA-L, MA-M, MA-S and IAB (the IEEE asserts no copyright in them); addresses from the IEEE CSV files only."
    );
    for note in &options.notes {
        let _ = writeln!(h, "# Note: {note}");
    }
    let _ = writeln!(
        h,
        "# Inputs, in precedence order (the first to list a block names it):"
    );
    for s in sources {
        let _ = writeln!(
            h,
            "#   {} ({}, {} blocks)",
            s.name,
            s.format.describe(),
            s.blocks.len()
        );
    }
    let _ = writeln!(h, "# Generated: {} by `{}`", options.date, options.command);
    let _ = writeln!(h, "# Blocks: {}", table.len());
    h.push_str(&table.to_tsv_rows());
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use camaudit_model::Mac;

    const CSV: &str = "Registry,Assignment,Organization Name,Organization Address\n\
MA-L,5850ED,\"Hangzhou Hikvision Digital Technology Co.,Ltd.\",\"No.555 Qianmo Road Hangzhou Zhejiang CN 310052 \"\n\
MA-L,24A160,Espressif Inc.,\"Room 204, Building 2, 690 Bibo Rd Shanghai Shanghai CN 201203 \"\n\
MA-L,708976,Tuya Smart Inc.,\"FLAT/RM 806 8/F CHEUNG SHA WAN PLAZA 833 CHEUNG SHA WAN ROAD KL hongkong Hong Kong CN 999077 \"\n\
MA-L,ACCC8E,Axis Communications AB,Emdalavagen 14 Lund  SE 22369 \n\
MA-L,AABBC0,Old Owner Ltd,\"Some Road Shenzhen Guangdong CN 518000 \"\n";

    const MANUF: &str = "AA:BB:C0\tNewOwner\tNew Owner GmbH\n";

    fn sources() -> Vec<Source> {
        vec![
            Source::parse("manuf", MANUF).unwrap(),
            Source::parse("oui.csv", CSV).unwrap(),
        ]
    }

    #[test]
    fn mainland_addresses_are_told_from_hong_kong_and_others() {
        assert!(mainland_china_address(
            "No.555 Qianmo Road Hangzhou Zhejiang CN 310052"
        ));
        assert!(!mainland_china_address(
            "833 CHEUNG SHA WAN ROAD KL hongkong Hong Kong CN 999077"
        ));
        assert!(!mainland_china_address("Tiding Blvd. Taipei  TW 114"));
        assert!(!mainland_china_address("CNC Road Lund SE 22369"));
        assert!(!mainland_china_address(""));
    }

    #[test]
    fn only_unmapped_blocks_at_a_mainland_address_whose_owner_is_unchanged() {
        let table = china_address_table(&sources(), &VendorMapping::builtin().unwrap());
        let prefixes: Vec<String> = table.entries().iter().map(|e| e.prefix_hex()).collect();
        // Hikvision is mapped, Tuya is in Hong Kong, Axis in Sweden, and
        // AA-BB-C0 changed hands (the fresh input names another owner).
        assert_eq!(prefixes, ["24A160"]);
        let mac: Mac = "24:a1:60:01:02:03".parse().unwrap();
        let hit = table.lookup(&mac).unwrap();
        assert_eq!(hit.organisation, "Espressif Inc.");
        assert_eq!(hit.vendor.as_str(), CHINA_ADDRESS_VENDOR);
        assert!(hit.confidence.get() <= 0.2);
    }

    #[test]
    fn the_rendered_table_reads_back() {
        let srcs = sources();
        let table = china_address_table(&srcs, &VendorMapping::builtin().unwrap());
        let text = render_china_table(
            &table,
            &srcs,
            &GenerateOptions {
                date: "2026-12-01".into(),
                command: "test".into(),
                notes: vec![],
            },
        );
        let back = OuiTable::from_tsv(&text).unwrap();
        assert_eq!(back.entries(), table.entries());
    }

    #[test]
    fn the_builtin_table_parses_and_is_not_empty() {
        let t = OuiTable::from_tsv(BUILTIN_CHINA_TABLE).unwrap();
        assert!(t.len() > 1000, "{} blocks", t.len());
        assert!(
            t.entries()
                .iter()
                .all(|e| e.vendor.as_str() == CHINA_ADDRESS_VENDOR)
        );
    }
}
