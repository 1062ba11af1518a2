//! Firmware build dates, the one version fact PRC camera firmware reliably
//! carries.
//!
//! Version numbers are no use for ordering across product lines (Hikvision
//! `V5.5.800` and `V5.7.1` are different platforms, not a newer and an older
//! build), but vendors identify fixes by build date: Hikvision
//! `V5.5.800 build 210628`, Dahua `V2.800.0000000.16.R, Build Date: 2021-07-17`,
//! firmware file names such as `DH_IPC-HX1XXX-Eos3_Eng_P_V2.420.0000.11.R.20170620`
//! or `IPC_G3_EN_STD_5.5.160_210416`. Advisories state their ranges the same
//! way ("build time before June 2021"), so a build date is what a device's
//! firmware is compared on.
//!
//! The parser reads untrusted text from devices and asset registers: it
//! works on bytes with checked access, never panics, and answers `None`
//! rather than guess.

use std::fmt;
use std::ops::RangeInclusive;

use serde::{Serialize, Serializer};
use time::Date;

use super::{PartialDate, calendar_date, write_day};

/// A firmware build date: a real calendar day from 1990 to 2099. Ordered
/// by date; written and serialized as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BuildDate(Date);

impl BuildDate {
    /// The years a build date may have: firmware of these devices is no
    /// older, and a later "date" is a misread number.
    pub const YEARS: RangeInclusive<i32> = 1990..=2099;

    /// A valid calendar date in [`BuildDate::YEARS`], or `None`.
    pub fn new(year: u16, month: u8, day: u8) -> Option<BuildDate> {
        calendar_date(i32::from(year), u32::from(month), u32::from(day))
            .and_then(BuildDate::from_date)
    }

    /// The date, when it is in [`BuildDate::YEARS`].
    pub fn from_date(date: Date) -> Option<BuildDate> {
        BuildDate::YEARS
            .contains(&date.year())
            .then_some(BuildDate(date))
    }

    /// The first day of a registry date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`):
    /// "before 2021-06" means before 2021-06-01.
    pub fn first_day_of(registry_date: &str) -> Option<BuildDate> {
        PartialDate::parse_iso(registry_date, BuildDate::YEARS)
            .ok()?
            .first_day()
            .and_then(BuildDate::from_date)
    }

    pub fn date(self) -> Date {
        self.0
    }

    pub fn year(self) -> u16 {
        // In 1990..=2099 by construction.
        u16::try_from(self.0.year()).unwrap_or(0)
    }

    pub fn month(self) -> u8 {
        u8::from(self.0.month())
    }

    pub fn day(self) -> u8 {
        self.0.day()
    }
}

impl fmt::Display for BuildDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_day(f, self.0)
    }
}

impl Serialize for BuildDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Longer strings are not firmware versions; they are cut here so that a
/// hostile cell in an asset register costs nothing.
const MAX_INPUT: usize = 256;

/// The build date in a firmware version string, or `None` when there is no
/// recognisable one.
///
/// Read, in this order of trust:
/// 1. a date after the word `build` (optionally `build date`/`build time`,
///    then `:`, `=`, `_`, spaces): `build 210628`, `Build Date: 2021-07-17`,
///    `build:2020-12-30`, `Build190909`;
/// 2. otherwise the last ISO-style date anywhere: `… 2021-07-17`;
/// 3. otherwise the last 8-digit (`YYYYMMDD`) or 6-digit (`YYMMDD`) number
///    standing alone between separators, as in firmware file names:
///    `….R.20170620`, `…_5.5.160_210416`, `2.800.00AC000.0.R.200330`.
///
/// Each must be a real calendar date between 1990 and 2099 (six digits are
/// read as 20YY).
pub fn parse_build_date(firmware: &str) -> Option<BuildDate> {
    let end = floor_char_boundary(firmware, MAX_INPUT);
    let text = firmware.get(..end)?.to_ascii_lowercase();
    let b = text.as_bytes();
    after_build_keyword(b)
        .or_else(|| last_iso_date(b))
        .or_else(|| last_bare_number_date(b))
}

/// The largest index ≤ `max` that is a char boundary (so slicing cannot
/// split a multi-byte character).
fn floor_char_boundary(s: &str, max: usize) -> usize {
    if s.len() <= max {
        return s.len();
    }
    (0..=max)
        .rev()
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0)
}

fn after_build_keyword(b: &[u8]) -> Option<BuildDate> {
    let mut from = 0;
    while let Some(at) = find(b, b"build", from) {
        let mut i = at + b"build".len();
        i = skip(b, i, |c| c == b' ');
        for word in [&b"date"[..], b"time"] {
            if b.get(i..i + word.len()) == Some(word) {
                i += word.len();
            }
        }
        i = skip(b, i, |c| {
            matches!(c, b' ' | b':' | b'=' | b'_' | b'-' | b'.')
        });
        let date = iso_date_at(b, i)
            .or_else(|| day_month_year_at(b, i))
            .or_else(|| number_date_at(b, i));
        if date.is_some() {
            return date;
        }
        from = at + 1;
    }
    None
}

fn last_iso_date(b: &[u8]) -> Option<BuildDate> {
    (0..b.len())
        .rev()
        .filter(|&i| starts_token(b, i))
        .find_map(|i| iso_date_at(b, i))
}

fn last_bare_number_date(b: &[u8]) -> Option<BuildDate> {
    (0..b.len())
        .rev()
        .filter(|&i| starts_token(b, i))
        .find_map(|i| number_date_at(b, i))
}

/// Whether a digit run may start at `i`: a digit not preceded by a letter or
/// digit (so the `2021` inside `AC2021` or `x20210101` is not a date).
fn starts_token(b: &[u8], i: usize) -> bool {
    let is_digit = b.get(i).is_some_and(u8::is_ascii_digit);
    let prev_ok = i == 0 || b.get(i - 1).is_some_and(|c| !c.is_ascii_alphanumeric());
    is_digit && prev_ok
}

/// `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYY.MM.DD` (month and day may have one
/// digit) starting at `i` and not followed by another digit.
fn iso_date_at(b: &[u8], i: usize) -> Option<BuildDate> {
    let (year, i) = digits(b, i, 4, 4)?;
    let sep = *b.get(i)?;
    if !matches!(sep, b'-' | b'/' | b'.') {
        return None;
    }
    let (month, i) = digits(b, i + 1, 1, 2)?;
    if b.get(i) != Some(&sep) {
        return None;
    }
    let (day, _) = digits(b, i + 1, 1, 2)?;
    BuildDate::new(year as u16, month as u8, day as u8)
}

/// `DD-MM-YYYY` as some recorders show it after "Build Date" (`27-08-2021`),
/// or the US `MM-DD-YYYY`. Only read after the `build` keyword, and only
/// when the two readings do not give different real dates (`05-06-2021` is
/// ambiguous and gives `None`).
fn day_month_year_at(b: &[u8], i: usize) -> Option<BuildDate> {
    let (first, i) = digits(b, i, 1, 2)?;
    let sep = *b.get(i)?;
    if !matches!(sep, b'-' | b'/' | b'.') {
        return None;
    }
    let (second, i) = digits(b, i + 1, 1, 2)?;
    if b.get(i) != Some(&sep) {
        return None;
    }
    let (year, _) = digits(b, i + 1, 4, 4)?;
    let dmy = BuildDate::new(year as u16, second as u8, first as u8);
    let mdy = BuildDate::new(year as u16, first as u8, second as u8);
    match (dmy, mdy) {
        (Some(a), Some(b)) if a != b => None,
        (a, b) => a.or(b),
    }
}

/// An 8-digit `YYYYMMDD` or 6-digit `YYMMDD` run starting at `i`.
fn number_date_at(b: &[u8], i: usize) -> Option<BuildDate> {
    let (value, end) = digits(b, i, 6, 8)?;
    match end - i {
        8 => BuildDate::new(
            (value / 10_000) as u16,
            (value / 100 % 100) as u8,
            (value % 100) as u8,
        ),
        6 => BuildDate::new(
            2000 + (value / 10_000) as u16,
            (value / 100 % 100) as u8,
            (value % 100) as u8,
        ),
        _ => None,
    }
}

/// A run of `min..=max` ASCII digits at `i`, not followed by another digit:
/// its value and the index after it.
fn digits(b: &[u8], i: usize, min: usize, max: usize) -> Option<(u32, usize)> {
    let len = b
        .get(i..)?
        .iter()
        .take(max + 1)
        .take_while(|c| c.is_ascii_digit())
        .count();
    if len < min || len > max {
        return None;
    }
    let value = b
        .get(i..i + len)?
        .iter()
        .fold(0u32, |acc, c| acc * 10 + u32::from(c - b'0'));
    Some((value, i + len))
}

fn skip(b: &[u8], mut i: usize, pred: impl Fn(u8) -> bool) -> usize {
    while b.get(i).is_some_and(|&c| pred(c)) {
        i += 1;
    }
    i
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<String> {
        parse_build_date(s).map(|d| d.to_string())
    }

    #[test]
    fn hikvision_versions() {
        assert_eq!(d("V5.5.800 build 210628").as_deref(), Some("2021-06-28"));
        assert_eq!(d("V5.4.5 Build 170124").as_deref(), Some("2017-01-24"));
        assert_eq!(d("V5.2.5 build 141201").as_deref(), Some("2014-12-01"));
        assert_eq!(d("V5.5.82_Build190909").as_deref(), Some("2019-09-09"));
        assert_eq!(
            d("IPC_G3_EN_STD_5.5.160_210416").as_deref(),
            Some("2021-04-16")
        );
        assert_eq!(
            d("IPDEX_E7_EN_STD_5.6.30_210526").as_deref(),
            Some("2021-05-26")
        );
        assert_eq!(
            d("IPC_R2_EN_STD_V5.4.81_180203").as_deref(),
            Some("2018-02-03")
        );
    }

    #[test]
    fn dahua_and_oem_versions() {
        let cases = [
            ("V2.800.0000000.16.R, Build Date: 2021-07-17", "2021-07-17"),
            ("2.800.00AC001.0.R,build:2020-12-30", "2020-12-30"),
            ("4.510.0000002.1.R,build:2022-06-13", "2022-06-13"),
            ("V4.001.0000007.1 Build Date 27-08-2021", "2021-08-27"),
            ("V4.001.0000007.1 Build Date 08/27/2021", "2021-08-27"),
            ("2.623.00AC004.0.R.200316", "2020-03-16"),
            ("2.420.AC00.18.R.20200217", "2020-02-17"),
            ("2.800.0000000.6.R.200314.bin", "2020-03-14"),
            (
                "DH_IPC-HX1XXX-Eos3_Eng_P_V2.420.0000.11.R.20170620",
                "2017-06-20",
            ),
            ("2.622_00AC000.0.R.210319", "2021-03-19"),
            ("2.800.0000000.8.R.20241111", "2024-11-11"),
        ];
        for (fw, want) in cases {
            assert_eq!(d(fw).as_deref(), Some(want), "{fw}");
        }
    }

    #[test]
    fn strings_without_a_date_give_none() {
        for fw in [
            "",
            "V5.5.800",
            "2.800.0000000.16.R",
            "3.142.15OG003.0.R",
            "build",
            "Build Date:",
            "build 991399",
            "build 210230",
            "V1.0 build 20211301",
            "AC20210101",
            "serial 1234567890123",
            "2.622.00AC000.0.R.200231",
            "Build Date 05-06-2021",
        ] {
            assert_eq!(d(fw), None, "{fw:?}");
        }
    }

    #[test]
    fn the_keyword_wins_over_other_numbers() {
        // A file-name date and an explicit build date disagree: trust the
        // explicit one.
        assert_eq!(
            d("2.800.0000000.6.R.200314 build 2020-04-01").as_deref(),
            Some("2020-04-01")
        );
        // A bad date after one `build` does not stop the search.
        assert_eq!(
            d("build 999999, build 201231").as_deref(),
            Some("2020-12-31")
        );
    }

    #[test]
    fn registry_dates_give_the_first_day() {
        let r = |s: &str| BuildDate::first_day_of(s).map(|d| d.to_string());
        assert_eq!(r("2021-06").as_deref(), Some("2021-06-01"));
        assert_eq!(r("2021").as_deref(), Some("2021-01-01"));
        assert_eq!(r("2021-06-28").as_deref(), Some("2021-06-28"));
        assert_eq!(r("2021-02-30"), None);
        assert_eq!(r("x"), None);
    }

    /// A deterministic generator, so that the property test needs no crate.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// Never panics, on anything: random bytes drawn mostly from the
    /// characters versions are made of, multi-byte characters, every prefix
    /// and suffix of real versions, and very long input. Whatever it returns
    /// is a real date.
    #[test]
    fn never_panics_and_only_returns_real_dates() {
        let alphabet: Vec<char> = "0123456789.-_/: buildatemBUILDVR,é漢\u{0}\u{feff}"
            .chars()
            .collect();
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        let mut inputs: Vec<String> = Vec::new();
        for _ in 0..20_000 {
            let len = (rng.next() % 40) as usize;
            let s: String = (0..len)
                .map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize])
                .collect();
            inputs.push(s);
        }
        for real in [
            "V5.5.800 build 210628",
            "V2.800.0000000.16.R, Build Date: 2021-07-17",
            "DH_IPC-HX1XXX-Eos3_Eng_P_V2.420.0000.11.R.20170620",
        ] {
            for i in 0..=real.len() {
                inputs.push(real[..i].to_owned());
                inputs.push(real[i..].to_owned());
            }
        }
        inputs.push("9".repeat(10_000));
        inputs.push(format!("{}build 210628", "é".repeat(200)));
        for s in &inputs {
            if let Some(b) = parse_build_date(s) {
                assert_eq!(
                    BuildDate::new(b.year(), b.month(), b.day()),
                    Some(b),
                    "{s:?} gave an impossible date"
                );
            }
        }
    }
}
