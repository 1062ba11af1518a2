//! The clocks devices print: HTTP `Date` headers, the ctime-style dates of
//! the GoAhead-derived servers, and the UTC fields of ONVIF's
//! `GetSystemDateAndTime`.

use std::time::{SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

struct Now {
    wd: &'static str,
    y: i64,
    mo: &'static str,
    mon: u32,
    d: u32,
    h: u64,
    mi: u64,
    s: u64,
}

fn now() -> Now {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let (y, m, d) = civil(days);
    let t = secs % 86_400;
    Now {
        wd: WEEKDAYS[(days % 7) as usize],
        y,
        mo: MONTHS[(m - 1) as usize],
        mon: m,
        d,
        h: t / 3600,
        mi: t % 3600 / 60,
        s: t % 60,
    }
}

/// `Sun, 28 May 2023 09:56:24 GMT`
pub fn http_date() -> String {
    let n = now();
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        n.wd, n.d, n.mo, n.y, n.h, n.mi, n.s
    )
}

/// `Sat Mar 11 13:40:50 2017`, the GoAhead-derived servers' format.
pub fn ctime_date() -> String {
    let n = now();
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} {}",
        n.wd, n.mo, n.d, n.h, n.mi, n.s, n.y
    )
}

/// `2024-05-01T10:00:00Z`
pub fn iso_date() -> (i64, u32, u32, u64, u64, u64) {
    let n = now();
    (n.y, n.mon, n.d, n.h, n.mi, n.s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(19_000), (2022, 1, 8));
        let d = ctime_date();
        assert_eq!(d.len(), 24, "{d}");
        assert!(http_date().ends_with(" GMT"));
    }
}
