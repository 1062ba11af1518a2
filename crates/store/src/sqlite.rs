//! The embedded backend: one SQLite file (default `./camaudit.db`).
//!
//! The schema comes from `migrations/sqlite/`: applied migrations are
//! recorded in `schema_migrations`, and the latest version is also kept in
//! `PRAGMA user_version`, where stores from before that table (versions 1
//! and 2) kept it and where older camaudit builds look, so they refuse a
//! newer store too. An older store is migrated in place; one written by a
//! newer camaudit is refused rather than guessed at.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use camaudit_model::{Device, Field, Observation, Source};
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::migrations::{self, SCHEMA_VERSION, VERSIONS_TABLE};
use crate::stored::DeviceRow;
use crate::{Chunk, ChunkState, NewScan, Result, Scan, ScanId, ScanStatus, Store, StoreError};

const SCAN_COLUMNS: &str = "id, started_at, finished_at, status, targets, exclude, params, total_addresses, chunk_size, chunks_total, kind";

/// Unchunked observations are stored under block -1.
fn chunk_sql(chunk: Chunk) -> i64 {
    match chunk {
        Chunk::Block(n) => i64::try_from(n).unwrap_or(i64::MAX),
        Chunk::Unchunked => -1,
    }
}

fn timestamp(at: OffsetDateTime) -> String {
    // RFC 3339 formatting fails only for years past 9999.
    at.format(&Rfc3339).unwrap_or_else(|_| at.to_string())
}

/// An open SQLite store.
pub struct SqliteStore {
    conn: Connection,
}

impl SqliteStore {
    /// Opens (creating or migrating if needed) the store at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        SqliteStore::init(Connection::open(path)?)
    }

    /// A store in memory (tests, one-off runs).
    pub fn in_memory() -> Result<SqliteStore> {
        SqliteStore::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<SqliteStore> {
        conn.busy_timeout(Duration::from_secs(10))?;
        // WAL keeps readers and the writer apart; NORMAL sync is durable
        // across process kills (only an OS crash can lose the last commit).
        let _: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        conn.execute_batch("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")?;
        migrate(&conn)?;
        Ok(SqliteStore { conn })
    }

    fn read_scan(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredScan> {
        Ok(StoredScan {
            id: r.get(0)?,
            started_at: r.get(1)?,
            finished_at: r.get(2)?,
            status: r.get(3)?,
            targets: r.get(4)?,
            exclude: r.get(5)?,
            params: r.get(6)?,
            total_addresses: r.get(7)?,
            chunk_size: r.get(8)?,
            chunks_total: r.get(9)?,
            kind: r.get(10)?,
        })
    }
}

/// Brings the schema up to [`SCHEMA_VERSION`] in one transaction, or
/// refuses a newer one. The write lock is taken first, so two processes
/// opening one new file do not both migrate it.
fn migrate(conn: &Connection) -> Result<()> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let migrated = migrate_in_transaction(conn);
    let end = if migrated.is_ok() {
        "COMMIT"
    } else {
        "ROLLBACK"
    };
    let ended = conn.execute_batch(end);
    migrated?;
    Ok(ended?)
}

fn migrate_in_transaction(conn: &Connection) -> Result<()> {
    let legacy: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {VERSIONS_TABLE} (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )"
    ))?;
    let recorded: Option<i64> = conn.query_row(
        &format!("SELECT MAX(version) FROM {VERSIONS_TABLE}"),
        [],
        |r| r.get(0),
    )?;
    let current = recorded.unwrap_or(0).max(legacy);
    if current > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { found: current });
    }
    let now = timestamp(OffsetDateTime::now_utc());
    let mut record = conn.prepare(&format!(
        "INSERT INTO {VERSIONS_TABLE} (version, name, applied_at) VALUES (?1, ?2, ?3)"
    ))?;
    if recorded.is_none() {
        // A store from before the table: its user_version says which
        // migrations it already has.
        for m in migrations::SQLITE.iter().filter(|m| m.version <= legacy) {
            record.execute(params![m.version, m.name, "before schema_migrations"])?;
        }
    }
    for m in migrations::after(migrations::SQLITE, current) {
        conn.execute_batch(m.sql)
            .map_err(|e| StoreError::Migration {
                version: m.version,
                name: m.name,
                reason: e.to_string(),
            })?;
        record.execute(params![m.version, m.name, now])?;
    }
    conn.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
    Ok(())
}

/// A scans row as SQLite holds it, before it is checked.
struct StoredScan {
    id: i64,
    started_at: String,
    finished_at: Option<String>,
    status: String,
    targets: String,
    exclude: String,
    params: String,
    total_addresses: i64,
    chunk_size: i64,
    chunks_total: i64,
    kind: String,
}

impl StoredScan {
    fn check(self) -> Result<Scan> {
        let id = ScanId(self.id);
        let bad = |what: String| StoreError::Corrupt(format!("scan {id}: {what}"));
        let time = |what: &str, s: &str| {
            OffsetDateTime::parse(s, &Rfc3339).map_err(|e| bad(format!("{what} {s:?}: {e}")))
        };
        let count = |what: &str, n: i64| u64::try_from(n).map_err(|_| bad(format!("{what} {n}")));
        Ok(Scan {
            id,
            kind: self.kind.parse().map_err(|e| bad(format!("{e}")))?,
            started_at: time("start time", &self.started_at)?,
            finished_at: match &self.finished_at {
                Some(s) => Some(time("end time", s)?),
                None => None,
            },
            status: self.status.parse().map_err(|e| bad(format!("{e}")))?,
            targets: decode(id, "targets", &self.targets)?,
            exclude: decode(id, "exclusions", &self.exclude)?,
            params: decode(id, "parameters", &self.params)?,
            total_addresses: count("address count", self.total_addresses)?,
            chunk_size: count("block size", self.chunk_size)?,
            chunks_total: count("block count", self.chunks_total)?,
        })
    }
}

fn decode<T: serde::de::DeserializeOwned>(id: ScanId, what: &str, json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("scan {id}: {what}: {e}")))
}

fn encode<T: serde::Serialize + ?Sized>(what: &'static str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|error| StoreError::Encode { what, error })
}

fn sql_count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store for SqliteStore {
    fn create_scan(&mut self, s: &NewScan) -> Result<ScanId> {
        let targets = encode("the targets", &s.targets)?;
        let exclude = encode("the exclusions", &s.exclude)?;
        let params = encode("the scan parameters", &s.params)?;
        self.conn.execute(
            "INSERT INTO scans (started_at, status, targets, exclude, params, total_addresses, chunk_size, chunks_total, kind)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                timestamp(s.started_at),
                ScanStatus::Running.as_str(),
                targets,
                exclude,
                params,
                sql_count(s.total_addresses),
                sql_count(s.chunk_size),
                sql_count(s.chunks_total),
                s.kind.as_str(),
            ],
        )?;
        Ok(ScanId(self.conn.last_insert_rowid()))
    }

    fn scan(&self, id: ScanId) -> Result<Scan> {
        self.conn
            .query_row(
                &format!("SELECT {SCAN_COLUMNS} FROM scans WHERE id = ?1"),
                [id.0],
                Self::read_scan,
            )
            .optional()?
            .ok_or(StoreError::NoScan(id))?
            .check()
    }

    fn scans(&self) -> Result<Vec<Scan>> {
        let mut st = self
            .conn
            .prepare(&format!("SELECT {SCAN_COLUMNS} FROM scans ORDER BY id"))?;
        let rows = st.query_map([], Self::read_scan)?;
        rows.map(|r| r?.check()).collect()
    }

    fn set_origin(
        &mut self,
        id: ScanId,
        started_at: OffsetDateTime,
        params: &serde_json::Value,
    ) -> Result<()> {
        let params = encode("the scan parameters", params)?;
        let n = self.conn.execute(
            "UPDATE scans SET started_at = ?2, params = ?3 WHERE id = ?1",
            params![id.0, timestamp(started_at), params],
        )?;
        if n == 0 {
            return Err(StoreError::NoScan(id));
        }
        Ok(())
    }

    fn set_status(&mut self, id: ScanId, status: ScanStatus, at: OffsetDateTime) -> Result<()> {
        let finished = (status != ScanStatus::Running).then(|| timestamp(at));
        let n = self.conn.execute(
            "UPDATE scans SET status = ?2, finished_at = ?3 WHERE id = ?1",
            params![id.0, status.as_str(), finished],
        )?;
        if n == 0 {
            return Err(StoreError::NoScan(id));
        }
        Ok(())
    }

    fn record_chunk(
        &mut self,
        id: ScanId,
        chunk: Chunk,
        state: ChunkState,
        observations: &[Observation],
        at: OffsetDateTime,
    ) -> Result<()> {
        let c = chunk_sql(chunk);
        let done = state == ChunkState::Done;
        let tx = self.conn.transaction()?;
        if done {
            tx.execute(
                "DELETE FROM observations WHERE scan_id = ?1 AND chunk = ?2 AND done = 0",
                params![id.0, c],
            )?;
        }
        {
            let mut ins = tx.prepare(
                "INSERT INTO observations (scan_id, chunk, done, addr, port, source, field, value, seen_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for o in observations {
                ins.execute(params![
                    id.0,
                    c,
                    done as i64,
                    o.addr.to_string(),
                    o.port.map(i64::from),
                    o.source.as_str(),
                    o.field.as_str(),
                    o.value,
                    o.seen_at,
                ])?;
            }
        }
        if done && let Chunk::Block(_) = chunk {
            tx.execute(
                "INSERT OR REPLACE INTO chunks (scan_id, chunk, done_at) VALUES (?1, ?2, ?3)",
                params![id.0, c, timestamp(at)],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn done_chunks(&self, id: ScanId) -> Result<BTreeSet<u64>> {
        let mut st = self
            .conn
            .prepare("SELECT chunk FROM chunks WHERE scan_id = ?1")?;
        let rows = st.query_map([id.0], |r| r.get::<_, i64>(0))?;
        let mut out = BTreeSet::new();
        for r in rows {
            let n = r?;
            let block = u64::try_from(n)
                .map_err(|_| StoreError::Corrupt(format!("scan {id}: block number {n}")))?;
            out.insert(block);
        }
        Ok(out)
    }

    fn discard_unfinished(&mut self, id: ScanId) -> Result<u64> {
        let n = self.conn.execute(
            "DELETE FROM observations WHERE scan_id = ?1 AND done = 0 AND chunk >= 0",
            [id.0],
        )?;
        Ok(n as u64)
    }

    fn for_each_observation(&self, id: ScanId, each: &mut dyn FnMut(Observation)) -> Result<u64> {
        let mut st = self.conn.prepare(
            "SELECT addr, port, source, field, value, seen_at FROM observations WHERE scan_id = ?1 ORDER BY id",
        )?;
        let mut rows = st.query([id.0])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            each(read_observation(r)?);
            n += 1;
        }
        Ok(n)
    }

    fn observation_count(&self, id: ScanId) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM observations WHERE scan_id = ?1",
            [id.0],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }

    fn set_devices(&mut self, id: ScanId, devices: &[Device]) -> Result<()> {
        // Encoded before the transaction, so a device that cannot be
        // written leaves the stored ones as they were.
        let rows: Vec<DeviceRow> = devices.iter().map(DeviceRow::of).collect::<Result<_>>()?;
        let tx = self.conn.transaction()?;
        let org: Option<i64> = tx
            .query_row("SELECT org_id FROM scans WHERE id = ?1", [id.0], |r| {
                r.get(0)
            })
            .optional()?
            .flatten();
        tx.execute("DELETE FROM devices WHERE scan_id = ?1", [id.0])?;
        estate::append_devices(&tx, org, id.0, &rows)?;
        tx.commit()?;
        Ok(())
    }

    fn devices(&self, id: ScanId) -> Result<Vec<Device>> {
        let mut st = self
            .conn
            .prepare("SELECT idx, device FROM devices WHERE scan_id = ?1 ORDER BY idx")?;
        let rows = st.query_map([id.0], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for r in rows {
            let (idx, json) = r?;
            out.push(
                serde_json::from_str(&json)
                    .map_err(|e| StoreError::Corrupt(format!("scan {id}: device {idx}: {e}")))?,
            );
        }
        Ok(out)
    }

    fn delete_scan(&mut self, id: ScanId) -> Result<()> {
        // The foreign keys cascade to chunks, observations and devices.
        let n = self
            .conn
            .execute("DELETE FROM scans WHERE id = ?1", [id.0])?;
        if n == 0 {
            return Err(StoreError::NoScan(id));
        }
        Ok(())
    }
}

fn read_observation(r: &rusqlite::Row<'_>) -> Result<Observation> {
    let addr: String = r.get(0)?;
    let source: String = r.get(2)?;
    let field: String = r.get(3)?;
    let bad =
        |what: &str, value: &str| StoreError::Corrupt(format!("observation {what} {value:?}"));
    Ok(Observation {
        addr: addr.parse().map_err(|_| bad("address", &addr))?,
        port: r
            .get::<_, Option<i64>>(1)?
            .and_then(|p| u16::try_from(p).ok()),
        source: Source::parse(&source).map_err(|_| bad("source", &source))?,
        field: Field::new(&field).map_err(|_| bad("field", &field))?,
        value: r.get(4)?,
        seen_at: r.get(5)?,
    })
}

mod estate;

#[cfg(test)]
mod tests;
