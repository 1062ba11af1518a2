//! The server backend: a PostgreSQL database (`--db postgres://…`), for an
//! estate whose sites all record into one place.
//!
//! The [`Store`] trait is synchronous, and the pipeline calls it from
//! inside its own tokio runtime, where blocking on a second runtime panics.
//! So the connection lives on a thread of its own with a single-threaded
//! runtime; each call sends it a job and waits for the answer. The caller
//! may be anywhere, and the trait stays as it is.
//!
//! Every write is one transaction; a client killed mid-write leaves its
//! transaction to be rolled back by the server. The schema comes from
//! `migrations/postgres/`, applied on connect under an advisory lock (two
//! sensors starting at once do not both migrate).

use std::collections::BTreeSet;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use camaudit_model::{Device, Field, Observation, Source};
use futures_util::{StreamExt, pin_mut};
use time::OffsetDateTime;
use tokio::runtime::Runtime;
use tokio_postgres::{Client, Config, NoTls, Row};

mod estate;

use crate::location::without_password;
use crate::migrations::{self, SCHEMA_VERSION, VERSIONS_TABLE};
use crate::stored::DeviceRow;
use crate::{Chunk, ChunkState, NewScan, Result, Scan, ScanId, ScanStatus, Store, StoreError};

/// How long connecting may take when the address does not say
/// (`connect_timeout=`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// No statement may run longer than this: a stuck server stops a scan with
/// an error instead of hanging it.
const STATEMENT_TIMEOUT: &str = "120s";

/// The advisory lock migrations hold ("cama" in ASCII).
const MIGRATION_LOCK: i64 = 0x6361_6d61;

/// Observations sent per round trip while reading a scan back.
const READ_BATCH: usize = 512;

/// `tokio_postgres::Error` prints its kind only ("db error"); the server's
/// message is in its source.
pub(crate) fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut s = format!("{e}: {}", db.message());
        if let Some(detail) = db.detail() {
            s.push_str(&format!(" ({detail})"));
        }
        return s;
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

type Job = Box<dyn FnOnce(&Runtime, &mut Client) + Send>;

/// An open PostgreSQL store.
pub struct PostgresStore {
    jobs: Option<mpsc::Sender<Job>>,
    worker: Option<JoinHandle<()>>,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user[:password]@host[:port]/db`),
    /// creating or migrating its schema if needed.
    pub fn connect(url: &str) -> Result<PostgresStore> {
        let location = without_password(url);
        let refused = |reason: String| StoreError::Connect {
            location: location.clone(),
            reason,
        };
        let mut config: Config = url.parse().map_err(|e| refused(describe(&e)))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let (ready_tx, ready_rx) = mpsc::sync_channel::<std::result::Result<(), String>>(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let worker = std::thread::Builder::new()
            .name("camaudit-postgres".into())
            .spawn(move || serve(config, ready_tx, queue))
            .map_err(|e| refused(format!("cannot start its thread: {e}")))?;
        let ready = ready_rx.recv();
        let store = PostgresStore {
            jobs: Some(jobs),
            worker: Some(worker),
        };
        match ready {
            Ok(Ok(())) => {}
            Ok(Err(reason)) => return Err(refused(reason)),
            Err(_) => return Err(refused("its connection thread stopped".into())),
        }
        store.call(|rt, client| rt.block_on(migrate(client)))?;
        Ok(store)
    }

    /// Runs `job` on the connection's thread and waits for its answer.
    fn call<T: Send + 'static>(
        &self,
        job: impl FnOnce(&Runtime, &mut Client) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = mpsc::sync_channel(1);
        let jobs = self.jobs.as_ref().ok_or(StoreError::Disconnected)?;
        jobs.send(Box::new(move |rt, client| {
            let _ = tx.send(job(rt, client));
        }))
        .map_err(|_| StoreError::Disconnected)?;
        rx.recv().map_err(|_| StoreError::Disconnected)?
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // Closing the queue ends the thread, which closes the connection.
        drop(self.jobs.take());
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// The connection's thread: connects, says whether it could, then runs
/// jobs until the store is dropped.
fn serve(
    config: Config,
    ready: mpsc::SyncSender<std::result::Result<(), String>>,
    queue: mpsc::Receiver<Job>,
) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = ready.send(Err(format!("cannot start its runtime: {e}")));
            return;
        }
    };
    let connected = rt.block_on(async {
        let (client, connection) = config.connect(NoTls).await.map_err(|e| describe(&e))?;
        // The connection's task runs whenever a job blocks on the runtime.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        client
            .batch_execute(&format!("SET statement_timeout = '{STATEMENT_TIMEOUT}'"))
            .await
            .map_err(|e| describe(&e))?;
        Ok::<_, String>(client)
    });
    let mut client = match connected {
        Ok(c) => c,
        Err(reason) => {
            let _ = ready.send(Err(reason));
            return;
        }
    };
    if ready.send(Ok(())).is_err() {
        return;
    }
    while let Ok(job) = queue.recv() {
        job(&rt, &mut client);
    }
}

/// Brings the schema up to [`SCHEMA_VERSION`] in one transaction, or
/// refuses a newer one.
async fn migrate(client: &mut Client) -> Result<()> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS {VERSIONS_TABLE} (
            version    BIGINT PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )"
    ))
    .await?;
    let current: Option<i64> = tx
        .query_one(&format!("SELECT MAX(version) FROM {VERSIONS_TABLE}"), &[])
        .await?
        .get(0);
    let current = current.unwrap_or(0);
    if current > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { found: current });
    }
    for m in migrations::after(migrations::POSTGRES, current) {
        tx.batch_execute(m.sql)
            .await
            .map_err(|e| StoreError::Migration {
                version: m.version,
                name: m.name,
                reason: describe(&e),
            })?;
        tx.execute(
            &format!("INSERT INTO {VERSIONS_TABLE} (version, name) VALUES ($1, $2)"),
            &[&m.version, &m.name],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

const SCAN_COLUMNS: &str = "id, started_at, finished_at, status, targets, exclude, params, total_addresses, chunk_size, chunks_total, kind";

/// Unchunked observations are stored under block -1, as in SQLite.
fn chunk_sql(chunk: Chunk) -> i64 {
    match chunk {
        Chunk::Block(n) => i64::try_from(n).unwrap_or(i64::MAX),
        Chunk::Unchunked => -1,
    }
}

fn sql_count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn encode<T: serde::Serialize + ?Sized>(what: &'static str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|error| StoreError::Encode { what, error })
}

fn read_scan(r: &Row) -> Result<Scan> {
    let id = ScanId(r.try_get(0)?);
    let bad = |what: String| StoreError::Corrupt(format!("scan {id}: {what}"));
    let text = |column: usize| -> Result<String> { Ok(r.try_get(column)?) };
    let decode = |what: &str, column: usize| -> Result<serde_json::Value> {
        serde_json::from_str(&text(column)?).map_err(|e| bad(format!("{what}: {e}")))
    };
    let list = |what: &str, column: usize| -> Result<Vec<String>> {
        serde_json::from_str(&text(column)?).map_err(|e| bad(format!("{what}: {e}")))
    };
    let count = |what: &str, column: usize| -> Result<u64> {
        let n: i64 = r.try_get(column)?;
        u64::try_from(n).map_err(|_| bad(format!("{what} {n}")))
    };
    let status: String = r.try_get(3)?;
    let kind: String = r.try_get(10)?;
    Ok(Scan {
        id,
        kind: kind.parse().map_err(|e| bad(format!("{e}")))?,
        started_at: r.try_get(1)?,
        finished_at: r.try_get(2)?,
        status: status.parse().map_err(|e| bad(format!("{e}")))?,
        targets: list("targets", 4)?,
        exclude: list("exclusions", 5)?,
        params: decode("parameters", 6)?,
        total_addresses: count("address count", 7)?,
        chunk_size: count("block size", 8)?,
        chunks_total: count("block count", 9)?,
    })
}

fn read_observation(r: &Row) -> Result<Observation> {
    let addr: String = r.try_get(0)?;
    let port: Option<i32> = r.try_get(1)?;
    let source: String = r.try_get(2)?;
    let field: String = r.try_get(3)?;
    let value: Vec<u8> = r.try_get(4)?;
    let bad =
        |what: &str, value: &str| StoreError::Corrupt(format!("observation {what} {value:?}"));
    Ok(Observation {
        addr: addr.parse().map_err(|_| bad("address", &addr))?,
        port: port.and_then(|p| u16::try_from(p).ok()),
        source: Source::parse(&source).map_err(|_| bad("source", &source))?,
        field: Field::new(&field).map_err(|_| bad("field", &field))?,
        value: String::from_utf8(value)
            .map_err(|e| bad("value (not UTF-8)", &String::from_utf8_lossy(e.as_bytes())))?,
        seen_at: r.try_get(5)?,
    })
}

/// Refuses observations whose time seen holds a NUL, which PostgreSQL text
/// cannot (values are bytes, so they may).
fn refuse_nul_times(observations: &[Observation]) -> Result<()> {
    if observations
        .iter()
        .any(|o| o.seen_at.as_deref().is_some_and(|s| s.contains('\0')))
    {
        return Err(StoreError::Unstorable {
            what: "an observation's time",
            why: "it holds a NUL character",
        });
    }
    Ok(())
}

/// A batch of observations as the columns of one `UNNEST` insert: one
/// round trip however many there are.
#[derive(Default)]
struct Columns {
    addr: Vec<String>,
    port: Vec<Option<i32>>,
    source: Vec<String>,
    field: Vec<String>,
    value: Vec<Vec<u8>>,
    seen_at: Vec<Option<String>>,
}

impl Columns {
    fn of(observations: &[Observation]) -> Result<Columns> {
        refuse_nul_times(observations)?;
        let mut c = Columns::default();
        for o in observations {
            c.addr.push(o.addr.to_string());
            c.port.push(o.port.map(i32::from));
            c.source.push(o.source.as_str().to_owned());
            c.field.push(o.field.as_str().to_owned());
            c.value.push(o.value.clone().into_bytes());
            c.seen_at.push(o.seen_at.clone());
        }
        Ok(c)
    }
}

impl Store for PostgresStore {
    fn create_scan(&mut self, s: &NewScan) -> Result<ScanId> {
        let targets = encode("the targets", &s.targets)?;
        let exclude = encode("the exclusions", &s.exclude)?;
        let params = encode("the scan parameters", &s.params)?;
        let (started, kind) = (s.started_at, s.kind.as_str());
        let counts = [s.total_addresses, s.chunk_size, s.chunks_total].map(sql_count);
        self.call(move |rt, client| {
            rt.block_on(async {
                let row = client
                    .query_one(
                        "INSERT INTO scans (started_at, status, targets, exclude, params, total_addresses, chunk_size, chunks_total, kind)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                        &[&started, &ScanStatus::Running.as_str(), &targets, &exclude, &params,
                          &counts[0], &counts[1], &counts[2], &kind],
                    )
                    .await?;
                Ok(ScanId(row.try_get(0)?))
            })
        })
    }

    fn scan(&self, id: ScanId) -> Result<Scan> {
        let row = self.call(move |rt, client| {
            rt.block_on(async {
                let sql = format!("SELECT {SCAN_COLUMNS} FROM scans WHERE id = $1");
                Ok(client.query_opt(&sql, &[&id.0]).await?)
            })
        })?;
        read_scan(&row.ok_or(StoreError::NoScan(id))?)
    }

    fn scans(&self) -> Result<Vec<Scan>> {
        let rows = self.call(move |rt, client| {
            rt.block_on(async {
                let sql = format!("SELECT {SCAN_COLUMNS} FROM scans ORDER BY id");
                Ok(client.query(&sql, &[]).await?)
            })
        })?;
        rows.iter().map(read_scan).collect()
    }

    fn set_origin(
        &mut self,
        id: ScanId,
        started_at: OffsetDateTime,
        params: &serde_json::Value,
    ) -> Result<()> {
        let params = encode("the scan parameters", params)?;
        let n = self.call(move |rt, client| {
            rt.block_on(async {
                Ok(client
                    .execute(
                        "UPDATE scans SET started_at = $2, params = $3 WHERE id = $1",
                        &[&id.0, &started_at, &params],
                    )
                    .await?)
            })
        })?;
        if n == 0 {
            return Err(StoreError::NoScan(id));
        }
        Ok(())
    }

    fn set_status(&mut self, id: ScanId, status: ScanStatus, at: OffsetDateTime) -> Result<()> {
        let finished = (status != ScanStatus::Running).then_some(at);
        let n = self.call(move |rt, client| {
            rt.block_on(async {
                Ok(client
                    .execute(
                        "UPDATE scans SET status = $2, finished_at = $3 WHERE id = $1",
                        &[&id.0, &status.as_str(), &finished],
                    )
                    .await?)
            })
        })?;
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
        let cols = Columns::of(observations)?;
        self.call(move |rt, client| {
            rt.block_on(async {
                let tx = client.transaction().await?;
                if done {
                    tx.execute(
                        "DELETE FROM observations WHERE scan_id = $1 AND chunk = $2 AND NOT done",
                        &[&id.0, &c],
                    )
                    .await?;
                }
                if !cols.addr.is_empty() {
                    tx.execute(
                        "INSERT INTO observations (scan_id, chunk, done, addr, port, source, field, value, seen_at)
                         SELECT $1, $2, $3, u.addr, u.port, u.source, u.field, u.value, u.seen_at
                         FROM UNNEST($4::text[], $5::int4[], $6::text[], $7::text[], $8::bytea[], $9::text[])
                              WITH ORDINALITY AS u(addr, port, source, field, value, seen_at, n)
                         ORDER BY u.n",
                        &[&id.0, &c, &done, &cols.addr, &cols.port, &cols.source, &cols.field,
                          &cols.value, &cols.seen_at],
                    )
                    .await?;
                }
                if done && let Chunk::Block(_) = chunk {
                    tx.execute(
                        "INSERT INTO chunks (scan_id, chunk, done_at) VALUES ($1, $2, $3)
                         ON CONFLICT (scan_id, chunk) DO UPDATE SET done_at = EXCLUDED.done_at",
                        &[&id.0, &c, &at],
                    )
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            })
        })
    }

    fn done_chunks(&self, id: ScanId) -> Result<BTreeSet<u64>> {
        let blocks: Vec<i64> = self.call(move |rt, client| {
            rt.block_on(async {
                let rows = client
                    .query("SELECT chunk FROM chunks WHERE scan_id = $1", &[&id.0])
                    .await?;
                rows.iter()
                    .map(|r| Ok(r.try_get(0)?))
                    .collect::<Result<_>>()
            })
        })?;
        blocks
            .into_iter()
            .map(|n| {
                u64::try_from(n)
                    .map_err(|_| StoreError::Corrupt(format!("scan {id}: block number {n}")))
            })
            .collect()
    }

    fn discard_unfinished(&mut self, id: ScanId) -> Result<u64> {
        self.call(move |rt, client| {
            rt.block_on(async {
                Ok(client
                    .execute(
                        "DELETE FROM observations WHERE scan_id = $1 AND NOT done AND chunk >= 0",
                        &[&id.0],
                    )
                    .await?)
            })
        })
    }

    fn for_each_observation(&self, id: ScanId, each: &mut dyn FnMut(Observation)) -> Result<u64> {
        // Rows come back in batches over a bounded channel, so a scan of
        // millions of observations is never held whole in memory.
        let (tx, rx) = mpsc::sync_channel::<Vec<Row>>(2);
        let jobs = self.jobs.as_ref().ok_or(StoreError::Disconnected)?;
        let (done_tx, done_rx) = mpsc::sync_channel::<Result<()>>(1);
        jobs.send(Box::new(move |rt, client| {
            let streamed = rt.block_on(async {
                let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&id.0];
                let rows = client
                    .query_raw(
                        "SELECT addr, port, source, field, value, seen_at FROM observations WHERE scan_id = $1 ORDER BY id",
                        params,
                    )
                    .await?;
                pin_mut!(rows);
                let mut batch = Vec::with_capacity(READ_BATCH);
                while let Some(row) = rows.next().await {
                    batch.push(row?);
                    if batch.len() == READ_BATCH && tx.send(std::mem::take(&mut batch)).is_err() {
                        return Ok(()); // the reader stopped
                    }
                }
                if !batch.is_empty() {
                    let _ = tx.send(batch);
                }
                Ok(())
            });
            drop(tx);
            let _ = done_tx.send(streamed);
        }))
        .map_err(|_| StoreError::Disconnected)?;
        let mut n = 0;
        let mut damaged = None;
        for batch in rx {
            for row in &batch {
                match read_observation(row) {
                    Ok(o) if damaged.is_none() => {
                        each(o);
                        n += 1;
                    }
                    Ok(_) => {}
                    Err(e) => damaged = damaged.or(Some(e)),
                }
            }
        }
        done_rx.recv().map_err(|_| StoreError::Disconnected)??;
        match damaged {
            Some(e) => Err(e),
            None => Ok(n),
        }
    }

    fn observation_count(&self, id: ScanId) -> Result<u64> {
        let n: i64 = self.call(move |rt, client| {
            rt.block_on(async {
                let row = client
                    .query_one(
                        "SELECT COUNT(*) FROM observations WHERE scan_id = $1",
                        &[&id.0],
                    )
                    .await?;
                Ok(row.try_get(0)?)
            })
        })?;
        Ok(n.max(0) as u64)
    }

    fn set_devices(&mut self, id: ScanId, devices: &[Device]) -> Result<()> {
        // Encoded before the transaction, so a device that cannot be
        // written leaves the stored ones as they were.
        let rows: Vec<DeviceRow> = devices.iter().map(DeviceRow::of).collect::<Result<_>>()?;
        self.call(move |rt, client| {
            rt.block_on(async {
                let tx = client.transaction().await?;
                let org: Option<i64> = match tx
                    .query_opt("SELECT org_id FROM scans WHERE id = $1", &[&id.0])
                    .await?
                {
                    Some(row) => row.try_get(0)?,
                    None => None,
                };
                tx.execute("DELETE FROM devices WHERE scan_id = $1", &[&id.0])
                    .await?;
                estate::append_devices(&tx, org, id.0, &rows).await?;
                tx.commit().await?;
                Ok(())
            })
        })
    }

    fn devices(&self, id: ScanId) -> Result<Vec<Device>> {
        let rows = self.call(move |rt, client| {
            rt.block_on(async {
                Ok(client
                    .query(
                        "SELECT idx, device FROM devices WHERE scan_id = $1 ORDER BY idx",
                        &[&id.0],
                    )
                    .await?)
            })
        })?;
        rows.iter()
            .map(|r| {
                let idx: i32 = r.try_get(0)?;
                let json: String = r.try_get(1)?;
                serde_json::from_str(&json)
                    .map_err(|e| StoreError::Corrupt(format!("scan {id}: device {idx}: {e}")))
            })
            .collect()
    }

    fn delete_scan(&mut self, id: ScanId) -> Result<()> {
        // The foreign keys cascade to chunks, observations and devices.
        let n = self.call(move |rt, client| {
            rt.block_on(async {
                Ok(client
                    .execute("DELETE FROM scans WHERE id = $1", &[&id.0])
                    .await?)
            })
        })?;
        if n == 0 {
            return Err(StoreError::NoScan(id));
        }
        Ok(())
    }
}
