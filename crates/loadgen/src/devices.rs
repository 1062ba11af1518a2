//! The records the sensors push: real device records (the repository's
//! example council estate, as `camaudit identify` writes them), each copy
//! given its own address and MAC so no two rows are the same device.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The example devices the load is made of.
pub struct Templates {
    devices: Vec<Value>,
}

impl Templates {
    pub fn load() -> Result<Templates> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/council-devices.jsonl"
        );
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
        let devices = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(n, l)| serde_json::from_str(l).with_context(|| format!("{path}:{}", n + 1)))
            .collect::<Result<Vec<Value>>>()?;
        if devices.is_empty() {
            bail!("{path} has no devices");
        }
        Ok(Templates { devices })
    }

    /// Device record number `n` of sensor `sensor`: a template with an
    /// address and MAC of its own.
    pub fn device(&self, sensor: usize, n: u64) -> Value {
        let mut d = self.devices[(n % self.devices.len() as u64) as usize].clone();
        let s = sensor as u64;
        d["addr"] = Value::String(format!(
            "10.{}.{}.{}",
            s % 256,
            (n / 250) % 256,
            n % 250 + 1
        ));
        d["mac"] = Value::String(format!(
            "02:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            s % 256,
            (n >> 24) & 0xff,
            (n >> 16) & 0xff,
            (n >> 8) & 0xff,
            n & 0xff
        ));
        d
    }

    /// `count` devices of sensor `sensor` from number `first`, as a JSON
    /// array.
    pub fn devices_json(&self, sensor: usize, first: u64, count: u64) -> String {
        let all: Vec<Value> = (first..first + count)
            .map(|n| self.device(sensor, n))
            .collect();
        serde_json::to_string(&all).unwrap_or_else(|_| "[]".into())
    }
}

/// One sensor of the load: its site, its token and its share.
pub struct Sensor {
    pub number: usize,
    pub site: String,
    pub secret: String,
    pub records: u64,
    pub batch: usize,
    pub batches_per_scan: usize,
}

/// What one sensor saw.
pub struct Pushed {
    pub posts: crate::measure::Latencies,
    pub retries: u64,
}

impl Sensor {
    /// Pushes the sensor's records, batch by batch, each scan of
    /// `batches_per_scan` batches finished by its last one.
    pub async fn push(
        self,
        client: reqwest::Client,
        base: String,
        templates: Arc<Templates>,
        sent: Arc<AtomicU64>,
    ) -> Result<Pushed> {
        let url = format!("{base}/api/v1/batches");
        let mut pushed = Pushed {
            posts: Default::default(),
            retries: 0,
        };
        let batches = self.records.div_ceil(self.batch as u64);
        let started_at = now_rfc3339();
        for b in 0..batches {
            let first = b * self.batch as u64;
            let count = (self.records - first).min(self.batch as u64);
            let scan = b / self.batches_per_scan as u64;
            let last_of_scan = (b + 1) % self.batches_per_scan as u64 == 0 || b + 1 == batches;
            let body = self.body(&templates, b, scan, first, count, &started_at, last_of_scan);
            let at = Instant::now();
            pushed.retries += post(&client, &url, &self.secret, body).await?;
            pushed.posts.push(at.elapsed());
            sent.fetch_add(count, Ordering::Relaxed);
        }
        Ok(pushed)
    }

    #[allow(clippy::too_many_arguments)]
    fn body(
        &self,
        templates: &Templates,
        batch: u64,
        scan: u64,
        first: u64,
        count: u64,
        started_at: &str,
        finished: bool,
    ) -> String {
        let finished_at = if finished {
            format!("\"{}\"", now_rfc3339())
        } else {
            "null".into()
        };
        format!(
            r#"{{"id":"load-{s}-{batch}","site":"{site}","scan":{{"ref":"load-{s}-scan-{scan}","kind":"scan","started_at":"{started_at}","finished_at":{finished_at},"params":{{}}}},"observations":[],"devices":{devices}}}"#,
            s = self.number,
            site = self.site,
            devices = templates.devices_json(self.number, first, count),
        )
    }
}

/// Posts one batch, retrying when the server says it is busy; returns the
/// number of retries. Any other answer than stored or duplicate stops the
/// benchmark: a load figure over refused batches would be meaningless.
async fn post(client: &reqwest::Client, url: &str, secret: &str, body: String) -> Result<u64> {
    let mut retries = 0;
    loop {
        let answer = client
            .post(url)
            .bearer_auth(secret)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .with_context(|| format!("POST {url}"))?;
        let status = answer.status().as_u16();
        match status {
            200 | 201 => return Ok(retries),
            429 | 503 if retries < 100 => {
                let wait = answer
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(1);
                retries += 1;
                tokio::time::sleep(Duration::from_millis(wait.min(5) * 1000)).await;
            }
            _ => {
                let text = answer.text().await.unwrap_or_default();
                bail!("POST {url} answered {status}: {}", text.trim());
            }
        }
    }
}

fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}
