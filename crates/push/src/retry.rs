//! When to try again: exponential backoff with jitter, a server's
//! `Retry-After`, and the run's time budget.

use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

/// How a run waits between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failure; doubled after each one after.
    pub first: Duration,
    /// The longest wait between two attempts (a server's `Retry-After` is
    /// honoured up to the run's budget, even past this).
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            first: Duration::from_millis(500),
            max: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The wait before attempt `failures + 1`: the doubled wait, of which a
    /// random half is taken off so that sensors that lost the link at the
    /// same moment do not come back at the same moment.
    pub fn wait(&self, failures: u32, jitter: &mut Jitter) -> Duration {
        let doubled = self
            .first
            .saturating_mul(1u32.checked_shl(failures.min(31)).unwrap_or(u32::MAX));
        let ceiling = doubled.min(self.max);
        let half = ceiling / 2;
        half + half.mul_f64(jitter.next_unit())
    }
}

/// A small random sequence for jitter (xorshift, seeded from the OS).
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    pub fn new() -> Jitter {
        // A seed that is not random only makes sensors' waits alike.
        let seed = getrandom::u64().unwrap_or(0x9e37_79b9_7f4a_7c15) | 1;
        Jitter(seed)
    }

    /// A number in [0, 1).
    fn next_unit(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl Default for Jitter {
    fn default() -> Jitter {
        Jitter::new()
    }
}

/// A `Retry-After` value: seconds, or an HTTP date (then the time from
/// `now` to it; a date past is no wait).
pub fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = OffsetDateTime::parse(value, &Rfc2822).ok()?;
    let ahead = at - now;
    Some(Duration::try_from(ahead).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        let now = datetime!(2026-12-01 18:00:00 UTC);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Tue, 01 Dec 2026 18:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Tue, 01 Dec 2026 17:00:00 GMT", now),
            Some(Duration::ZERO),
            "a date past means now"
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn waits_double_up_to_the_ceiling_and_never_fall_below_half() {
        let backoff = Backoff {
            first: Duration::from_millis(100),
            max: Duration::from_millis(1000),
        };
        let mut jitter = Jitter::new();
        for failures in 0..40 {
            let ceiling = (Duration::from_millis(100) * 2u32.pow(failures.min(20)))
                .min(Duration::from_millis(1000));
            let wait = backoff.wait(failures, &mut jitter);
            assert!(
                wait >= ceiling / 2 && wait <= ceiling,
                "failure {failures}: {wait:?} outside {:?}..={ceiling:?}",
                ceiling / 2
            );
        }
    }

    #[test]
    fn jitter_varies() {
        let mut jitter = Jitter(12345);
        let a: Vec<u64> = (0..8).map(|_| (jitter.next_unit() * 1e6) as u64).collect();
        assert!(a.windows(2).any(|w| w[0] != w[1]), "{a:?}");
        assert!(a.iter().all(|&x| x < 1_000_000));
    }
}
