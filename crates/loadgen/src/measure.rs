//! Latencies, the reader that pages through the API under load, and the
//! sampler of the server's memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Serialize;

/// Durations of one kind of request.
#[derive(Default)]
pub struct Latencies(Vec<Duration>);

/// Percentiles in milliseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Summary {
    pub count: usize,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

impl Latencies {
    pub fn push(&mut self, d: Duration) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: Latencies) {
        self.0.extend(other.0);
    }

    pub fn summary(&self) -> Summary {
        let mut ms: Vec<f64> = self.0.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        Summary {
            count: ms.len(),
            p50: percentile(&ms, 0.50),
            p99: percentile(&ms, 0.99),
            max: ms.last().copied().unwrap_or(0.0),
        }
    }
}

/// The nearest-rank percentile of sorted values (0 when there are none).
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Reads the first page of devices, then follows `next` cursors for a few
/// pages, over and over until `done`, timing each request.
pub async fn read_loop(
    client: reqwest::Client,
    base: String,
    token: String,
    done: Arc<AtomicBool>,
) -> Result<Latencies> {
    let mut latencies = Latencies::default();
    let mut cursor: Option<String> = None;
    while !done.load(Ordering::Relaxed) {
        let mut url = format!("{base}/api/v1/devices?limit=100");
        if let Some(c) = &cursor {
            url.push_str("&cursor=");
            url.push_str(c);
        }
        let at = Instant::now();
        let answer = client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .with_context(|| format!("GET {url}"))?;
        let status = answer.status();
        let bytes = answer.bytes().await.with_context(|| format!("GET {url}"))?;
        let body: serde_json::Value =
            serde_json::from_slice(&bytes).with_context(|| format!("GET {url}: not JSON"))?;
        latencies.push(at.elapsed());
        if !status.is_success() {
            bail!("GET {url} answered {status}: {body}");
        }
        cursor = body
            .get("next")
            .and_then(|n| n.as_str())
            .filter(|_| latencies.0.len() % 10 != 0)
            .map(str::to_owned);
    }
    Ok(latencies)
}

/// The server's resident memory at points of the run, in MiB.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct MemorySummary {
    pub at_10_percent_mib: f64,
    pub at_50_percent_mib: f64,
    pub at_end_mib: f64,
    pub max_mib: f64,
}

/// Samples a process's resident set every 100 ms, keyed by how many
/// records had been sent.
pub struct MemorySampler {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<MemorySummary>,
}

impl MemorySampler {
    pub fn start(pid: u32, sent: Arc<AtomicU64>, total: u64) -> MemorySampler {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let task = tokio::spawn(async move {
            let mut summary = MemorySummary::default();
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            while !stopping.load(Ordering::Relaxed) {
                tick.tick().await;
                let Some(rss) = rss_mib(pid) else { break };
                let share = sent.load(Ordering::Relaxed) as f64 / total.max(1) as f64;
                if share <= 0.10 {
                    summary.at_10_percent_mib = rss;
                }
                if share <= 0.50 {
                    summary.at_50_percent_mib = rss;
                }
                summary.at_end_mib = rss;
                summary.max_mib = summary.max_mib.max(rss);
            }
            summary
        });
        MemorySampler { stop, task }
    }

    pub async fn stop(self) -> MemorySummary {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap_or_default()
    }
}

/// `VmRSS` of a process, from /proc.
fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 50.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&[], 0.99), 0.0);
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
    }
}
