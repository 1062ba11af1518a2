//! The clocks devices print: HTTP `Date` headers, the ctime-style dates of
//! the GoAhead-derived servers, and the UTC fields of ONVIF's
//! `GetSystemDateAndTime`. Always UTC, from the host's clock.

use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// `Sun, 28 May 2023 09:56:24 GMT` (RFC 9110 IMF-fixdate).
const HTTP_DATE: &[BorrowedFormatItem<'_>] = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

/// `Sat Mar 11 13:40:50 2017`: asctime's layout, with the day zero-padded
/// as the GoAhead-derived servers print it.
const CTIME_DATE: &[BorrowedFormatItem<'_>] = format_description!(
    "[weekday repr:short] [month repr:short] [day] [hour]:[minute]:[second] [year]"
);

/// The current time as an HTTP `Date` header value.
pub fn http_date() -> String {
    http_date_at(OffsetDateTime::now_utc())
}

/// The current time as the GoAhead-derived servers print it.
pub fn ctime_date() -> String {
    ctime_date_at(OffsetDateTime::now_utc())
}

/// The current time in UTC, for answers that spell out its fields.
pub fn utc_now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn http_date_at(t: OffsetDateTime) -> String {
    // Formatting a UTC time with a description of plain fields cannot fail
    // (years are four digits until 9999); empty is the harmless fallback.
    t.format(HTTP_DATE).unwrap_or_default()
}

fn ctime_date_at(t: OffsetDateTime) -> String {
    t.format(CTIME_DATE).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(unix: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(unix).unwrap()
    }

    #[test]
    fn http_dates_are_imf_fixdates() {
        assert_eq!(http_date_at(at(0)), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            http_date_at(at(1_685_267_784)),
            "Sun, 28 May 2023 09:56:24 GMT"
        );
        // A leap day, and a day of 19,000 since the epoch.
        assert_eq!(
            http_date_at(at(951_782_400 + 3_723)),
            "Tue, 29 Feb 2000 01:02:03 GMT"
        );
        assert_eq!(
            http_date_at(at(19_000 * 86_400)),
            "Sat, 08 Jan 2022 00:00:00 GMT"
        );
        assert!(http_date().ends_with(" GMT"));
    }

    #[test]
    fn ctime_dates_pad_the_day_with_a_zero() {
        assert_eq!(ctime_date_at(at(1_489_239_650)), "Sat Mar 11 13:40:50 2017");
        assert_eq!(ctime_date_at(at(1_488_330_000)), "Wed Mar 01 01:00:00 2017");
        assert_eq!(ctime_date().len(), 24);
    }
}
