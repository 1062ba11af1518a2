//! How fast sensor batches go into the PostgreSQL estate store, beside
//! PostgreSQL's own `COPY` of the same rows on the same server in the same
//! run.
//!
//! ```sh
//! cargo run --release -p camaudit-store --example ingest_bench            # a throwaway cluster
//! cargo run --release -p camaudit-store --example ingest_bench -- \
//!     --db postgres://camaudit@127.0.0.1/bench --devices 10000 --batches 5
//! ```
//!
//! Each batch holds `--devices` devices (real identified devices, from the
//! identify golden output, each given its own address and serial) and as
//! many observations. The baseline copies the same device and observation
//! rows, already encoded as COPY text, into tables shaped like `devices`
//! and `observations` (indexes included): what the server itself reaches,
//! with no client-side work. Without `--db` the throwaway cluster runs
//! with `fsync` off, like the tests' (both figures alike); name a real
//! server for production figures. Only 127.0.0.1 is ever contacted unless
//! `--db` says otherwise.

use std::io::Write;
use std::time::{Duration, Instant};

use camaudit_model::{Device, Observation};
use camaudit_store::{
    BatchId, EstateStore, Location, NewOrganisation, NewSite, ScanKind, Sector, SensorBatch, SiteId,
};
use time::OffsetDateTime;

const DEVICES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../cli/tests/golden/identify/observations.jsonl.out"
));

struct Args {
    db: Option<String>,
    devices: usize,
    batches: usize,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        db: None,
        devices: 10_000,
        batches: 5,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--db" => a.db = Some(value()?),
            "--devices" => a.devices = value()?.parse().map_err(|e| format!("--devices: {e}"))?,
            "--batches" => a.batches = value()?.parse().map_err(|e| format!("--batches: {e}"))?,
            other => {
                return Err(format!(
                    "unknown argument {other:?}: use --db, --devices, --batches"
                ));
            }
        }
    }
    Ok(a)
}

fn templates() -> Vec<Device> {
    DEVICES
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("the identify golden output holds devices"))
        .collect()
}

fn batch(n: usize, site: SiteId, size: usize, templates: &[Device]) -> SensorBatch {
    let mut devices = Vec::with_capacity(size);
    let mut observations = Vec::with_capacity(size);
    for i in 0..size {
        let mut d = templates[i % templates.len()].clone();
        let addr: std::net::IpAddr = format!("10.{}.{}.{}", n % 250, i / 250, i % 250 + 1)
            .parse()
            .expect("a valid address");
        d.addr = Some(addr);
        d.serial = Some(format!("BENCH{n:04}{i:06}"));
        observations.push(
            Observation::new(addr, Some(80), "http.header.server", "App-webs/")
                .expect("a valid observation"),
        );
        devices.push(d);
    }
    SensorBatch {
        id: BatchId::try_from(format!("bench-{n}")).expect("a valid batch id"),
        site,
        scan_ref: format!("bench/{n}"),
        kind: ScanKind::Scan,
        started_at: OffsetDateTime::now_utc(),
        finished_at: Some(OffsetDateTime::now_utc()),
        params: serde_json::json!({"bench": true}),
        observations,
        devices,
    }
}

fn estate(store: &mut dyn EstateStore) -> SiteId {
    let now = OffsetDateTime::now_utc();
    let org = store
        .create_organisation(&NewOrganisation {
            slug: format!("bench-{}", std::process::id())
                .parse()
                .expect("a slug"),
            name: "Ingest bench".into(),
            sector: Sector::Other,
            created_at: now,
        })
        .expect("creating the bench organisation");
    store
        .create_site(&NewSite {
            org,
            slug: "bench".parse().expect("a slug"),
            name: "Bench".into(),
            created_at: now,
        })
        .expect("creating the bench site")
}

/// COPY text for one field: backslash, tab, newline and CR escaped.
fn copy_field(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// PostgreSQL's own COPY of the same rows into tables shaped like the
/// store's: the rows are encoded before the clock starts.
fn copy_baseline(url: &str, batches: &[SensorBatch]) -> Result<Duration, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        client
            .batch_execute(
                "DROP TABLE IF EXISTS copy_devices, copy_observations;
                 CREATE TABLE copy_devices (LIKE devices INCLUDING ALL);
                 CREATE TABLE copy_observations (LIKE observations INCLUDING ALL);",
            )
            .await
            .map_err(|e| e.to_string())?;
        let mut texts = Vec::new();
        for (n, b) in batches.iter().enumerate() {
            let (mut devices, mut observations) = (String::new(), String::new());
            for (i, d) in b.devices.iter().enumerate() {
                let json = serde_json::to_string(d).map_err(|e| e.to_string())?;
                devices.push_str(&format!("{n}\t{i}\t"));
                copy_field(&mut devices, &json);
                let maker = d.manufacturer.as_ref().map_or("\\N", |m| m.as_str());
                let addr = d.addr.map(|a| a.to_string()).unwrap_or("\\N".into());
                devices.push_str(&format!("\t{n}\t{maker}\t{}\t{addr}\n", d.covered));
            }
            for o in &b.observations {
                observations.push_str(&format!(
                    "{n}\t-1\tt\t{}\t{}\t{}\t{}\t\\\\x{}\t\\N\t{n}\n",
                    o.addr,
                    o.port.map_or("\\N".into(), |p| p.to_string()),
                    o.source.as_str(),
                    o.field.as_str(),
                    o.value
                        .bytes()
                        .map(|b| format!("{b:02x}"))
                        .collect::<String>(),
                ));
            }
            texts.push((devices, observations));
        }
        let started = Instant::now();
        for (devices, observations) in texts {
            let copy = |table: &'static str, columns: &'static str, text: String| {
                let client = &client;
                async move {
                    let sink = client
                        .copy_in(&format!("COPY {table} ({columns}) FROM STDIN"))
                        .await
                        .map_err(|e| e.to_string())?;
                    futures_util::pin_mut!(sink);
                    use futures_util::SinkExt;
                    sink.send(bytes_of(text)).await.map_err(|e| e.to_string())?;
                    sink.finish().await.map_err(|e| e.to_string())
                }
            };
            copy(
                "copy_devices",
                "scan_id, idx, device, org_id, manufacturer, covered, addr",
                devices,
            )
            .await?;
            copy(
                "copy_observations",
                "scan_id, chunk, done, addr, port, source, field, value, seen_at, org_id",
                observations,
            )
            .await?;
        }
        let took = started.elapsed();
        client
            .batch_execute("DROP TABLE copy_devices, copy_observations")
            .await
            .map_err(|e| e.to_string())?;
        Ok(took)
    })
}

fn bytes_of(text: String) -> std::io::Cursor<Vec<u8>> {
    std::io::Cursor::new(text.into_bytes())
}

fn per_second(n: usize, took: Duration) -> f64 {
    n as f64 / took.as_secs_f64().max(1e-9)
}

fn main() {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("ingest_bench: {e}");
            std::process::exit(2);
        }
    };
    let cluster;
    let url = match &args.db {
        Some(url) => url.clone(),
        None => {
            cluster = camaudit_testkit::postgres::cluster()
                .expect("no --db and no PostgreSQL to start a throwaway cluster with");
            eprintln!("a throwaway cluster on 127.0.0.1 (fsync off)");
            cluster.create_database("ingest_bench")
        }
    };
    let location = Location::Postgres(url.clone());
    let mut store = camaudit_store::open_estate(&location).expect("opening the store");
    let site = estate(&mut *store);
    let templates = templates();
    let batches: Vec<SensorBatch> = (0..=args.batches)
        .map(|n| batch(n, site, args.devices, &templates))
        .collect();
    let json_bytes: usize = batches[0]
        .devices
        .iter()
        .map(|d| serde_json::to_string(d).map_or(0, |s| s.len()))
        .sum();
    eprintln!(
        "{} batches of {} devices ({:.1} MB of device JSON each) and as many observations, after one warm-up batch",
        args.batches,
        args.devices,
        json_bytes as f64 / 1e6
    );
    let (warm_up, timed) = batches.split_first().expect("at least the warm-up batch");
    store
        .ingest_batch(warm_up, OffsetDateTime::now_utc())
        .expect("the warm-up batch");
    let started = Instant::now();
    for b in timed {
        let at = Instant::now();
        store
            .ingest_batch(b, OffsetDateTime::now_utc())
            .expect("a batch");
        eprintln!("  {} : {:.0} ms", b.id, at.elapsed().as_secs_f64() * 1e3);
    }
    let ours = started.elapsed();
    let devices = args.devices * args.batches;
    let copy = copy_baseline(&url, timed).unwrap_or_else(|e| panic!("the COPY baseline: {e}"));
    let (our_rate, copy_rate) = (per_second(devices, ours), per_second(devices, copy));
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "ingest_batch: {devices} devices + {devices} observations in {:.2} s = {our_rate:.0} devices/s ({:.0} rows/s)",
        ours.as_secs_f64(),
        per_second(2 * devices, ours)
    );
    let _ = writeln!(
        out,
        "COPY (server only, same rows): {:.2} s = {copy_rate:.0} devices/s; ingest_batch reaches {:.0}% of it",
        copy.as_secs_f64(),
        100.0 * our_rate / copy_rate
    );
}
