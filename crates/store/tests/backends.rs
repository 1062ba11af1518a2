//! The store's behaviour, the same on both backends: every test here runs
//! once on SQLite and once on a real PostgreSQL server.

mod common;

use std::collections::BTreeSet;

use camaudit_model::{Device, Observation, Source};
use camaudit_store::{
    Chunk, ChunkState, NewScan, SCHEMA_VERSION, ScanId, ScanKind, ScanStatus, Store, StoreError,
};
use common::Fresh;
use time::OffsetDateTime;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-01-01 00:00:00 UTC);
const T1: OffsetDateTime = datetime!(2026-01-01 00:05:30 UTC);

fn obs(addr: &str, field: &str, value: &str) -> Observation {
    Observation::new(addr.parse().unwrap(), Some(80), field, value).unwrap()
}

fn new_scan(store: &mut dyn Store) -> ScanId {
    store
        .create_scan(&NewScan {
            kind: ScanKind::Scan,
            started_at: T0,
            targets: vec!["10.0.0.0/23".to_owned()],
            exclude: vec!["10.0.0.7".to_owned()],
            params: serde_json::json!({"ports": [80, 554], "rate": 300}),
            total_addresses: 510,
            chunk_size: 256,
            chunks_total: 2,
        })
        .unwrap()
}

fn values(store: &dyn Store, id: ScanId) -> Vec<String> {
    store
        .observations(id)
        .unwrap()
        .into_iter()
        .map(|o| o.value)
        .collect()
}

on_both_backends!(
    write_reopen_read,
    resume_after_a_kill,
    a_failed_transaction_leaves_nothing_behind,
    unchunked_rows_survive_resume,
    devices_round_trip_and_scans_list,
    an_unknown_status_is_damage_not_an_interrupted_scan,
    a_damaged_device_names_its_scan_and_position,
    a_deleted_scan_leaves_nothing_behind,
    an_origin_set_after_reading_replaces_the_first_one,
    a_newer_schema_is_refused,
    reopening_migrates_nothing_twice,
    evidence_with_nul_and_any_script_round_trips,
    many_observations_come_back_whole_and_in_order,
    a_time_seen_with_nul_is_refused_by_postgres_before_writing,
    sensors_opening_a_new_store_at_once_migrate_it_once,
);

fn write_reopen_read(fresh: Fresh) {
    let id = {
        let mut s = fresh.open();
        let id = new_scan(&mut *s);
        let o = [obs("10.0.0.1", "http.header.server", "App-webs/")];
        s.record_chunk(id, Chunk::Block(0), ChunkState::Done, &o, T0)
            .unwrap();
        s.set_status(id, ScanStatus::Complete, T1).unwrap();
        id
    };
    let s = fresh.open();
    let scan = s.scan(id).unwrap();
    assert_eq!(scan.status, ScanStatus::Complete);
    assert_eq!(scan.kind, ScanKind::Scan);
    assert_eq!(scan.targets, ["10.0.0.0/23"]);
    assert_eq!(scan.exclude, ["10.0.0.7"]);
    assert_eq!(scan.params["rate"], 300);
    assert_eq!(scan.started_at, T0);
    assert_eq!(scan.finished_at, Some(T1));
    assert_eq!(
        (scan.total_addresses, scan.chunk_size, scan.chunks_total),
        (510, 256, 2)
    );
    let o = s.observations(id).unwrap();
    assert_eq!(o.len(), 1);
    assert_eq!(o[0].value, "App-webs/");
    assert_eq!(o[0].source, Source::Http);
    assert_eq!(o[0].port, Some(80));
    assert_eq!(s.done_chunks(id).unwrap(), BTreeSet::from([0]));
    assert!(matches!(
        s.scan(ScanId(id.0 + 1)),
        Err(StoreError::NoScan(_))
    ));
}

fn resume_after_a_kill(fresh: Fresh) {
    let mut s = fresh.open();
    let id = new_scan(&mut *s);
    let done = [obs("10.0.0.1", "http.title", "a")];
    s.record_chunk(id, Chunk::Block(0), ChunkState::Done, &done, T0)
        .unwrap();
    // Killed mid block 1: its partial findings were written, not done.
    let partial = [obs("10.0.1.1", "http.title", "partial")];
    s.record_chunk(id, Chunk::Block(1), ChunkState::Partial, &partial, T0)
        .unwrap();
    assert_eq!(s.observation_count(id).unwrap(), 2);
    drop(s);
    // Resume: block 0 is skipped, block 1's partial rows are dropped.
    let mut s = fresh.open();
    assert_eq!(s.done_chunks(id).unwrap(), BTreeSet::from([0]));
    assert_eq!(s.discard_unfinished(id).unwrap(), 1);
    let whole = [obs("10.0.1.1", "http.title", "whole")];
    s.record_chunk(id, Chunk::Block(1), ChunkState::Done, &whole, T1)
        .unwrap();
    assert_eq!(values(&*s, id), ["a", "whole"]);
    assert_eq!(s.done_chunks(id).unwrap(), BTreeSet::from([0, 1]));
}

fn a_failed_transaction_leaves_nothing_behind(fresh: Fresh) {
    let mut s = fresh.open();
    let id = new_scan(&mut *s);
    // Break the write half-way by recording into a scan that does not
    // exist (the foreign key fails): the block must not be marked done.
    let ghost = ScanId(id.0 + 99);
    let o = [obs("10.0.0.1", "http.title", "x")];
    let err = s.record_chunk(ghost, Chunk::Block(0), ChunkState::Done, &o, T0);
    assert!(
        matches!(err, Err(StoreError::Sqlite(_) | StoreError::Postgres(_))),
        "{err:?}"
    );
    assert!(s.done_chunks(ghost).unwrap().is_empty());
    assert_eq!(s.observation_count(ghost).unwrap(), 0);
    // And the store still takes the next write.
    s.record_chunk(id, Chunk::Block(0), ChunkState::Done, &o, T0)
        .unwrap();
    assert_eq!(s.observation_count(id).unwrap(), 1);
}

fn unchunked_rows_survive_resume(fresh: Fresh) {
    let mut s = fresh.open();
    let id = new_scan(&mut *s);
    let o = [obs("10.0.0.9", "http.title", "m")];
    s.record_chunk(id, Chunk::Unchunked, ChunkState::Done, &o, T0)
        .unwrap();
    assert_eq!(s.discard_unfinished(id).unwrap(), 0);
    assert_eq!(s.observation_count(id).unwrap(), 1);
    assert!(s.done_chunks(id).unwrap().is_empty());
}

fn device(json: serde_json::Value) -> Device {
    serde_json::from_value(json).unwrap()
}

fn devices_round_trip_and_scans_list(fresh: Fresh) {
    let mut s = fresh.open();
    let a = new_scan(&mut *s);
    let b = new_scan(&mut *s);
    let d = device(serde_json::json!({
        "addr": "10.0.0.1", "mac": null, "open_ports": [80], "label_vendor": null,
        "manufacturer": "hikvision", "owner": null, "model": null, "firmware": null,
        "serial": null, "device_type": "camera", "covered": true,
        "covered_by": ["uk-2022-directive"], "confidence": 0.9,
        "attribution": [], "evidence": []
    }));
    let mut e = d.clone();
    e.addr = Some("10.0.0.2".parse().unwrap());
    s.set_devices(b, &[e.clone(), d.clone()]).unwrap();
    s.set_devices(b, &[d.clone(), e.clone()]).unwrap(); // replaced, not doubled
    assert_eq!(s.devices(b).unwrap(), vec![d, e]);
    assert!(s.devices(a).unwrap().is_empty());
    s.set_devices(b, &[]).unwrap();
    assert!(s.devices(b).unwrap().is_empty());
    let ids: Vec<ScanId> = s.scans().unwrap().iter().map(|x| x.id).collect();
    assert_eq!(ids, [a, b]);
    assert_eq!(s.scan(a).unwrap().status, ScanStatus::Running);
    assert_eq!(s.scan(a).unwrap().finished_at, None);
}

fn an_unknown_status_is_damage_not_an_interrupted_scan(fresh: Fresh) {
    let mut s = fresh.open();
    let id = new_scan(&mut *s);
    fresh.raw(&format!(
        "UPDATE scans SET status = 'paused' WHERE id = {id}"
    ));
    let err = s.scan(id).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("stored data is damaged: scan {id}: unknown scan status \"paused\"")
    );
    assert!(s.scans().is_err(), "the list must not hide a damaged scan");
}

fn a_damaged_device_names_its_scan_and_position(fresh: Fresh) {
    let mut s = fresh.open();
    let id = new_scan(&mut *s);
    fresh.raw(&format!(
        "INSERT INTO devices (scan_id, idx, device) VALUES ({id}, 4, '{{\"addr\":')"
    ));
    let err = s.devices(id).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("stored data is damaged: scan {id}: device 4")),
        "{err}"
    );
}

fn a_deleted_scan_leaves_nothing_behind(fresh: Fresh) {
    let mut s = fresh.open();
    let keep = new_scan(&mut *s);
    let gone = new_scan(&mut *s);
    for id in [keep, gone] {
        let o = [obs("10.0.0.1", "http.title", "x")];
        s.record_chunk(id, Chunk::Block(0), ChunkState::Done, &o, T0)
            .unwrap();
        s.set_devices(id, &[]).unwrap();
    }
    s.delete_scan(gone).unwrap();
    assert!(matches!(s.scan(gone), Err(StoreError::NoScan(_))));
    assert_eq!(s.observation_count(gone).unwrap(), 0);
    assert!(s.done_chunks(gone).unwrap().is_empty());
    assert_eq!(s.observation_count(keep).unwrap(), 1);
    assert_eq!(s.done_chunks(keep).unwrap(), BTreeSet::from([0]));
    assert!(matches!(s.delete_scan(gone), Err(StoreError::NoScan(_))));
}

fn an_origin_set_after_reading_replaces_the_first_one(fresh: Fresh) {
    let mut s = fresh.open();
    let id = new_scan(&mut *s);
    let params = serde_json::json!({"tool": "nmap", "args": "nmap -sV 10.0.0.0/24"});
    s.set_origin(id, T1, &params).unwrap();
    let scan = s.scan(id).unwrap();
    assert_eq!(scan.started_at, T1);
    assert_eq!(scan.params, params);
    assert!(matches!(
        s.set_origin(ScanId(id.0 + 5), T1, &params),
        Err(StoreError::NoScan(_))
    ));
    assert!(matches!(
        s.set_status(ScanId(id.0 + 5), ScanStatus::Complete, T1),
        Err(StoreError::NoScan(_))
    ));
}

fn a_newer_schema_is_refused(fresh: Fresh) {
    drop(fresh.open());
    fresh.raw("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'later', '2030-01-01T00:00:00Z')");
    let err = camaudit_store::open(&fresh.location).err();
    assert!(
        matches!(err, Some(StoreError::NewerSchema { found: 99 })),
        "{err:?}"
    );
    let message = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("upgrade camaudit"), "{message}");
}

fn reopening_migrates_nothing_twice(fresh: Fresh) {
    for _ in 0..3 {
        let mut s = fresh.open();
        new_scan(&mut *s);
    }
    let s = fresh.open();
    assert_eq!(s.scans().unwrap().len(), 3);
    let recorded = fresh.raw_value("SELECT COUNT(*) || ' ' || MAX(version) FROM schema_migrations");
    assert_eq!(recorded, format!("{SCHEMA_VERSION} {SCHEMA_VERSION}"));
}

fn evidence_with_nul_and_any_script_round_trips(fresh: Fresh) {
    let mut s = fresh.open();
    let id = new_scan(&mut *s);
    let odd = [
        obs("10.0.0.1", "http.title", "NVR\0\u{1}tail"),
        obs("fe80::1", "http.title", "网络摄像机 – caméra"),
        obs("10.0.0.2", "http.title", ""),
    ];
    s.record_chunk(id, Chunk::Block(0), ChunkState::Done, &odd, T0)
        .unwrap();
    assert_eq!(
        values(&*s, id),
        ["NVR\0\u{1}tail", "网络摄像机 – caméra", ""]
    );
    assert_eq!(s.observations(id).unwrap()[1].addr.to_string(), "fe80::1");
}

fn many_observations_come_back_whole_and_in_order(fresh: Fresh) {
    let mut s = fresh.open();
    let id = new_scan(&mut *s);
    let batch = |from: usize| -> Vec<Observation> {
        (from..from + 1500)
            .map(|i| obs("10.0.0.1", "http.title", &format!("{i:05}")))
            .collect()
    };
    s.record_chunk(id, Chunk::Block(0), ChunkState::Done, &batch(0), T0)
        .unwrap();
    s.record_chunk(id, Chunk::Block(1), ChunkState::Done, &batch(1500), T0)
        .unwrap();
    let mut seen = Vec::new();
    let n = s
        .for_each_observation(id, &mut |o| seen.push(o.value))
        .unwrap();
    assert_eq!(n, 3000);
    let expected: Vec<String> = (0..3000).map(|i| format!("{i:05}")).collect();
    assert_eq!(seen, expected);
    assert_eq!(s.observation_count(id).unwrap(), 3000);
}

fn a_time_seen_with_nul_is_refused_by_postgres_before_writing(fresh: Fresh) {
    let mut s = fresh.open();
    let id = new_scan(&mut *s);
    let mut odd = obs("10.0.0.1", "http.title", "x");
    odd.seen_at = Some("2026-01-01T00:00:00Z\0".to_owned());
    let batch = [obs("10.0.0.2", "http.title", "y"), odd];
    let written = s.record_chunk(id, Chunk::Block(0), ChunkState::Done, &batch, T0);
    if fresh.is_postgres() {
        let err = written.unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot store an observation's time: it holds a NUL character"
        );
        assert_eq!(
            s.observation_count(id).unwrap(),
            0,
            "half the batch was kept"
        );
        assert!(s.done_chunks(id).unwrap().is_empty());
    } else {
        written.unwrap();
        assert_eq!(s.observations(id).unwrap()[1].seen_at, batch[1].seen_at);
    }
}

fn sensors_opening_a_new_store_at_once_migrate_it_once(fresh: Fresh) {
    std::thread::scope(|threads| {
        for _ in 0..6 {
            threads.spawn(|| {
                let mut s = fresh.open();
                new_scan(&mut *s);
            });
        }
    });
    assert_eq!(fresh.open().scans().unwrap().len(), 6);
    let recorded = fresh.raw_value("SELECT COUNT(*) || ' ' || MAX(version) FROM schema_migrations");
    assert_eq!(recorded, format!("{SCHEMA_VERSION} {SCHEMA_VERSION}"));
}
