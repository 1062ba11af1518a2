//! Dates and times as camaudit reads and writes them, on the `time` crate.
//!
//! - [`PartialDate`]: a date as precise as its source (`2018`, `2021-04`,
//!   `2022-11-24`), the registry's dates and a register's purchase dates;
//!   [`PartialDate::parse_iso`] reads the strict form, [`parse_register_date`]
//!   the ways spreadsheets write one.
//! - [`BuildDate`] and [`parse_build_date`]: the build date in a firmware
//!   version (`V5.5.800 build 210628`), what KEV ranges compare.
//! - [`rfc3339`], [`now_rfc3339`], [`unix_rfc3339`]: when an observation was
//!   made, as `YYYY-MM-DDTHH:MM:SSZ`.
//!
//! Every parser here reads untrusted text: none panics, and each answers
//! `None` (or an error) rather than guess.

mod firmware;
mod register;

use std::fmt;
use std::ops::RangeInclusive;

use serde::{Serialize, Serializer};
pub use time::{Date, Month, OffsetDateTime};

pub use firmware::{BuildDate, parse_build_date};
pub use register::parse_register_date;

/// A calendar date known to a year, a month or a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartialDate {
    Year(i32),
    Month(i32, Month),
    Day(Date),
}

/// Why a text is not a [`PartialDate`]. The caller names the text and where
/// it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("expected YYYY, YYYY-MM or YYYY-MM-DD")]
    Format,
    #[error("year out of range")]
    YearOutOfRange,
    #[error("no month {0}")]
    NoMonth(u32),
    #[error("no day {0} in that month")]
    NoDay(u32),
}

impl PartialDate {
    /// A date from its numbers, or `None` when the month or the day does not
    /// exist (`2023-02-29`) or the year is outside what `time` represents.
    pub fn from_parts(year: i32, month: Option<u32>, day: Option<u32>) -> Option<PartialDate> {
        match (month, day) {
            (None, None) => calendar_date(year, 1, 1).map(|_| PartialDate::Year(year)),
            (Some(m), None) => {
                let month = month_of(m)?;
                calendar_date(year, m, 1).map(|_| PartialDate::Month(year, month))
            }
            (Some(m), Some(d)) => calendar_date(year, m, d).map(PartialDate::Day),
            (None, Some(_)) => None,
        }
    }

    /// Reads `YYYY`, `YYYY-MM` or `YYYY-MM-DD` exactly (zero-padded, `-`
    /// between), with the year in `years`. Checked in this order: the form,
    /// the year, the month, the day.
    pub fn parse_iso(text: &str, years: RangeInclusive<i32>) -> Result<PartialDate, DateError> {
        let parts: Vec<&str> = text.split('-').collect();
        if parts.len() > 3 {
            return Err(DateError::Format);
        }
        let mut nums = [0u32; 3];
        for (i, (part, width)) in parts.iter().zip([4, 2, 2]).enumerate() {
            if part.len() != width || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(DateError::Format);
            }
            nums[i] = part.parse().map_err(|_| DateError::Format)?;
        }
        let [year, month, day] = nums;
        // Four ASCII digits always fit.
        let year = i32::try_from(year).map_err(|_| DateError::Format)?;
        if !years.contains(&year) {
            return Err(DateError::YearOutOfRange);
        }
        let month = (parts.len() >= 2).then_some(month);
        let day = (parts.len() == 3).then_some(day);
        if let Some(m) = month
            && month_of(m).is_none()
        {
            return Err(DateError::NoMonth(m));
        }
        PartialDate::from_parts(year, month, day).ok_or(DateError::NoDay(day.unwrap_or(0)))
    }

    pub fn year(self) -> i32 {
        match self {
            PartialDate::Year(y) | PartialDate::Month(y, _) => y,
            PartialDate::Day(d) => d.year(),
        }
    }

    /// The first day of the period: "before 2021-06" means before
    /// 2021-06-01. `None` only for a year `time` cannot represent.
    pub fn first_day(self) -> Option<Date> {
        match self {
            PartialDate::Year(y) => Date::from_calendar_date(y, Month::January, 1).ok(),
            PartialDate::Month(y, m) => Date::from_calendar_date(y, m, 1).ok(),
            PartialDate::Day(d) => Some(d),
        }
    }
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            PartialDate::Year(y) => write!(f, "{y:04}"),
            PartialDate::Month(y, m) => write!(f, "{y:04}-{:02}", u8::from(m)),
            PartialDate::Day(d) => write_day(f, d),
        }
    }
}

impl Serialize for PartialDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// `YYYY-MM-DD`.
fn write_day(f: &mut fmt::Formatter<'_>, d: Date) -> fmt::Result {
    write!(
        f,
        "{:04}-{:02}-{:02}",
        d.year(),
        u8::from(d.month()),
        d.day()
    )
}

fn month_of(m: u32) -> Option<Month> {
    u8::try_from(m).ok().and_then(|m| Month::try_from(m).ok())
}

/// The date, when it exists.
fn calendar_date(year: i32, month: u32, day: u32) -> Option<Date> {
    let day = u8::try_from(day).ok()?;
    Date::from_calendar_date(year, month_of(month)?, day).ok()
}

/// `at` in UTC as RFC 3339 to the second: `2023-11-14T22:13:20Z`. A year
/// outside 0000–9999 (which RFC 3339 cannot write) is clamped into it.
pub fn rfc3339(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let year = at.year().clamp(0, 9999);
    format!(
        "{year:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// The current time, as [`rfc3339`] writes it.
pub fn now_rfc3339() -> String {
    rfc3339(OffsetDateTime::now_utc())
}

/// Unix seconds as [`rfc3339`] writes them, or `None` outside the years
/// `time` represents (±9999).
pub fn unix_rfc3339(secs: i64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp(secs).ok().map(rfc3339)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_seconds_as_rfc3339() {
        assert_eq!(unix_rfc3339(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(
            unix_rfc3339(951_782_400).as_deref(),
            Some("2000-02-29T00:00:00Z")
        );
        assert_eq!(
            unix_rfc3339(1_700_000_000).as_deref(),
            Some("2023-11-14T22:13:20Z")
        );
        assert_eq!(unix_rfc3339(i64::MAX), None);
    }

    #[test]
    fn rfc3339_is_utc_to_the_second() {
        let at = time::macros::datetime!(2024-02-29 23:30:15.75 -02:00);
        assert_eq!(rfc3339(at), "2024-03-01T01:30:15Z");
        let now = now_rfc3339();
        assert_eq!(now.len(), "2023-11-14T22:13:20Z".len(), "{now}");
        assert!(now.ends_with('Z'), "{now}");
    }

    #[test]
    fn iso_dates_at_three_precisions() {
        let p = |s| PartialDate::parse_iso(s, 1900..=2100).map(|d| d.to_string());
        assert_eq!(p("2018").as_deref(), Ok("2018"));
        assert_eq!(p("2021-04").as_deref(), Ok("2021-04"));
        assert_eq!(p("2024-02-29").as_deref(), Ok("2024-02-29"));
        assert_eq!(p("2018-4"), Err(DateError::Format));
        assert_eq!(p("2022/11/24"), Err(DateError::Format));
        assert_eq!(p("2022-11-24-01"), Err(DateError::Format));
        assert_eq!(p(""), Err(DateError::Format));
        assert_eq!(p("1800"), Err(DateError::YearOutOfRange));
        // The year is checked before the month.
        assert_eq!(p("1800-13"), Err(DateError::YearOutOfRange));
        assert_eq!(p("2018-13"), Err(DateError::NoMonth(13)));
        assert_eq!(p("2018-00"), Err(DateError::NoMonth(0)));
        assert_eq!(p("2023-02-29"), Err(DateError::NoDay(29)));
        assert_eq!(p("2022-11-00"), Err(DateError::NoDay(0)));
    }

    #[test]
    fn a_period_starts_on_its_first_day() {
        let first = |s| {
            PartialDate::parse_iso(s, 1900..=2100)
                .ok()
                .and_then(PartialDate::first_day)
        };
        assert_eq!(first("2021-06"), Some(time::macros::date!(2021 - 06 - 01)));
        assert_eq!(first("2021"), Some(time::macros::date!(2021 - 01 - 01)));
        assert_eq!(
            first("2021-06-28"),
            Some(time::macros::date!(2021 - 06 - 28))
        );
        assert_eq!(PartialDate::Year(2021).year(), 2021);
    }

    #[test]
    fn partial_dates_serialize_as_written() {
        let d = PartialDate::from_parts(2024, Some(3), None).expect("a month");
        assert_eq!(serde_json::to_string(&d).expect("json"), "\"2024-03\"");
        assert_eq!(PartialDate::from_parts(2024, None, Some(1)), None);
        assert_eq!(PartialDate::from_parts(2024, Some(2), Some(30)), None);
    }
}
