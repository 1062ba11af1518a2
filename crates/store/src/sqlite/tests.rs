//! SQLite only: stores from before recorded migrations, and the in-memory
//! store. Behaviour common to both backends is tested in
//! `tests/backends.rs`, once per backend.

use time::macros::datetime;

use super::*;
use crate::{ScanKind, migrations};

const T0: OffsetDateTime = datetime!(2026-01-01 00:00:00 UTC);

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
    assert_eq!(recorded.len(), 3, "{recorded:?}");
    assert_eq!(recorded[0], (1, "before schema_migrations".to_owned()));
    assert_eq!(recorded[1].0, 2);
    assert_eq!(recorded[2].0, 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_version_2_store_from_before_recorded_migrations_opens_unchanged() {
    let (dir, path) = temp_db("v2");
    {
        let c = Connection::open(&path).unwrap();
        for m in &migrations::SQLITE[..2] {
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
    assert_eq!(versions, 3, "1 and 2 adopted, 3 applied");
    drop(s);
    // Opening again records nothing twice.
    let s = SqliteStore::open(&path).unwrap();
    let versions: i64 = s
        .conn
        .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(versions, 3);
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
            "the store was written by a newer camaudit (schema 7, this one knows 3): upgrade camaudit"
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_newer_user_version_is_refused() {
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
