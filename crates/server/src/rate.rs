//! Requests per token: a token bucket for each token that has been let in,
//! so that one runaway script or stolen token cannot take the store from
//! everyone else. A token over its rate is answered 429 with `Retry-After`
//! before its secret is even looked up.
//!
//! A bucket is keyed by the SHA-256 of the token's secret, which is how the
//! store knows the token (one hash, one token), so a request can be
//! refused before any store work. Buckets are only made for tokens that
//! authenticated: a flood of made-up secrets fills nothing here (each still
//! costs one indexed look-up, as it did before). The map is bounded: when
//! it is full, buckets that have refilled (as good as new) are dropped,
//! then the longest idle; dropping one only ever lets a token in sooner.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How fast a token may send requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests a second, sustained.
    pub per_second: u32,
    /// Requests at once after a quiet spell.
    pub burst: u32,
}

impl Default for RateLimit {
    /// Far above what a pushing sensor sends (one batch at a time, each
    /// stored in one transaction) or a person paging through the
    /// dashboard, far below what a loop with no pause sends.
    fn default() -> RateLimit {
        RateLimit {
            per_second: 50,
            burst: 200,
        }
    }
}

/// Tokens remembered at most; one bucket is a few dozen bytes.
pub const MAX_TRACKED: usize = 10_000;

/// The key of a token's bucket: its secret's SHA-256.
pub type TokenKey = [u8; 32];

/// What the limiter says of a request before its token is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// A known token with room: one request taken from its bucket.
    Admitted,
    /// A token the limiter has no bucket for (new, idle for long, or not a
    /// token at all): let it be looked up, then [`RateLimiter::admitted`].
    Unknown,
    /// Over the rate: retry after this long.
    Refused { retry_after: Duration },
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Requests that may be sent now (fractions refill over time).
    room: f64,
    at: Instant,
}

impl Bucket {
    fn refilled(self, rule: RateLimit, now: Instant) -> Bucket {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        Bucket {
            room: (self.room + elapsed * f64::from(rule.per_second)).min(f64::from(rule.burst)),
            at: now,
        }
    }

    fn is_full(self, rule: RateLimit, now: Instant) -> bool {
        self.refilled(rule, now).room >= f64::from(rule.burst)
    }
}

/// The buckets of the tokens seen lately.
#[derive(Debug)]
pub struct RateLimiter {
    rule: RateLimit,
    cap: usize,
    buckets: Mutex<HashMap<TokenKey, Bucket>>,
}

impl RateLimiter {
    pub fn new(rule: RateLimit) -> RateLimiter {
        RateLimiter::with_cap(rule, MAX_TRACKED)
    }

    /// A limiter that remembers at most `cap` tokens.
    pub fn with_cap(rule: RateLimit, cap: usize) -> RateLimiter {
        let rule = RateLimit {
            per_second: rule.per_second.max(1),
            burst: rule.burst.max(1),
        };
        RateLimiter {
            rule,
            cap: cap.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn rule(&self) -> RateLimit {
        self.rule
    }

    /// Takes one request from the token's bucket, if it has one.
    pub fn admit(&self, key: &TokenKey, now: Instant) -> Admission {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(bucket) = buckets.get_mut(key) else {
            return Admission::Unknown;
        };
        let mut b = bucket.refilled(self.rule, now);
        let outcome = if b.room >= 1.0 {
            b.room -= 1.0;
            Admission::Admitted
        } else {
            let wait = (1.0 - b.room) / f64::from(self.rule.per_second);
            Admission::Refused {
                retry_after: Duration::from_secs_f64(wait),
            }
        };
        *bucket = b;
        outcome
    }

    /// Records a request of a token that [`admit`](Self::admit) did not
    /// know and that then authenticated: its bucket starts full, less this
    /// request. Another request of the same token recorded first is kept.
    pub fn admitted(&self, key: TokenKey, now: Instant) {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if !buckets.contains_key(&key) && buckets.len() >= self.cap {
            self.make_room(&mut buckets, now);
        }
        let full = Bucket {
            room: f64::from(self.rule.burst),
            at: now,
        };
        let b = buckets.entry(key).or_insert(full);
        *b = b.refilled(self.rule, now);
        b.room = (b.room - 1.0).max(0.0);
    }

    /// Tokens remembered now.
    pub fn tracked(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Drops the buckets that have refilled; if none has, the one idle the
    /// longest.
    fn make_room(&self, buckets: &mut HashMap<TokenKey, Bucket>, now: Instant) {
        let rule = self.rule;
        buckets.retain(|_, b| !b.is_full(rule, now));
        if buckets.len() < self.cap {
            return;
        }
        let idlest = buckets.iter().min_by_key(|(_, b)| b.at).map(|(k, _)| *k);
        if let Some(key) = idlest {
            buckets.remove(&key);
        }
    }
}

/// Whole seconds for `Retry-After`, rounded up, at least 1.
pub fn retry_after_secs(wait: Duration) -> u32 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    u32::try_from(secs.max(1)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE_A_SECOND: RateLimit = RateLimit {
        per_second: 1,
        burst: 3,
    };

    fn key(n: u8) -> TokenKey {
        [n; 32]
    }

    #[test]
    fn a_burst_over_the_limit_is_refused_until_the_bucket_refills() {
        let l = RateLimiter::new(ONE_A_SECOND);
        let t0 = Instant::now();
        assert_eq!(l.admit(&key(1), t0), Admission::Unknown);
        l.admitted(key(1), t0);
        assert_eq!(l.admit(&key(1), t0), Admission::Admitted);
        assert_eq!(l.admit(&key(1), t0), Admission::Admitted);
        let Admission::Refused { retry_after } = l.admit(&key(1), t0) else {
            panic!("the fourth request at once passed a burst of 3");
        };
        assert_eq!(retry_after, Duration::from_secs(1));
        assert_eq!(retry_after_secs(retry_after), 1);
        // Half a second on: still not a whole request's room.
        let half = t0 + Duration::from_millis(500);
        assert!(
            matches!(l.admit(&key(1), half), Admission::Refused { retry_after } if retry_after == Duration::from_millis(500))
        );
        // After the wait it was told, it passes once, then waits again.
        let later = t0 + Duration::from_secs(1);
        assert_eq!(l.admit(&key(1), later), Admission::Admitted);
        assert!(matches!(l.admit(&key(1), later), Admission::Refused { .. }));
        // A refusal takes nothing: the bucket refills as if it was not asked.
        let much_later = later + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(l.admit(&key(1), much_later), Admission::Admitted);
        }
    }

    #[test]
    fn another_token_has_its_own_bucket() {
        let l = RateLimiter::new(ONE_A_SECOND);
        let t0 = Instant::now();
        l.admitted(key(1), t0);
        while l.admit(&key(1), t0) == Admission::Admitted {}
        assert_eq!(l.admit(&key(2), t0), Admission::Unknown);
        l.admitted(key(2), t0);
        assert_eq!(l.admit(&key(2), t0), Admission::Admitted);
    }

    #[test]
    fn the_map_stays_bounded_and_drops_full_buckets_first() {
        let l = RateLimiter::with_cap(ONE_A_SECOND, 3);
        let t0 = Instant::now();
        for n in 0..3 {
            l.admitted(key(n), t0);
        }
        // Token 0 is busy; 1 and 2 refill within three seconds.
        for _ in 0..2 {
            l.admit(&key(0), t0);
        }
        let t3 = t0 + Duration::from_secs(2) + Duration::from_millis(500);
        l.admitted(key(9), t3);
        assert_eq!(
            l.tracked(),
            2,
            "the two full buckets went, the busy one stayed"
        );
        assert_ne!(l.admit(&key(0), t3), Admission::Unknown);
        // None full: the idlest goes, and the map never grows past its cap.
        for n in 10..20 {
            let at = t3 + Duration::from_millis(u64::from(n));
            l.admitted(key(n), at);
            l.admit(&key(n), at);
            l.admit(&key(n), at);
            assert!(l.tracked() <= 3);
        }
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1001)), 2);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }
}
