//! Readers for the two formats the IEEE registry is distributed in.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::OuiError;

/// Which IEEE registry a block belongs to; this fixes its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Registry {
    /// MAC Address Block Large: a 24-bit OUI (16.7 M addresses).
    MaL,
    /// MAC Address Block Medium: 28 bits (1 M addresses).
    MaM,
    /// MAC Address Block Small: 36 bits (4096 addresses).
    MaS,
    /// Individual Address Block, the closed predecessor of MA-S: 36 bits.
    Iab,
}

impl Registry {
    pub const ALL: [Registry; 4] = [Registry::MaL, Registry::MaM, Registry::MaS, Registry::Iab];

    /// The IEEE's name: `MA-L`, `MA-M`, `MA-S` or `IAB`.
    pub fn as_str(self) -> &'static str {
        match self {
            Registry::MaL => "MA-L",
            Registry::MaM => "MA-M",
            Registry::MaS => "MA-S",
            Registry::Iab => "IAB",
        }
    }

    /// Prefix length of the blocks in this registry.
    pub fn bits(self) -> u32 {
        match self {
            Registry::MaL => 24,
            Registry::MaM => 28,
            Registry::MaS | Registry::Iab => 36,
        }
    }

    /// Parses the IEEE's name, ignoring case and surrounding space.
    pub fn from_name(s: &str) -> Option<Registry> {
        let s = s.trim();
        Registry::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s))
    }

    /// The registry of a block known only by prefix and length (the manuf
    /// format does not say). The IAB registry was carved out of two OUIs,
    /// 00-50-C2 and 40-D8-55; every other 36-bit block is MA-S.
    pub fn infer(prefix: u64, bits: u32) -> Option<Registry> {
        match bits {
            24 => Some(Registry::MaL),
            28 => Some(Registry::MaM),
            36 => {
                let oui = prefix >> 12;
                if oui == 0x0050C2 || oui == 0x40D855 {
                    Some(Registry::Iab)
                } else {
                    Some(Registry::MaS)
                }
            }
            _ => None,
        }
    }
}

impl fmt::Display for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Registry {
    type Err = OuiError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Registry::from_name(s).ok_or_else(|| {
            OuiError::Mapping(format!(
                "unknown registry {s:?}: expected MA-L, MA-M, MA-S or IAB"
            ))
        })
    }
}

impl Serialize for Registry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One registry entry as read from a file, before vendor mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawBlock {
    /// The block's leading `bits` bits as an integer (`0x5850ED` for
    /// 58-50-ED /24), comparable with [`camaudit_model::Mac::prefix_bits`].
    pub prefix: u64,
    /// 24, 28 or 36.
    pub bits: u32,
    pub registry: Registry,
    /// The organisation name as registered, with runs of white space
    /// collapsed to one space.
    pub organisation: String,
    /// 1-based line of the source file the block came from.
    pub line: usize,
    /// The registrant's address, where the source gives one (the IEEE CSV
    /// files do; Wireshark's `manuf` does not).
    pub address: Option<String>,
}

/// The two file formats [`parse_source`] recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// Wireshark's `manuf` (`tshark -G manuf`): `PREFIX<TAB>short<TAB>long`.
    Manuf,
    /// The IEEE's CSV download: `Registry,Assignment,Organization Name,Organization Address`.
    IeeeCsv,
}

impl SourceFormat {
    pub fn describe(self) -> &'static str {
        match self {
            SourceFormat::Manuf => "Wireshark manuf",
            SourceFormat::IeeeCsv => "IEEE CSV",
        }
    }
}

/// Tells the formats apart by the first line that is not blank or a
/// comment: an IEEE CSV starts with its `Registry,Assignment,…` header.
pub fn detect_format(text: &str) -> SourceFormat {
    let first = strip_bom(text)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    match first {
        Some(l)
            if l.to_ascii_lowercase().starts_with("registry,")
                || l.to_ascii_lowercase().starts_with("\"registry\",") =>
        {
            SourceFormat::IeeeCsv
        }
        _ => SourceFormat::Manuf,
    }
}

/// Parses either format, chosen by [`detect_format`].
pub fn parse_source(text: &str) -> Result<(SourceFormat, Vec<RawBlock>), OuiError> {
    let format = detect_format(text);
    let blocks = match format {
        SourceFormat::Manuf => parse_manuf(text)?,
        SourceFormat::IeeeCsv => parse_ieee_csv(text)?,
    };
    Ok((format, blocks))
}

fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Collapses white space (tabs, CR, runs of spaces) so that names compare
/// and print cleanly; the table format is tab-separated.
pub(crate) fn normalise_name(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parses Wireshark's `manuf` file.
///
/// Lines are `PREFIX<TAB>short name[<TAB>long name]`; the long name (the
/// registered organisation) is used when present, else the short one. A
/// prefix is three octets (`58:50:ED`, a /24) or carries its length
/// (`08:26:AE:30/28`, `70:B3:D5:0C:C0/36`, `00:1B:C5:00:00:00/36`); `:`, `-`
/// and `.` separate octets. Blank lines and `#` comments are skipped, as is
/// a byte-order mark; CRLF line ends are accepted. Older files wrote the long
/// name as a `# comment`: that form is read too.
///
/// Any other line is an error naming its line number, rather than skipped:
/// a truncated or corrupted download must not silently lose blocks.
pub fn parse_manuf(text: &str) -> Result<Vec<RawBlock>, OuiError> {
    let mut out = Vec::new();
    for (i, raw) in strip_bom(text).lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (spec, rest): (&str, Vec<&str>) = if line.contains('\t') {
            let mut parts = line.split('\t').map(str::trim);
            let spec = parts.next().unwrap_or_default();
            (spec, parts.filter(|p| !p.is_empty()).collect())
        } else {
            match line.split_once(char::is_whitespace) {
                Some((spec, rest)) => (spec, vec![rest.trim()]),
                None => (line, Vec::new()),
            }
        };
        let name = match rest.as_slice() {
            [] => {
                return Err(OuiError::syntax(
                    line_no,
                    format!("{spec:?} has no organisation name"),
                ));
            }
            [short] => *short,
            [_, long, ..] => long.trim_start_matches('#').trim(),
        };
        let organisation = normalise_name(name);
        if organisation.is_empty() {
            return Err(OuiError::syntax(
                line_no,
                format!("{spec:?} has an empty organisation name"),
            ));
        }
        let (prefix, bits) = parse_prefix_spec(spec).map_err(|m| OuiError::syntax(line_no, m))?;
        let registry = Registry::infer(prefix, bits).ok_or_else(|| {
            OuiError::syntax(line_no, format!("unsupported prefix length /{bits}"))
        })?;
        out.push(RawBlock {
            prefix,
            bits,
            registry,
            organisation,
            line: line_no,
            address: None,
        });
    }
    Ok(out)
}

/// `58:50:ED` → (0x5850ED, 24); `08:26:AE:30/28` → (0x826AE3, 28).
fn parse_prefix_spec(spec: &str) -> Result<(u64, u32), String> {
    let (hex, bits) = match spec.split_once('/') {
        Some((hex, bits)) => {
            let bits: u32 = bits
                .trim()
                .parse()
                .map_err(|_| format!("{spec:?}: prefix length {bits:?} is not a number"))?;
            (hex, Some(bits))
        }
        None => (spec, None),
    };
    let mut value: u64 = 0;
    let mut nibbles: u32 = 0;
    for c in hex.trim().chars() {
        if matches!(c, ':' | '-' | '.') {
            continue;
        }
        let d = c
            .to_digit(16)
            .ok_or_else(|| format!("{spec:?}: {c:?} is not a hex digit"))?;
        nibbles += 1;
        if nibbles > 12 {
            return Err(format!("{spec:?}: longer than a MAC address"));
        }
        value = value << 4 | u64::from(d);
    }
    let bits = match bits {
        Some(b @ (24 | 28 | 36)) => b,
        Some(b) => {
            return Err(format!(
                "{spec:?}: unsupported prefix length /{b} (IEEE blocks are /24, /28 or /36)"
            ));
        }
        None if nibbles == 6 => 24,
        None => {
            return Err(format!(
                "{spec:?}: expected three octets (a /24) or an explicit /28 or /36"
            ));
        }
    };
    let width = nibbles * 4;
    if width < bits {
        return Err(format!(
            "{spec:?}: /{bits} needs at least {} hex digits",
            bits / 4
        ));
    }
    let host = width - bits;
    if value & ((1u64 << host) - 1) != 0 {
        return Err(format!("{spec:?}: bits beyond /{bits} are set"));
    }
    Ok((value >> host, bits))
}

/// Parses the IEEE's CSV download (`oui.csv`, `mam.csv`, `oui36.csv`,
/// `iab.csv`): a header naming `Registry`, `Assignment` and
/// `Organization Name` (in any order, other columns ignored), then one row per
/// block. Quoted fields with commas and doubled quotes, a byte-order mark,
/// CRLF line ends, blank lines and `#` comment lines are accepted.
///
/// A row with an unknown registry, an assignment that is not hexadecimal or
/// does not have the length its registry implies (6, 7 or 9 digits), or too
/// few fields is an error naming its line.
pub fn parse_ieee_csv(text: &str) -> Result<Vec<RawBlock>, OuiError> {
    let text = strip_bom(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    // The csv crate reports where it began scanning for a record, before
    // any line ends, blank lines and comments it skipped (and its line count
    // takes CRLF for two line ends), so line numbers are computed here.
    let bytes = text.as_bytes();
    let newlines: Vec<usize> = bytes
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n')
        .map(|(i, _)| i)
        .collect();
    let line_at = |pos: Option<&csv::Position>| {
        let Some(p) = pos else { return 1 };
        let mut i = usize::try_from(p.byte())
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        loop {
            while i < bytes.len() && matches!(bytes[i], b'\r' | b'\n') {
                i += 1;
            }
            if i < bytes.len() && bytes[i] == b'#' {
                i = bytes[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |n| i + n);
                continue;
            }
            break;
        }
        newlines.partition_point(|&n| n < i) + 1
    };
    let csv_line = |e: &csv::Error| line_at(e.position());
    let headers = reader
        .headers()
        .map_err(|e| OuiError::syntax(csv_line(&e), format!("unreadable CSV header: {e}")))?
        .clone();
    let column = |names: &[&str]| {
        headers.iter().position(|h| {
            let h = h.trim().trim_start_matches('\u{feff}');
            names.iter().any(|n| h.eq_ignore_ascii_case(n))
        })
    };
    let (Some(reg_col), Some(asg_col), Some(org_col)) = (
        column(&["Registry"]),
        column(&["Assignment"]),
        column(&["Organization Name", "Organisation Name"]),
    ) else {
        return Err(OuiError::syntax(
            1,
            format!(
                "not an IEEE registry CSV: header {:?} lacks Registry, Assignment and Organization Name",
                headers.iter().collect::<Vec<_>>().join(",")
            ),
        ));
    };
    let needed = reg_col.max(asg_col).max(org_col) + 1;
    let addr_col = column(&["Organization Address", "Organisation Address"]);

    let mut out = Vec::new();
    for record in reader.records() {
        let record =
            record.map_err(|e| OuiError::syntax(csv_line(&e), format!("malformed CSV: {e}")))?;
        let line_no = line_at(record.position());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.iter().any(|f| f.contains(['\n', '\r'])) {
            return Err(OuiError::syntax(
                line_no,
                "malformed CSV: a field spans lines (unbalanced quote?)",
            ));
        }
        if record.len() < needed {
            return Err(OuiError::syntax(
                line_no,
                format!("{} fields, expected at least {needed}", record.len()),
            ));
        }
        let reg_name = &record[reg_col];
        let registry = Registry::from_name(reg_name).ok_or_else(|| {
            OuiError::syntax(
                line_no,
                format!("unknown registry {reg_name:?} (expected MA-L, MA-M, MA-S or IAB)"),
            )
        })?;
        let assignment: String = record[asg_col]
            .chars()
            .filter(|c| !matches!(c, ':' | '-' | '.'))
            .collect();
        let digits = (registry.bits() / 4) as usize;
        if assignment.len() != digits || !assignment.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(OuiError::syntax(
                line_no,
                format!(
                    "assignment {:?} is not {digits} hex digits as {registry} requires",
                    &record[asg_col]
                ),
            ));
        }
        let prefix = u64::from_str_radix(&assignment, 16)
            .map_err(|e| OuiError::syntax(line_no, format!("assignment {assignment:?}: {e}")))?;
        out.push(RawBlock {
            prefix,
            bits: registry.bits(),
            registry,
            organisation: normalise_name(&record[org_col]),
            line: line_no,
            address: addr_col
                .and_then(|c| record.get(c))
                .map(normalise_name)
                .filter(|a| !a.is_empty()),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANUF: &str = "\u{feff}# comment line\r\n\
        #\r\n\
        58:50:ED         \tHikvisionDig\tHangzhou Hikvision Digital Technology Co.,Ltd.\r\n\
        \r\n\
        08:26:AE:30/28   \tHaiyingZhili\tShenzhen Hai yingZhilian Industrial Co., Ltd.\n\
        70:B3:D5:0C:C0/36\tADMiTASCCTVT\tADMiTAS CCTV Taiwan Co. Ltd\n\
        00:50:C2:00:30:00/36\tOldIab\n\
        00:00:0C\tCisco\t# Cisco Systems, Inc\n\
        00-40-8c\tAxis\tAxis  Communications\tAB\n";

    #[test]
    fn manuf_reads_all_prefix_forms() {
        let blocks = parse_manuf(MANUF).unwrap();
        let got: Vec<(u64, u32, Registry, &str, usize)> = blocks
            .iter()
            .map(|b| {
                (
                    b.prefix,
                    b.bits,
                    b.registry,
                    b.organisation.as_str(),
                    b.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    0x5850ED,
                    24,
                    Registry::MaL,
                    "Hangzhou Hikvision Digital Technology Co.,Ltd.",
                    3
                ),
                (
                    0x826AE3,
                    28,
                    Registry::MaM,
                    "Shenzhen Hai yingZhilian Industrial Co., Ltd.",
                    5
                ),
                (
                    0x70B3D50CC,
                    36,
                    Registry::MaS,
                    "ADMiTAS CCTV Taiwan Co. Ltd",
                    6
                ),
                (0x0050C2003, 36, Registry::Iab, "OldIab", 7),
                (0x00000C, 24, Registry::MaL, "Cisco Systems, Inc", 8),
                (0x00408C, 24, Registry::MaL, "Axis Communications", 9),
            ]
        );
    }

    #[test]
    fn manuf_rejects_malformed_lines_with_their_line_number() {
        for (bad, what) in [
            ("58:50:EX\tX\tX Corp", "not a hex digit"),
            ("58:50\tX\tX Corp", "three octets"),
            ("58:50:ED:12\tX\tX Corp", "three octets"),
            ("08:26:AE:31/28\tX\tX Corp", "beyond /28"),
            ("08:26:AE:30/40\tX\tX Corp", "unsupported prefix length"),
            ("08:26:AE:30/x\tX\tX Corp", "not a number"),
            ("08:26/28\tX\tX Corp", "needs at least 7"),
            ("58:50:ED", "no organisation"),
            ("00:11:22:33:44:55:66/36\tX\tX", "longer than a MAC"),
        ] {
            let text = format!("# header\n00:00:0C\tCisco\tCisco Systems\n{bad}\n");
            let err = parse_manuf(&text).unwrap_err();
            let msg = err.to_string();
            assert!(msg.starts_with("line 3: "), "{bad:?}: {msg}");
            assert!(msg.contains(what), "{bad:?}: {msg}");
        }
    }

    const CSV: &str = "\u{feff}Registry,Assignment,Organization Name,Organization Address\r\n\
        MA-L,5850ED,\"Hangzhou Hikvision Digital Technology Co.,Ltd.\",\"No.555 Qianmo Road Hangzhou Zhejiang CN 310052 \"\r\n\
        \r\n\
        # a comment\r\n\
        MA-M,741AE09,Private,\r\n\
        MA-S,70B3D5F2F,TELEPLATFORMS,\"Polbina st., 3/1 Moscow  RU 109388 \"\r\n\
        IAB,0050C27D5,\"DEUTA-WERKE \"\"the\"\" GmbH\",Paffrather Strasse 140\r\n";

    #[test]
    fn ieee_csv_reads_quotes_bom_crlf_and_comments() {
        let blocks = parse_ieee_csv(CSV).unwrap();
        let got: Vec<(u64, u32, Registry, &str, usize)> = blocks
            .iter()
            .map(|b| {
                (
                    b.prefix,
                    b.bits,
                    b.registry,
                    b.organisation.as_str(),
                    b.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    0x5850ED,
                    24,
                    Registry::MaL,
                    "Hangzhou Hikvision Digital Technology Co.,Ltd.",
                    2
                ),
                (0x741AE09, 28, Registry::MaM, "Private", 5),
                (0x70B3D5F2F, 36, Registry::MaS, "TELEPLATFORMS", 6),
                (
                    0x0050C27D5,
                    36,
                    Registry::Iab,
                    "DEUTA-WERKE \"the\" GmbH",
                    7
                ),
            ]
        );
    }

    #[test]
    fn ieee_csv_columns_may_be_reordered() {
        let text = "Organization Name,Registry,Assignment\nAxis Communications AB,MA-L,ACCC8E\n";
        let blocks = parse_ieee_csv(text).unwrap();
        assert_eq!(blocks[0].prefix, 0xACCC8E);
        assert_eq!(blocks[0].organisation, "Axis Communications AB");
    }

    #[test]
    fn ieee_csv_rejects_malformed_rows_with_their_line_number() {
        for (bad, what) in [
            ("MA-X,5850ED,Foo,Bar", "unknown registry"),
            ("MA-L,5850E,Foo,Bar", "not 6 hex digits"),
            ("MA-M,5850ED,Foo,Bar", "not 7 hex digits"),
            ("MA-S,5850EDZZZ,Foo,Bar", "not 9 hex digits"),
            ("MA-L", "fields"),
            (
                "MA-L,5850ED,\"Foo,x\nMA-L,ACCC8E,Axis,x",
                "unbalanced quote",
            ),
        ] {
            let text = format!(
                "Registry,Assignment,Organization Name,Organization Address\nMA-L,00408C,Axis,x\n{bad}\n"
            );
            let err = parse_ieee_csv(&text).unwrap_err();
            let msg = err.to_string();
            assert!(msg.starts_with("line 3: "), "{bad:?}: {msg}");
            assert!(msg.contains(what), "{bad:?}: {msg}");
        }
        let err = parse_ieee_csv("Foo,Bar\n1,2\n").unwrap_err();
        assert!(
            err.to_string().contains("not an IEEE registry CSV"),
            "{err}"
        );
    }

    #[test]
    fn formats_are_told_apart() {
        assert_eq!(detect_format(MANUF), SourceFormat::Manuf);
        assert_eq!(detect_format(CSV), SourceFormat::IeeeCsv);
        assert_eq!(
            detect_format("# x\n\nregistry,assignment\n"),
            SourceFormat::IeeeCsv
        );
        let (fmt, blocks) = parse_source(CSV).unwrap();
        assert_eq!((fmt, blocks.len()), (SourceFormat::IeeeCsv, 4));
    }

    #[test]
    fn registry_names_and_inference() {
        for r in Registry::ALL {
            assert_eq!(Registry::from_name(r.as_str()), Some(r));
            assert_eq!(r.to_string(), r.as_str());
        }
        assert_eq!(Registry::from_name(" ma-l "), Some(Registry::MaL));
        assert_eq!(Registry::from_name("CID"), None);
        assert_eq!(Registry::infer(0x40D855123, 36), Some(Registry::Iab));
        assert_eq!(Registry::infer(0x8C1F64053, 36), Some(Registry::MaS));
        assert_eq!(Registry::infer(0x1, 40), None);
    }
}
