use std::collections::BTreeSet;

use time::macros::datetime;

use super::*;
use crate::{ScanKind, migrations};

fn obs(addr: &str, field: &str, value: &str) -> Observation {
    Observation::new(addr.parse().unwrap(), Some(80), field, value).unwrap()
}

const T0: OffsetDateTime = datetime!(2026-01-01 00:00:00 UTC);
const T1: OffsetDateTime = datetime!(2026-01-01 00:05:30 UTC);

fn new_scan(store: &mut SqliteStore) -> ScanId {
    store
        .create_scan(&NewScan {
            kind: ScanKind::Scan,
            started_at: T0,
            targets: vec!["10.0.0.0/23".to_owned()],
            exclude: Vec::new(),
            params: serde_json::json!({"ports": [80, 554], "rate": 300}),
            total_addresses: 510,
            chunk_size: 256,
            chunks_total: 2,
        })
        .unwrap()
}

fn temp_db(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("camaudit-store-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s.db");
    let _ = std::fs::remove_file(&path);
    (dir, path)
}

#[test]
fn write_reopen_read() {
    let (dir, path) = temp_db("reopen");
    let id = {
        let mut s = SqliteStore::open(&path).unwrap();
        let id = new_scan(&mut s);
        let o = [obs("10.0.0.1", "http.header.server", "App-webs/")];
        s.record_chunk(id, Chunk::Block(0), ChunkState::Done, &o, T0)
            .unwrap();
        s.set_status(id, ScanStatus::Complete, T1).unwrap();
        id
    };
    let s = SqliteStore::open(&path).unwrap();
    let scan = s.scan(id).unwrap();
    assert_eq!(scan.status, ScanStatus::Complete);
    assert_eq!(scan.kind, ScanKind::Scan);
    assert_eq!(scan.targets, ["10.0.0.0/23"]);
    assert_eq!(scan.params["rate"], 300);
    assert_eq!(scan.started_at, T0);
    assert_eq!(scan.finished_at, Some(T1));
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
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn resume_after_a_kill() {
    let mut s = SqliteStore::in_memory().unwrap();
    let id = new_scan(&mut s);
    let done = [obs("10.0.0.1", "http.title", "a")];
    s.record_chunk(id, Chunk::Block(0), ChunkState::Done, &done, T0)
        .unwrap();
    // Killed mid block 1: its partial findings were written, not done.
    let partial = [obs("10.0.1.1", "http.title", "partial")];
    s.record_chunk(id, Chunk::Block(1), ChunkState::Partial, &partial, T0)
        .unwrap();
    assert_eq!(s.observation_count(id).unwrap(), 2);
    // Resume: block 0 is skipped, block 1's partial rows are dropped.
    assert_eq!(s.done_chunks(id).unwrap(), BTreeSet::from([0]));
    assert_eq!(s.discard_unfinished(id).unwrap(), 1);
    let whole = [obs("10.0.1.1", "http.title", "whole")];
    s.record_chunk(id, Chunk::Block(1), ChunkState::Done, &whole, T1)
        .unwrap();
    let titles: Vec<String> = s
        .observations(id)
        .unwrap()
        .into_iter()
        .map(|o| o.value)
        .collect();
    assert_eq!(titles, ["a", "whole"]);
    assert_eq!(s.done_chunks(id).unwrap().len(), 2);
}

#[test]
fn a_failed_transaction_leaves_nothing_behind() {
    let mut s = SqliteStore::in_memory().unwrap();
    let id = new_scan(&mut s);
    // Break the insert half-way by recording into a scan that does not
    // exist (the foreign key fails): the block must not be marked done.
    let ghost = ScanId(id.0 + 99);
    let o = [obs("10.0.0.1", "http.title", "x")];
    let err = s.record_chunk(ghost, Chunk::Block(0), ChunkState::Done, &o, T0);
    assert!(matches!(err, Err(StoreError::Sqlite(_))), "{err:?}");
    assert!(s.done_chunks(ghost).unwrap().is_empty());
    assert_eq!(s.observation_count(ghost).unwrap(), 0);
}

#[test]
fn unchunked_rows_survive_resume() {
    let mut s = SqliteStore::in_memory().unwrap();
    let id = new_scan(&mut s);
    let o = [obs("10.0.0.9", "http.title", "m")];
    s.record_chunk(id, Chunk::Unchunked, ChunkState::Done, &o, T0)
        .unwrap();
    s.discard_unfinished(id).unwrap();
    assert_eq!(s.observation_count(id).unwrap(), 1);
    assert!(s.done_chunks(id).unwrap().is_empty());
}

fn device(json: serde_json::Value) -> Device {
    serde_json::from_value(json).unwrap()
}

#[test]
fn devices_round_trip_and_scans_list() {
    let mut s = SqliteStore::in_memory().unwrap();
    let a = new_scan(&mut s);
    let b = new_scan(&mut s);
    let d = device(serde_json::json!({
        "addr": "10.0.0.1", "mac": null, "open_ports": [80], "label_vendor": null,
        "manufacturer": "hikvision", "owner": null, "model": null, "firmware": null,
        "serial": null, "device_type": "camera", "covered": true,
        "covered_by": ["uk-2022-directive"], "confidence": 0.9,
        "attribution": [], "evidence": []
    }));
    s.set_devices(b, std::slice::from_ref(&d)).unwrap();
    s.set_devices(b, std::slice::from_ref(&d)).unwrap(); // replaced, not doubled
    assert_eq!(s.devices(b).unwrap(), vec![d]);
    assert!(s.devices(a).unwrap().is_empty());
    let ids: Vec<ScanId> = s.scans().unwrap().iter().map(|x| x.id).collect();
    assert_eq!(ids, [a, b]);
    assert_eq!(s.scan(a).unwrap().status, ScanStatus::Running);
}

#[test]
fn an_unknown_status_is_damage_not_an_interrupted_scan() {
    let mut s = SqliteStore::in_memory().unwrap();
    let id = new_scan(&mut s);
    s.conn
        .execute("UPDATE scans SET status = 'paused' WHERE id = ?1", [id.0])
        .unwrap();
    let err = s.scan(id).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert!(
        err.to_string().contains("unknown scan status \"paused\""),
        "{err}"
    );
}

#[test]
fn a_damaged_device_names_its_scan_and_position() {
    let mut s = SqliteStore::in_memory().unwrap();
    let id = new_scan(&mut s);
    s.conn
        .execute(
            "INSERT INTO devices (scan_id, idx, device) VALUES (?1, 4, '{\"addr\":')",
            [id.0],
        )
        .unwrap();
    let err = s.devices(id).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("stored data is damaged: scan {id}: device 4")),
        "{err}"
    );
}

#[test]
fn a_version_1_store_is_migrated_and_keeps_its_scans() {
    let (dir, path) = temp_db("v1");
    {
        let c = Connection::open(&path).unwrap();
        // A version 1 store as camaudit wrote it before migrations were
        // recorded: migration 1 only, its version in user_version.
        c.execute_batch(migrations::SQLITE[0].sql).unwrap();
        c.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO scans (started_at, finished_at, status, targets, exclude, params, total_addresses, chunk_size, chunks_total)
             VALUES ('2026-11-23T10:00:00Z', '2026-11-23T10:01:00Z', 'complete', '[\"10.1.0.0/24\"]', '[]', '{\"rate\":300}', 254, 256, 1);",
        )
        .unwrap();
    }
    let mut s = SqliteStore::open(&path).unwrap();
    let old = s.scan(ScanId(1)).unwrap();
    assert_eq!(old.kind, ScanKind::Scan);
    assert_eq!(old.status, ScanStatus::Complete);
    assert_eq!(old.started_at, datetime!(2026-11-23 10:00:00 UTC));
    let new = new_scan(&mut s);
    assert_eq!(new, ScanId(2));
    drop(s);
    let version: i64 = Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let recorded: Vec<(i64, String)> = {
        let c = Connection::open(&path).unwrap();
        let mut st = c
            .prepare("SELECT version, applied_at FROM schema_migrations ORDER BY version")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    assert_eq!(recorded.len(), 2, "{recorded:?}");
    assert_eq!(recorded[0], (1, "before schema_migrations".to_owned()));
    assert_eq!(recorded[1].0, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_version_2_store_from_before_recorded_migrations_opens_unchanged() {
    let (dir, path) = temp_db("v2");
    {
        let c = Connection::open(&path).unwrap();
        for m in migrations::SQLITE {
            c.execute_batch(m.sql).unwrap();
        }
        c.execute_batch(
            "PRAGMA user_version = 2;
             INSERT INTO scans (started_at, status, targets, exclude, params, total_addresses, chunk_size, chunks_total, kind)
             VALUES ('2026-11-23T10:00:00Z', 'complete', '[\"x.xml\"]', '[]', 'null', 0, 0, 0, 'import');",
        )
        .unwrap();
    }
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.scan(ScanId(1)).unwrap().kind, ScanKind::Import);
    let versions: i64 = s
        .conn
        .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(versions, 2);
    drop(s);
    // Opening again records nothing twice.
    let s = SqliteStore::open(&path).unwrap();
    let versions: i64 = s
        .conn
        .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(versions, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_newer_recorded_migration_is_refused_even_with_an_old_user_version() {
    let (dir, path) = temp_db("newer-recorded");
    drop(SqliteStore::open(&path).unwrap());
    {
        let c = Connection::open(&path).unwrap();
        c.execute_batch(
            "INSERT INTO schema_migrations VALUES (7, 'from the future', 'x'); PRAGMA user_version = 2;",
        )
        .unwrap();
    }
    let err = SqliteStore::open(&path).err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "the store was written by a newer camaudit (schema 7, this one knows 2): upgrade camaudit"
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_newer_schema_is_refused() {
    let (dir, path) = temp_db("newer");
    {
        let c = Connection::open(&path).unwrap();
        c.execute_batch("PRAGMA user_version = 99").unwrap();
    }
    assert!(matches!(
        SqliteStore::open(&path),
        Err(StoreError::NewerSchema { found: 99 })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_store_is_usable_through_the_trait_object() {
    let mut s: Box<dyn Store> = Box::new(SqliteStore::in_memory().unwrap());
    let id = s
        .create_scan(&NewScan {
            kind: ScanKind::Import,
            started_at: T0,
            targets: vec!["nmap.xml".to_owned()],
            exclude: Vec::new(),
            params: serde_json::Value::Null,
            total_addresses: 0,
            chunk_size: 0,
            chunks_total: 0,
        })
        .unwrap();
    assert_eq!(s.scan(id).unwrap().kind, ScanKind::Import);
}

#[test]
fn a_deleted_scan_leaves_nothing_behind() {
    let mut s = SqliteStore::in_memory().unwrap();
    let keep = new_scan(&mut s);
    let gone = new_scan(&mut s);
    for id in [keep, gone] {
        let o = [obs("10.0.0.1", "http.title", "x")];
        s.record_chunk(id, Chunk::Block(0), ChunkState::Done, &o, T0)
            .unwrap();
    }
    s.delete_scan(gone).unwrap();
    assert!(matches!(s.scan(gone), Err(StoreError::NoScan(_))));
    assert_eq!(s.observation_count(gone).unwrap(), 0);
    assert!(s.done_chunks(gone).unwrap().is_empty());
    assert_eq!(s.observation_count(keep).unwrap(), 1);
    assert!(matches!(s.delete_scan(gone), Err(StoreError::NoScan(_))));
}

#[test]
fn an_origin_set_after_reading_replaces_the_first_one() {
    let mut s = SqliteStore::in_memory().unwrap();
    let id = new_scan(&mut s);
    let params = serde_json::json!({"tool": "nmap", "args": "nmap -sV 10.0.0.0/24"});
    s.set_origin(id, T1, &params).unwrap();
    let scan = s.scan(id).unwrap();
    assert_eq!(scan.started_at, T1);
    assert_eq!(scan.params, params);
    assert!(matches!(
        s.set_origin(ScanId(id.0 + 5), T1, &params),
        Err(StoreError::NoScan(_))
    ));
}
