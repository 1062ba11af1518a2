//! The scan store: one SQLite file (default `./camaudit.db`) holding every
//! scan's targets, parameters and progress, the observations it made and the
//! devices identified from them.
//!
//! Progress is recorded per chunk of target addresses: a chunk's
//! observations and its "done" mark are written in one transaction, so
//! after a kill the store holds whole chunks only (plus, for an interrupted
//! chunk, observations marked as not done, which a resume discards before
//! probing the chunk again). `--resume SCAN_ID` skips the done chunks.
//!
//! The schema carries a version in `PRAGMA user_version`; opening a store
//! written by a newer camaudit is refused rather than guessed at.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use camaudit_model::{Device, Field, Observation, Source};
use rusqlite::{Connection, OptionalExtension, params};

/// The schema version this crate writes.
pub const SCHEMA_VERSION: i64 = 1;

/// A chunk number for observations that belong to no chunk (multicast
/// discovery); stored as -1.
pub const NO_CHUNK: u64 = u64::MAX;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "the store was written by a newer camaudit (schema {found}, this one knows {SCHEMA_VERSION}): upgrade camaudit"
    )]
    NewerSchema { found: i64 },
    #[error("no scan {0} in this store (check --db, or the id printed when the scan started)")]
    NoScan(i64),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// How a scan ended (or that it has not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanStatus {
    Running,
    Interrupted,
    Complete,
}

impl ScanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ScanStatus::Running => "running",
            ScanStatus::Interrupted => "interrupted",
            ScanStatus::Complete => "complete",
        }
    }

    fn parse(s: &str) -> ScanStatus {
        match s {
            "complete" => ScanStatus::Complete,
            "running" => ScanStatus::Running,
            _ => ScanStatus::Interrupted,
        }
    }
}

/// One scan's record.
#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    pub id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: ScanStatus,
    /// The target and exclusion specifications as given.
    pub targets: Vec<String>,
    pub exclude: Vec<String>,
    /// The scan parameters (ports, rate, …) as JSON.
    pub params: serde_json::Value,
    pub total_addresses: u64,
    pub chunk_size: u64,
    pub chunks_total: u64,
}

/// What a new scan is.
#[derive(Debug, Clone)]
pub struct NewScan<'a> {
    pub started_at: &'a str,
    pub targets: &'a [String],
    pub exclude: &'a [String],
    pub params: &'a serde_json::Value,
    pub total_addresses: u64,
    pub chunk_size: u64,
    pub chunks_total: u64,
}

/// An open store.
pub struct Store {
    conn: Connection,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS scans (
    id              INTEGER PRIMARY KEY,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    status          TEXT NOT NULL,
    targets         TEXT NOT NULL,
    exclude         TEXT NOT NULL,
    params          TEXT NOT NULL,
    total_addresses INTEGER NOT NULL,
    chunk_size      INTEGER NOT NULL,
    chunks_total    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    scan_id  INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    chunk    INTEGER NOT NULL,
    done_at  TEXT NOT NULL,
    PRIMARY KEY (scan_id, chunk)
);
CREATE TABLE IF NOT EXISTS observations (
    id       INTEGER PRIMARY KEY,
    scan_id  INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    chunk    INTEGER NOT NULL,
    done     INTEGER NOT NULL,
    addr     TEXT NOT NULL,
    port     INTEGER,
    source   TEXT NOT NULL,
    field    TEXT NOT NULL,
    value    TEXT NOT NULL,
    seen_at  TEXT
);
CREATE INDEX IF NOT EXISTS observations_scan ON observations(scan_id, chunk);
CREATE TABLE IF NOT EXISTS devices (
    scan_id  INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    idx      INTEGER NOT NULL,
    device   TEXT NOT NULL,
    PRIMARY KEY (scan_id, idx)
);
";

fn chunk_sql(chunk: u64) -> i64 {
    if chunk == NO_CHUNK { -1 } else { chunk as i64 }
}

impl Store {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = Connection::open(path)?;
        Store::init(conn)
    }

    /// A store in memory (tests).
    pub fn in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Store> {
        conn.busy_timeout(Duration::from_secs(10))?;
        // WAL keeps readers and the writer apart; NORMAL sync is durable
        // across process kills (only an OS crash can lose the last commit).
        let _: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        conn.execute_batch("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema { found: version });
        }
        if version < SCHEMA_VERSION {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(SCHEMA)?;
            tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
            tx.commit()?;
        }
        Ok(Store { conn })
    }

    /// Records a new scan, status running, and returns its id.
    pub fn create_scan(&mut self, s: &NewScan<'_>) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO scans (started_at, status, targets, exclude, params, total_addresses, chunk_size, chunks_total)
             VALUES (?1, 'running', ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                s.started_at,
                serde_json::to_string(s.targets).unwrap_or_default(),
                serde_json::to_string(s.exclude).unwrap_or_default(),
                s.params.to_string(),
                s.total_addresses as i64,
                s.chunk_size as i64,
                s.chunks_total as i64,
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn row_to_scan(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Scan, String, String, String)> {
        Ok((
            Scan {
                id: r.get(0)?,
                started_at: r.get(1)?,
                finished_at: r.get(2)?,
                status: ScanStatus::parse(&r.get::<_, String>(3)?),
                targets: Vec::new(),
                exclude: Vec::new(),
                params: serde_json::Value::Null,
                total_addresses: r.get::<_, i64>(7)? as u64,
                chunk_size: r.get::<_, i64>(8)? as u64,
                chunks_total: r.get::<_, i64>(9)? as u64,
            },
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ))
    }

    fn finish_row(row: (Scan, String, String, String)) -> Result<Scan> {
        let (mut s, t, e, p) = row;
        let bad = |what: &str| StoreError::Corrupt(format!("scan {}: {what}", s.id));
        s.targets = serde_json::from_str(&t).map_err(|_| bad("targets"))?;
        s.exclude = serde_json::from_str(&e).map_err(|_| bad("exclusions"))?;
        s.params = serde_json::from_str(&p).map_err(|_| bad("parameters"))?;
        Ok(s)
    }

    const SCAN_COLUMNS: &'static str = "id, started_at, finished_at, status, targets, exclude, params, total_addresses, chunk_size, chunks_total";

    /// One scan.
    pub fn scan(&self, id: i64) -> Result<Scan> {
        let row = self
            .conn
            .query_row(
                &format!("SELECT {} FROM scans WHERE id = ?1", Self::SCAN_COLUMNS),
                [id],
                Self::row_to_scan,
            )
            .optional()?
            .ok_or(StoreError::NoScan(id))?;
        Self::finish_row(row)
    }

    /// Every scan, oldest first.
    pub fn scans(&self) -> Result<Vec<Scan>> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {} FROM scans ORDER BY id",
            Self::SCAN_COLUMNS
        ))?;
        let rows = st.query_map([], Self::row_to_scan)?;
        rows.map(|r| Self::finish_row(r?)).collect()
    }

    /// Sets a scan's status (and its end time, unless running).
    pub fn set_status(&mut self, id: i64, status: ScanStatus, at: &str) -> Result<()> {
        let finished = (status != ScanStatus::Running).then_some(at);
        let n = self.conn.execute(
            "UPDATE scans SET status = ?2, finished_at = ?3 WHERE id = ?1",
            params![id, status.as_str(), finished],
        )?;
        if n == 0 {
            return Err(StoreError::NoScan(id));
        }
        Ok(())
    }

    /// Records a chunk's observations; when `done`, marks the chunk done in
    /// the same transaction (any earlier partial observations of that chunk
    /// are replaced).
    pub fn record_chunk(
        &mut self,
        scan: i64,
        chunk: u64,
        done: bool,
        obs: &[Observation],
        at: &str,
    ) -> Result<()> {
        let c = chunk_sql(chunk);
        let tx = self.conn.transaction()?;
        if done {
            tx.execute(
                "DELETE FROM observations WHERE scan_id = ?1 AND chunk = ?2 AND done = 0",
                params![scan, c],
            )?;
        }
        {
            let mut ins = tx.prepare(
                "INSERT INTO observations (scan_id, chunk, done, addr, port, source, field, value, seen_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for o in obs {
                ins.execute(params![
                    scan,
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
        if done && chunk != NO_CHUNK {
            tx.execute(
                "INSERT OR REPLACE INTO chunks (scan_id, chunk, done_at) VALUES (?1, ?2, ?3)",
                params![scan, c, at],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The chunks a scan has finished.
    pub fn done_chunks(&self, scan: i64) -> Result<HashSet<u64>> {
        let mut st = self
            .conn
            .prepare("SELECT chunk FROM chunks WHERE scan_id = ?1")?;
        let rows = st.query_map([scan], |r| r.get::<_, i64>(0))?;
        let mut out = HashSet::new();
        for r in rows {
            out.insert(r? as u64);
        }
        Ok(out)
    }

    /// Before a resume: drops observations of chunks that did not finish
    /// (they will be probed again). Returns how many were dropped.
    pub fn discard_unfinished(&mut self, scan: i64) -> Result<usize> {
        Ok(self.conn.execute(
            "DELETE FROM observations WHERE scan_id = ?1 AND done = 0 AND chunk >= 0",
            [scan],
        )?)
    }

    /// Every observation of a scan, in the order recorded, to `f`.
    pub fn for_each_observation(&self, scan: i64, mut f: impl FnMut(Observation)) -> Result<u64> {
        let mut st = self.conn.prepare(
            "SELECT addr, port, source, field, value, seen_at FROM observations WHERE scan_id = ?1 ORDER BY id",
        )?;
        let mut rows = st.query([scan])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            let addr: String = r.get(0)?;
            let source: String = r.get(2)?;
            let field: String = r.get(3)?;
            let bad = |what: &str| StoreError::Corrupt(format!("observation {what}"));
            let o = Observation {
                addr: addr.parse().map_err(|_| bad("address"))?,
                port: r
                    .get::<_, Option<i64>>(1)?
                    .and_then(|p| u16::try_from(p).ok()),
                source: Source::parse(&source).map_err(|_| bad("source"))?,
                field: Field::new(&field).map_err(|_| bad("field"))?,
                value: r.get(4)?,
                seen_at: r.get(5)?,
            };
            f(o);
            n += 1;
        }
        Ok(n)
    }

    /// Every observation of a scan.
    pub fn observations(&self, scan: i64) -> Result<Vec<Observation>> {
        let mut v = Vec::new();
        self.for_each_observation(scan, |o| v.push(o))?;
        Ok(v)
    }

    /// Replaces a scan's devices.
    pub fn set_devices(&mut self, scan: i64, devices: &[Device]) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM devices WHERE scan_id = ?1", [scan])?;
        {
            let mut ins =
                tx.prepare("INSERT INTO devices (scan_id, idx, device) VALUES (?1, ?2, ?3)")?;
            for (i, d) in devices.iter().enumerate() {
                let json =
                    serde_json::to_string(d).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                ins.execute(params![scan, i as i64, json])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A scan's devices.
    pub fn devices(&self, scan: i64) -> Result<Vec<Device>> {
        let mut st = self
            .conn
            .prepare("SELECT device FROM devices WHERE scan_id = ?1 ORDER BY idx")?;
        let rows = st.query_map([scan], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(
                serde_json::from_str(&r?)
                    .map_err(|e| StoreError::Corrupt(format!("device: {e}")))?,
            );
        }
        Ok(out)
    }

    /// How many observations a scan has.
    pub fn observation_count(&self, scan: i64) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM observations WHERE scan_id = ?1",
            [scan],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(addr: &str, field: &str, value: &str) -> Observation {
        Observation::new(addr.parse().unwrap(), Some(80), field, value).unwrap()
    }

    fn new_scan(store: &mut Store) -> i64 {
        let targets = vec!["10.0.0.0/23".to_owned()];
        let params = serde_json::json!({"ports": [80, 554], "rate": 300});
        store
            .create_scan(&NewScan {
                started_at: "2026-01-01T00:00:00Z",
                targets: &targets,
                exclude: &[],
                params: &params,
                total_addresses: 510,
                chunk_size: 256,
                chunks_total: 2,
            })
            .unwrap()
    }

    #[test]
    fn write_reopen_read() {
        let dir = std::env::temp_dir().join(format!("camaudit-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.db");
        let _ = std::fs::remove_file(&path);
        let id = {
            let mut s = Store::open(&path).unwrap();
            let id = new_scan(&mut s);
            s.record_chunk(
                id,
                0,
                true,
                &[obs("10.0.0.1", "http.header.server", "App-webs/")],
                "t1",
            )
            .unwrap();
            s.set_status(id, ScanStatus::Complete, "t2").unwrap();
            id
        };
        let s = Store::open(&path).unwrap();
        let scan = s.scan(id).unwrap();
        assert_eq!(scan.status, ScanStatus::Complete);
        assert_eq!(scan.targets, ["10.0.0.0/23"]);
        assert_eq!(scan.params["rate"], 300);
        assert_eq!(scan.finished_at.as_deref(), Some("t2"));
        let o = s.observations(id).unwrap();
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].value, "App-webs/");
        assert_eq!(o[0].source, Source::Http);
        assert_eq!(o[0].port, Some(80));
        assert_eq!(s.done_chunks(id).unwrap(), HashSet::from([0]));
        assert!(matches!(s.scan(id + 1), Err(StoreError::NoScan(_))));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn resume_after_a_kill() {
        let mut s = Store::in_memory().unwrap();
        let id = new_scan(&mut s);
        s.record_chunk(id, 0, true, &[obs("10.0.0.1", "http.title", "a")], "t")
            .unwrap();
        // Killed mid chunk 1: its partial findings were written, not done.
        s.record_chunk(
            id,
            1,
            false,
            &[obs("10.0.1.1", "http.title", "partial")],
            "t",
        )
        .unwrap();
        assert_eq!(s.observation_count(id).unwrap(), 2);
        // Resume: chunk 0 is skipped, chunk 1's partial rows are dropped.
        assert_eq!(s.done_chunks(id).unwrap(), HashSet::from([0]));
        assert_eq!(s.discard_unfinished(id).unwrap(), 1);
        s.record_chunk(id, 1, true, &[obs("10.0.1.1", "http.title", "whole")], "t")
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
        let mut s = Store::in_memory().unwrap();
        let id = new_scan(&mut s);
        // Break the insert half-way by recording into a scan that does not
        // exist (the foreign key fails): the chunk must not be marked done.
        let err = s.record_chunk(id + 99, 0, true, &[obs("10.0.0.1", "http.title", "x")], "t");
        assert!(err.is_err());
        assert!(s.done_chunks(id + 99).unwrap().is_empty());
        assert_eq!(s.observation_count(id + 99).unwrap(), 0);
    }

    #[test]
    fn multicast_rows_survive_resume() {
        let mut s = Store::in_memory().unwrap();
        let id = new_scan(&mut s);
        s.record_chunk(
            id,
            NO_CHUNK,
            true,
            &[obs("10.0.0.9", "http.title", "m")],
            "t",
        )
        .unwrap();
        s.discard_unfinished(id).unwrap();
        assert_eq!(s.observation_count(id).unwrap(), 1);
        assert!(s.done_chunks(id).unwrap().is_empty());
    }

    #[test]
    fn devices_round_trip_and_scans_list() {
        let mut s = Store::in_memory().unwrap();
        let a = new_scan(&mut s);
        let b = new_scan(&mut s);
        let d: Device = serde_json::from_value(serde_json::json!({
            "addr": "10.0.0.1", "mac": null, "open_ports": [80], "label_vendor": null,
            "manufacturer": "hikvision", "owner": null, "model": null, "firmware": null,
            "serial": null, "device_type": "camera", "covered": true,
            "covered_by": ["uk-2022-directive"], "confidence": 0.9,
            "attribution": [], "evidence": []
        }))
        .unwrap();
        s.set_devices(b, std::slice::from_ref(&d)).unwrap();
        s.set_devices(b, std::slice::from_ref(&d)).unwrap(); // replaced, not doubled
        assert_eq!(s.devices(b).unwrap(), vec![d]);
        assert!(s.devices(a).unwrap().is_empty());
        let ids: Vec<i64> = s.scans().unwrap().iter().map(|x| x.id).collect();
        assert_eq!(ids, [a, b]);
        assert_eq!(s.scan(a).unwrap().status, ScanStatus::Running);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = std::env::temp_dir().join(format!("camaudit-store-v-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("v.db");
        let _ = std::fs::remove_file(&path);
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch("PRAGMA user_version = 99").unwrap();
        }
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::NewerSchema { found: 99 })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
