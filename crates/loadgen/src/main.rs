//! `camaudit-loadgen`: the estate server under load, beside PostgreSQL's
//! own `COPY` of the same rows, in one run on one machine.
//!
//! It starts everything it talks to and stops by itself: a PostgreSQL
//! cluster in a temporary directory (the test kit's), one `camaudit serve`
//! on 127.0.0.1, then several sensors that push batches of devices
//! concurrently until a fixed number of records is sent, while readers page
//! through `/api/v1/devices` and a sampler reads the server's resident
//! memory. Afterwards the same rows go into a copy of the devices table with
//! `COPY … FROM STDIN`, once over one connection and once over as many as
//! there were sensors; the faster is the limit the API is measured against.
//!
//! Traffic goes to loopback only. `scripts/load-bench.sh` builds the
//! binaries and runs it; BENCHMARKS.md has the figures.

mod copy;
mod devices;
mod measure;
mod server;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use camaudit_store::{
    Estate, NewOrganisation, NewSite, PostgresStore, Sector, SiteId, Slug, TokenScope,
};
use camaudit_testkit::postgres::PgCluster;
use clap::Parser;
use time::OffsetDateTime;

use crate::measure::{Latencies, MemorySampler};

#[derive(Parser)]
#[command(
    about = "Load benchmark of `camaudit serve` on PostgreSQL over loopback, beside COPY",
    after_help = "Example:\n  camaudit-loadgen --camaudit target/release/camaudit --records 1000000 --sensors 8"
)]
struct Args {
    /// The camaudit binary to run as the server.
    #[arg(long)]
    camaudit: PathBuf,
    /// Device records to push in all; the run stops when they are sent.
    #[arg(long, default_value_t = 1_000_000)]
    records: u64,
    /// Sensors pushing at once, one site each.
    #[arg(long, default_value_t = 8)]
    sensors: usize,
    /// Devices per batch.
    #[arg(long, default_value_t = 1000)]
    batch: usize,
    /// Batches per sensor scan (the last one finishes the scan).
    #[arg(long, default_value_t = 5)]
    batches_per_scan: usize,
    /// Readers paging through /api/v1/devices during the load.
    #[arg(long, default_value_t = 2)]
    readers: usize,
    /// Also write the results as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// What one run measured.
#[derive(serde::Serialize)]
struct Results {
    records: u64,
    sensors: usize,
    batch: usize,
    api_seconds: f64,
    api_records_per_second: f64,
    post_ms: measure::Summary,
    read_ms: measure::Summary,
    retries: u64,
    memory: measure::MemorySummary,
    copy_one_stream_records_per_second: f64,
    copy_parallel_records_per_second: f64,
    api_over_copy: f64,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.sensors == 0 || args.batch == 0 || args.batches_per_scan == 0 {
        bail!("--sensors, --batch and --batches-per-scan must be at least 1");
    }
    let cluster = PgCluster::start()
        .map_err(|e| anyhow::anyhow!("cannot start PostgreSQL for the benchmark: {e}"))?;
    let url = cluster.create_database("load");
    let estate = set_up_estate(&url, args.sensors)?;
    let server = server::Server::start(&args.camaudit, &url)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the load generator's runtime")?;
    let load = runtime.block_on(push_load(&args, &estate, &server))?;
    let memory = load.memory;
    drop(server);
    let rows = Arc::new(devices::Templates::load()?);
    let copy_one = runtime.block_on(copy::run(&url, &rows, args.records, 1))?;
    let copy_parallel = runtime.block_on(copy::run(&url, &rows, args.records, args.sensors))?;
    let api_rate = args.records as f64 / load.seconds;
    let limit = copy_one.max(copy_parallel);
    let results = Results {
        records: args.records,
        sensors: args.sensors,
        batch: args.batch,
        api_seconds: load.seconds,
        api_records_per_second: api_rate,
        post_ms: load.posts.summary(),
        read_ms: load.reads.summary(),
        retries: load.retries,
        memory,
        copy_one_stream_records_per_second: copy_one,
        copy_parallel_records_per_second: copy_parallel,
        api_over_copy: api_rate / limit,
    };
    print_results(&results);
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&results)?;
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The organisation, its sites and the tokens the sensors and readers use.
struct LoadEstate {
    /// (site slug, sensor secret), one per sensor.
    sensors: Vec<(String, String)>,
    viewer: String,
}

fn set_up_estate(url: &str, sensors: usize) -> Result<LoadEstate> {
    let mut store = PostgresStore::connect(url)?;
    let now = OffsetDateTime::now_utc();
    let org = store.create_organisation(&NewOrganisation {
        slug: slug("load-test")?,
        name: "Load test council".into(),
        sector: Sector::Council,
        created_at: now,
    })?;
    let mut sensor_tokens = Vec::new();
    for n in 0..sensors {
        let site_slug = format!("site-{n:03}");
        let site: SiteId = store.create_site(&NewSite {
            org,
            slug: slug(&site_slug)?,
            name: format!("Site {n}"),
            created_at: now,
        })?;
        let scope = TokenScope::Sensor {
            org,
            sites: vec![site],
        };
        let (secret, token) = camaudit_auth::generate(scope, "load sensor", now, None);
        store.create_token(&token)?;
        sensor_tokens.push((site_slug, secret.to_string()));
    }
    let (viewer, token) =
        camaudit_auth::generate(TokenScope::Viewer { org }, "load reader", now, None);
    store.create_token(&token)?;
    Ok(LoadEstate {
        sensors: sensor_tokens,
        viewer: viewer.to_string(),
    })
}

fn slug(s: &str) -> Result<Slug> {
    Ok(s.parse()?)
}

/// What the pushing phase measured.
struct Load {
    seconds: f64,
    posts: Latencies,
    reads: Latencies,
    retries: u64,
    memory: measure::MemorySummary,
}

async fn push_load(args: &Args, estate: &LoadEstate, server: &server::Server) -> Result<Load> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.sensors + args.readers)
        .timeout(Duration::from_secs(120))
        .build()?;
    let templates = Arc::new(devices::Templates::load()?);
    let sent = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = MemorySampler::start(server.pid(), sent.clone(), args.records);
    let mut readers = Vec::new();
    for _ in 0..args.readers {
        let reader = measure::read_loop(
            client.clone(),
            server.base(),
            estate.viewer.clone(),
            done.clone(),
        );
        readers.push(tokio::spawn(reader));
    }
    let started = Instant::now();
    let mut sensors = Vec::new();
    let per_sensor = split(args.records, args.sensors);
    for (n, ((site, secret), records)) in estate.sensors.iter().zip(per_sensor).enumerate() {
        let sensor = devices::Sensor {
            number: n,
            site: site.clone(),
            secret: secret.clone(),
            records,
            batch: args.batch,
            batches_per_scan: args.batches_per_scan,
        };
        let push = sensor.push(
            client.clone(),
            server.base(),
            templates.clone(),
            sent.clone(),
        );
        sensors.push(tokio::spawn(push));
    }
    let mut posts = Latencies::default();
    let mut retries = 0;
    for sensor in sensors {
        let outcome = sensor.await.context("a sensor task stopped")??;
        posts.extend(outcome.posts);
        retries += outcome.retries;
    }
    let seconds = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let mut reads = Latencies::default();
    for reader in readers {
        reads.extend(reader.await.context("a reader task stopped")??);
    }
    let memory = sampler.stop().await;
    Ok(Load {
        seconds,
        posts,
        reads,
        retries,
        memory,
    })
}

/// `total` split as evenly as possible into `parts`.
fn split(total: u64, parts: usize) -> Vec<u64> {
    let parts64 = parts as u64;
    (0..parts64)
        .map(|i| total / parts64 + u64::from(i < total % parts64))
        .collect()
}

fn print_results(r: &Results) {
    println!(
        "API: {} device records from {} sensors in {:.1} s = {:.0} records/s ({} retries)",
        r.records, r.sensors, r.api_seconds, r.api_records_per_second, r.retries
    );
    println!(
        "  POST /api/v1/batches ({} devices): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} batches",
        r.batch, r.post_ms.p50, r.post_ms.p99, r.post_ms.max, r.post_ms.count
    );
    println!(
        "  GET /api/v1/devices?limit=100 under load: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} reads",
        r.read_ms.p50, r.read_ms.p99, r.read_ms.max, r.read_ms.count
    );
    println!(
        "  server memory (RSS): {:.0} MiB after 10 % of the records, {:.0} MiB at 50 %, {:.0} MiB at the end, {:.0} MiB at most",
        r.memory.at_10_percent_mib,
        r.memory.at_50_percent_mib,
        r.memory.at_end_mib,
        r.memory.max_mib
    );
    println!(
        "COPY of the same rows: {:.0} records/s over one connection, {:.0} records/s over {}",
        r.copy_one_stream_records_per_second, r.copy_parallel_records_per_second, r.sensors
    );
    println!(
        "API / best COPY = {:.2} (target at least 0.50; and at least 5,000 records/s)",
        r.api_over_copy
    );
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn a_total_is_split_evenly_and_whole() {
        assert_eq!(split(10, 3), vec![4, 3, 3]);
        assert_eq!(split(2, 4), vec![1, 1, 0, 0]);
        assert_eq!(split(1_000_000, 8).iter().sum::<u64>(), 1_000_000);
    }
}
