//! A global token bucket: at most `rate` acquisitions per second, with a
//! small burst, shared by every task of a scan.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Paces connection attempts (and UDP probes) to a rate per second.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    burst: Duration,
    next: Mutex<Instant>,
}

impl RateLimiter {
    /// `rate` attempts per second (at least 1); bursts of up to `rate / 20`
    /// (at least 1) are allowed after a pause, so the average holds.
    pub fn new(rate: u32) -> RateLimiter {
        let rate = rate.max(1);
        let interval = Duration::from_secs_f64(1.0 / rate as f64);
        let burst = interval * (rate / 20).max(1);
        RateLimiter {
            interval,
            burst,
            next: Mutex::new(Instant::now()),
        }
    }

    /// Waits for a slot.
    pub async fn acquire(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            // Idle time is credited only up to the burst.
            let floor = now.checked_sub(self.burst).unwrap_or(now);
            let slot = (*next).max(floor);
            *next = slot + self.interval;
            slot
        };
        if slot > Instant::now() {
            tokio::time::sleep_until(slot).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn paces_to_the_rate() {
        let rl = RateLimiter::new(100);
        let start = Instant::now();
        for _ in 0..305 {
            rl.acquire().await;
        }
        // 305 slots at 10 ms with a burst of 5: about 3 s of (virtual) time.
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(2900) && took <= Duration::from_millis(3100),
            "{took:?}"
        );
    }
}
