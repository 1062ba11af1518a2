//! `kill -9` during ingest, on both backends: a child process records
//! batches and prints the id of each one the store acknowledged; the parent
//! kills it at a random point (several times), reopens the store and checks
//! that every acknowledged batch is there exactly once and that no other
//! batch is there in part.
//!
//! The child is this test binary run again with only [`ingest_child`] (or
//! [`estate_ingest_child`], for sensor batches) selected and the store
//! named in the environment.

mod common;

use std::collections::BTreeSet;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::time::Duration;

use camaudit_model::{Device, Observation};
use camaudit_store::{
    BatchId, BatchOutcome, Chunk, ChunkState, EstateStore, Location, NewOrganisation, NewScan,
    NewSite, ScanId, ScanKind, Sector, SensorBatch, SiteId, Store,
};
use common::Fresh;
use time::OffsetDateTime;

const CHILD_STORE: &str = "CAMAUDIT_KILL_TEST_STORE";
const CHILD_SCAN: &str = "CAMAUDIT_KILL_TEST_SCAN";
/// Observations per batch: enough that a kill often lands inside a write.
const PER_BATCH: usize = 400;
/// Kills per backend, each at its own random point.
const KILLS: usize = 8;

fn batch(n: u64) -> Vec<Observation> {
    (0..PER_BATCH)
        .map(|i| {
            let addr = format!("10.{}.{}.{}", n % 250, i / 250, i % 250 + 1);
            let value = format!("batch {n} item {i}");
            Observation::new(addr.parse().unwrap(), Some(80), "http.title", &value).unwrap()
        })
        .collect()
}

/// The child's part, run by [`ingest_and_kill`] only.
#[test]
#[ignore = "the kill test's child process; run by kill_during_ingest"]
fn ingest_child() {
    let (Ok(store), Ok(scan)) = (std::env::var(CHILD_STORE), std::env::var(CHILD_SCAN)) else {
        panic!("{CHILD_STORE} and {CHILD_SCAN} are unset: this is the kill test's child");
    };
    let location: Location = store.parse().unwrap();
    let scan = ScanId(scan.parse().unwrap());
    let mut store = camaudit_store::open(&location).unwrap();
    let mut out = std::io::stdout().lock();
    for n in 0.. {
        let now = OffsetDateTime::now_utc();
        store
            .record_chunk(scan, Chunk::Block(n), ChunkState::Done, &batch(n), now)
            .unwrap();
        writeln!(out, "ack {n}").unwrap();
        out.flush().unwrap();
    }
}

/// A random number below `below`, from the standard library's per-process
/// random hash keys.
fn random(below: u64) -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(below);
    h.finish() % below
}

/// Starts the child on `scan`, lets it acknowledge a random number of
/// batches, waits a random moment more and kills it. Returns what it
/// acknowledged.
fn ingest_and_kill(fresh: &Fresh, scan: ScanId) -> BTreeSet<u64> {
    let acks_before_kill = 1 + random(12);
    let extra = Duration::from_micros(random(20_000));
    eprintln!("kill after {acks_before_kill} acknowledged batches and {extra:?} more");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "ingest_child", "--ignored", "--nocapture"])
        .env(CHILD_STORE, fresh.location_for_child())
        .env(CHILD_SCAN, scan.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut acked = BTreeSet::new();
    while (acked.len() as u64) < acks_before_kill {
        let Some(line) = lines.next() else {
            panic!("the child stopped by itself: {:?}", child.wait());
        };
        if let Some(n) = line.unwrap().strip_prefix("ack ") {
            acked.insert(n.parse::<u64>().unwrap());
        }
    }
    std::thread::sleep(extra);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // Acknowledgements printed before the kill but not yet read count too.
    for line in lines {
        if let Some(n) = line.unwrap().strip_prefix("ack ") {
            acked.insert(n.parse::<u64>().unwrap());
        }
    }
    acked
}

/// Every acknowledged batch whole and once; any other batch whole (written
/// but killed before its acknowledgement was printed) or absent.
fn check_after_kill(store: &dyn Store, scan: ScanId, acked: &BTreeSet<u64>) {
    let done = store.done_chunks(scan).unwrap();
    assert!(
        done.is_superset(acked),
        "acknowledged {acked:?}, stored {done:?}"
    );
    let unacked: Vec<u64> = done.difference(acked).copied().collect();
    assert!(
        unacked.len() <= 1,
        "more than the batch in flight was stored unacknowledged: {unacked:?}"
    );
    let mut per_batch: std::collections::BTreeMap<u64, BTreeSet<String>> = Default::default();
    let mut total = 0;
    store
        .for_each_observation(scan, &mut |o| {
            total += 1;
            let n: u64 = o.value.split(' ').nth(1).unwrap().parse().unwrap();
            per_batch.entry(n).or_default().insert(o.value);
        })
        .unwrap();
    let batches: BTreeSet<u64> = per_batch.keys().copied().collect();
    assert_eq!(
        batches, done,
        "observations of batches that are not done (half there), or done batches without them"
    );
    for (n, values) in &per_batch {
        assert_eq!(values.len(), PER_BATCH, "batch {n} is not whole");
    }
    assert_eq!(
        total,
        done.len() * PER_BATCH,
        "some observation is there twice"
    );
}

fn kill_during_ingest(fresh: Fresh) {
    for _ in 0..KILLS {
        let scan = fresh
            .open()
            .create_scan(&NewScan {
                kind: ScanKind::Scan,
                started_at: OffsetDateTime::now_utc(),
                targets: vec!["10.0.0.0/8".into()],
                exclude: Vec::new(),
                params: serde_json::Value::Null,
                total_addresses: 1 << 24,
                chunk_size: PER_BATCH as u64,
                chunks_total: 1 << 14,
            })
            .unwrap();
        let acked = ingest_and_kill(&fresh, scan);
        let store = fresh.open();
        check_after_kill(&*store, scan, &acked);
    }
}

on_both_backends!(kill_during_ingest, kill_during_batch_ingest);

const CHILD_SITE: &str = "CAMAUDIT_KILL_TEST_SITE";
/// Devices (and observations) per sensor batch.
const PER_SENSOR_BATCH: usize = 300;
/// The one scan every batch of the test is filed under.
const SENSOR_SCAN: &str = "sensor-1/scan-1";

/// Sensor batch `n`: its devices' serials and its observations' values
/// say which batch and which item they are.
fn sensor_batch(n: u64, site: SiteId) -> SensorBatch {
    let devices = (0..PER_SENSOR_BATCH)
        .map(|i| {
            serde_json::from_value::<Device>(serde_json::json!({
                "addr": format!("10.{}.{}.{}", n % 250, i / 250, i % 250 + 1),
                "mac": null, "open_ports": [554], "label_vendor": null,
                "manufacturer": "hikvision", "owner": null, "model": null, "firmware": null,
                "serial": format!("{n} {i}"), "device_type": "camera", "covered": true,
                "covered_by": ["uk-2022-directive"], "confidence": 0.9,
                "attribution": [], "evidence": []
            }))
            .unwrap()
        })
        .collect();
    SensorBatch {
        id: BatchId::from_str(&format!("batch-{n}")).unwrap(),
        site,
        scan_ref: SENSOR_SCAN.to_owned(),
        kind: ScanKind::Scan,
        started_at: OffsetDateTime::now_utc(),
        finished_at: None,
        params: serde_json::Value::Null,
        observations: batch(n).into_iter().take(PER_SENSOR_BATCH).collect(),
        devices,
    }
}

/// The child's part of [`kill_during_batch_ingest`]: sends batch 0, 1, 2, …
/// to one site, from 0 again on every run, as a sensor resending its spool
/// would; prints each outcome.
#[test]
#[ignore = "the batch kill test's child process; run by kill_during_batch_ingest"]
fn estate_ingest_child() {
    let (Ok(store), Ok(site)) = (std::env::var(CHILD_STORE), std::env::var(CHILD_SITE)) else {
        panic!("{CHILD_STORE} and {CHILD_SITE} are unset: this is the kill test's child");
    };
    let location: Location = store.parse().unwrap();
    let site = SiteId(site.parse().unwrap());
    let mut store = camaudit_store::open_estate(&location).unwrap();
    let mut out = std::io::stdout().lock();
    for n in 0.. {
        let outcome = store
            .ingest_batch(&sensor_batch(n, site), OffsetDateTime::now_utc())
            .unwrap();
        let word = match outcome {
            BatchOutcome::Stored { .. } => "stored",
            BatchOutcome::Duplicate { .. } => "duplicate",
        };
        writeln!(out, "ack {n} {word}").unwrap();
        out.flush().unwrap();
    }
}

/// Starts the batch child, lets it store a random number of new batches,
/// waits a random moment more and kills it. Returns every batch it
/// acknowledged (stored now or before).
fn batch_ingest_and_kill(fresh: &Fresh, site: SiteId) -> BTreeSet<u64> {
    let stores_before_kill = 1 + random(6);
    let extra = Duration::from_micros(random(30_000));
    eprintln!("kill after {stores_before_kill} stored batches and {extra:?} more");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "estate_ingest_child", "--ignored", "--nocapture"])
        .env(CHILD_STORE, fresh.location_for_child())
        .env(CHILD_SITE, site.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut acked = BTreeSet::new();
    let mut stored = 0;
    let read = |line: String, acked: &mut BTreeSet<u64>| -> bool {
        let Some(rest) = line.strip_prefix("ack ") else {
            return false;
        };
        let (n, word) = rest.split_once(' ').unwrap();
        acked.insert(n.parse::<u64>().unwrap());
        word == "stored"
    };
    while stored < stores_before_kill {
        let Some(line) = lines.next() else {
            panic!("the child stopped by itself: {:?}", child.wait());
        };
        if read(line.unwrap(), &mut acked) {
            stored += 1;
        }
    }
    std::thread::sleep(extra);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for line in lines {
        read(line.unwrap(), &mut acked);
    }
    acked
}

/// Every acknowledged batch's devices and observations whole and once, in
/// batch order; at most the one batch in flight stored unacknowledged, and
/// whole.
fn check_batches_after_kill(store: &dyn EstateStore, site: SiteId, acked: &BTreeSet<u64>) {
    let scans = store.site_scans(site).unwrap();
    assert_eq!(scans.len(), 1, "every batch went to one scan");
    let scan = scans[0].id;
    let mut devices: std::collections::BTreeMap<u64, usize> = Default::default();
    let mut order = Vec::new();
    for d in store.devices(scan).unwrap() {
        let serial = d.serial.unwrap();
        let n: u64 = serial.split(' ').next().unwrap().parse().unwrap();
        *devices.entry(n).or_default() += 1;
        if order.last() != Some(&n) {
            order.push(n);
        }
    }
    let present: BTreeSet<u64> = devices.keys().copied().collect();
    assert!(
        present.is_superset(acked),
        "acknowledged {acked:?}, stored {present:?}"
    );
    let unacked: Vec<u64> = present.difference(acked).copied().collect();
    assert!(unacked.len() <= 1, "stored unacknowledged: {unacked:?}");
    for (n, count) in &devices {
        assert_eq!(
            *count, PER_SENSOR_BATCH,
            "batch {n}'s devices are not there once, whole"
        );
    }
    assert_eq!(
        order,
        present.iter().copied().collect::<Vec<_>>(),
        "each batch's devices together, in order"
    );
    let mut observations: std::collections::BTreeMap<u64, usize> = Default::default();
    store
        .for_each_observation(scan, &mut |o| {
            let n: u64 = o.value.split(' ').nth(1).unwrap().parse().unwrap();
            *observations.entry(n).or_default() += 1;
        })
        .unwrap();
    let with_observations: BTreeSet<u64> = observations.keys().copied().collect();
    assert_eq!(
        with_observations, present,
        "observations and devices of different batches"
    );
    for (n, count) in &observations {
        assert_eq!(
            *count, PER_SENSOR_BATCH,
            "batch {n}'s observations are not there once, whole"
        );
    }
}

fn kill_during_batch_ingest(fresh: Fresh) {
    let site = {
        let mut s = fresh.open_estate();
        let now = OffsetDateTime::now_utc();
        let org = s
            .create_organisation(&NewOrganisation {
                slug: "kill-test".parse().unwrap(),
                name: "Kill test".into(),
                sector: Sector::Other,
                created_at: now,
            })
            .unwrap();
        s.create_site(&NewSite {
            org,
            slug: "site".parse().unwrap(),
            name: "Site".into(),
            created_at: now,
        })
        .unwrap()
    };
    let mut acked = BTreeSet::new();
    for _ in 0..KILLS {
        acked.extend(batch_ingest_and_kill(&fresh, site));
        let store = fresh.open_estate();
        check_batches_after_kill(&*store, site, &acked);
    }
}
