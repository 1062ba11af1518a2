//! Capture timestamps as RFC 3339 text.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `2022-06-14T10:01:02Z`, or `None` for a time outside the calendar.
pub fn rfc3339(ts: i64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
}
