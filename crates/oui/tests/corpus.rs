//! Checks against the real IEEE data in the shared corpus (see
//! `/work/shared/corpus/README.md`): the committed table must be exactly what
//! the generator makes from it, and must hold every block the 2026 registry
//! gives the covered makers. The corpus is found at `$CAMAUDIT_CORPUS`, else
//! at `<workspace>/../shared/corpus`; without it these tests say so on
//! standard error and pass.

use std::path::{Path, PathBuf};

use camaudit_model::{Mac, VendorId};
use camaudit_oui::generate::{GenerateOptions, Source, generate, notes_of, stable_lines};
use camaudit_oui::{BUILTIN_TABLE, OuiTable, VendorMapping, parse_manuf};

/// The inputs in the order docs/oui.md gives them: freshest first.
const INPUTS: [&str; 5] = [
    "wireshark-manuf",
    "ieee-ma-l.csv",
    "ieee-ma-m.csv",
    "ieee-ma-s.csv",
    "ieee-iab.csv",
];

fn corpus_oui() -> Option<PathBuf> {
    let dir = camaudit_testkit::corpus_part("oui")?;
    let missing: Vec<&str> = INPUTS
        .iter()
        .filter(|f| !dir.join(f).is_file())
        .copied()
        .collect();
    assert!(
        missing.is_empty(),
        "the IEEE corpus in {} lacks {missing:?}",
        dir.display()
    );
    Some(dir)
}

fn read_sources(dir: &Path) -> Vec<Source> {
    INPUTS
        .iter()
        .map(|f| Source::read(&dir.join(f)).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

fn vendor(s: &str) -> VendorId {
    VendorId::new(s).unwrap()
}

#[test]
fn committed_table_is_what_the_generator_makes_from_the_corpus() {
    let Some(dir) = corpus_oui() else { return };
    let mapping = VendorMapping::builtin().unwrap();
    let options = GenerateOptions {
        date: "(ignored)".into(),
        command: "(ignored)".into(),
        notes: notes_of(BUILTIN_TABLE),
    };
    let generated = generate(&read_sources(&dir), &mapping, &options);
    let want = stable_lines(BUILTIN_TABLE);
    let got = stable_lines(&generated.tsv);
    if let Some((i, (g, w))) = got.iter().zip(&want).enumerate().find(|(_, (g, w))| g != w) {
        panic!(
            "data/oui/surveillance-vendors.tsv is stale (first difference at stable line {}):\n  committed: {w}\n  generated: {g}\nregenerate it as docs/oui.md says",
            i + 1
        );
    }
    assert_eq!(
        got.len(),
        want.len(),
        "data/oui/surveillance-vendors.tsv is stale (length differs); regenerate it as docs/oui.md says"
    );
    assert!(
        generated.report.shadowed.is_empty(),
        "{:?}",
        generated.report.shadowed
    );
}

#[test]
fn from_sources_on_the_corpus_gives_the_builtin_table() {
    let Some(dir) = corpus_oui() else { return };
    let paths: Vec<PathBuf> = INPUTS.iter().map(|f| dir.join(f)).collect();
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let table = OuiTable::from_sources(&refs, &VendorMapping::builtin().unwrap()).unwrap();
    assert_eq!(table.entries(), OuiTable::builtin().entries());
}

/// Every block the 2026 manuf file registers to an organisation whose name
/// contains `needle` (a plain substring, independent of the mapping's
/// regexes) is in the built-in table with `want` as its vendor.
fn manuf_blocks_present(dir: &Path, needle: &str, want: &str) -> usize {
    let text = std::fs::read_to_string(dir.join("wireshark-manuf")).unwrap();
    let blocks = parse_manuf(&text).unwrap();
    let table = OuiTable::builtin();
    let mut n = 0;
    for b in blocks
        .iter()
        .filter(|b| b.organisation.to_lowercase().contains(needle))
    {
        n += 1;
        let hit = table
            .entries()
            .iter()
            .find(|e| e.prefix == b.prefix && e.bits == b.bits)
            .unwrap_or_else(|| panic!("{:X}/{} ({}) missing", b.prefix, b.bits, b.organisation));
        assert_eq!(
            hit.vendor,
            vendor(want),
            "{:X}/{} ({})",
            b.prefix,
            b.bits,
            b.organisation
        );
    }
    n
}

#[test]
fn every_hikvision_block_of_the_2026_registry_is_in_the_table() {
    let Some(dir) = corpus_oui() else { return };
    // The corpus README counts 86 Hikvision blocks in the 2026 data (84
    // Hangzhou Hikvision, 2 Prama Hikvision India).
    assert_eq!(manuf_blocks_present(&dir, "hikvision", "hikvision"), 86);
    assert_eq!(
        OuiTable::builtin()
            .vendor_blocks(&vendor("hikvision"))
            .len(),
        86
    );
}

#[test]
fn every_dahua_and_uniview_block_of_the_2026_registry_is_in_the_table() {
    let Some(dir) = corpus_oui() else { return };
    assert_eq!(manuf_blocks_present(&dir, "zhejiang dahua", "dahua"), 33);
    assert_eq!(manuf_blocks_present(&dir, "uniview", "uniview"), 5);
    assert_eq!(manuf_blocks_present(&dir, "ezviz", "ezviz"), 15);
    assert_eq!(manuf_blocks_present(&dir, "huacheng network", "imou"), 6);
    assert_eq!(manuf_blocks_present(&dir, "tiandy", "tiandy"), 3);
}

#[test]
fn known_device_addresses_resolve() {
    // Runs without the corpus: the built-in table is committed.
    let table = OuiTable::builtin();
    for (mac, want, rule) in [
        ("58:50:ed:1f:e3:85", "hikvision", "oui:MA-L:5850ED"),
        ("44:47:cc:37:ce:81", "hikvision", "oui:MA-L:4447CC"),
        ("bc:ad:28:88:94:98", "hikvision", "oui:MA-L:BCAD28"),
        ("08:ed:ed:87:42:7a", "dahua", "oui:MA-L:08EDED"),
        ("48:ea:63:8b:07:91", "uniview", "oui:MA-L:48EA63"),
        ("ac:cc:8e:00:00:01", "axis", "oui:MA-L:ACCC8E"),
        ("00:04:7d:12:34:56", "pelco", "oui:MA-L:00047D"),
        ("7c:e4:a1:71:00:01", "bosch", "oui:MA-M:7CE4A17"),
        ("00:50:c2:b0:40:01", "ubiquiti", "oui:IAB:0050C2B04"),
    ] {
        let m = Mac::parse(mac).unwrap();
        let e = table
            .lookup(&m)
            .unwrap_or_else(|| panic!("{mac}: not found"));
        assert_eq!(
            (e.vendor.as_str(), e.rule_id().as_str()),
            (want, rule),
            "{mac}"
        );
    }
    for mac in [
        // Next to Bosch's /28 but outside it.
        "7c:e4:a1:80:00:01",
        // Cisco, not mapped.
        "00:00:0c:12:34:56",
        // A Hikvision OUI with the locally-administered bit set.
        "5a:50:ed:1f:e3:85",
    ] {
        assert!(table.lookup(&Mac::parse(mac).unwrap()).is_none(), "{mac}");
    }
}

#[test]
fn committed_china_address_table_is_what_the_generator_makes_from_the_corpus() {
    use camaudit_oui::china::{
        BUILTIN_CHINA_TABLE, CHINA_ADDRESS_VENDOR, china_address_table, render_china_table,
    };
    let Some(dir) = corpus_oui() else { return };
    let mapping = VendorMapping::builtin().unwrap();
    let sources = read_sources(&dir);
    let table = china_address_table(&sources, &mapping);
    let options = GenerateOptions {
        date: "(ignored)".into(),
        command: "(ignored)".into(),
        notes: notes_of(BUILTIN_CHINA_TABLE),
    };
    let text = render_china_table(&table, &sources, &options);
    assert!(
        stable_lines(&text) == stable_lines(BUILTIN_CHINA_TABLE),
        "data/oui/china-address-blocks.tsv is stale; regenerate it as docs/oui.md says"
    );
    // No block of a mapped maker is in it, and known PRC module makers are.
    let vendors = OuiTable::builtin();
    for e in table.entries() {
        let mac = Mac([
            (e.prefix >> (e.bits - 8)) as u8,
            (e.prefix >> (e.bits - 16)) as u8,
            (e.prefix >> (e.bits - 24)) as u8,
            0,
            0,
            0,
        ]);
        assert_eq!(e.vendor.as_str(), CHINA_ADDRESS_VENDOR);
        if e.bits == 24 {
            assert!(
                vendors.lookup(&mac).is_none(),
                "{} is mapped",
                e.prefix_hex()
            );
        }
    }
    let orgs: Vec<&str> = table
        .entries()
        .iter()
        .map(|e| e.organisation.as_str())
        .collect();
    assert!(orgs.contains(&"Espressif Inc."), "Espressif missing");
    assert!(orgs.iter().any(|o| o.starts_with("Xiaomi Communications")));
    assert!(!orgs.iter().any(|o| o.starts_with("Hangzhou Hikvision")));
    assert!(
        !orgs.iter().any(|o| o.starts_with("Tuya Smart")),
        "Hong Kong and US Tuya blocks are not mainland"
    );
}
