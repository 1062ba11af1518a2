//! The store: every scan's targets, parameters and progress, the
//! observations it made and the devices identified from them, behind one
//! interface, [`Store`].
//!
//! A "scan" here is one collection of observations from one source: an
//! active sweep (`camaudit scan`), an imported file (`camaudit import`), and
//! later a packet capture or a sensor's batch. The pipeline talks to the
//! trait only, so a second backend (PostgreSQL for an estate server) slots
//! in without touching it; [`SqliteStore`] is the embedded default, one
//! file with no set-up.
//!
//! Progress is recorded per chunk of target addresses: a chunk's
//! observations and its "done" mark are written in one transaction, so
//! after a kill the store holds whole chunks only (plus, for an interrupted
//! chunk, observations marked partial, which a resume discards before
//! probing the chunk again).

mod estate;
mod location;
mod migrations;
mod postgres;
mod sqlite;
mod stored;
mod types;

pub use estate::{
    BadBatchId, BadSlug, BatchId, BatchOutcome, DeviceCursor, DeviceQuery, Estate, NewOrganisation,
    NewSite, NewToken, OrgId, Organisation, Page, PlanId, Sector, SensorBatch, Site, SiteDevice,
    SiteId, Slug, StoredPlan, Token, TokenId, TokenScope,
};
pub use location::{EstateStore, Location, open, open_estate};
pub use migrations::SCHEMA_VERSION;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
pub use types::{Chunk, ChunkState, NewScan, Scan, ScanId, ScanKind, ScanStatus, UnknownValue};

use std::collections::BTreeSet;

use camaudit_model::{Device, Observation};
use time::OffsetDateTime;

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("SQLite: {0}")]
    Sqlite(rusqlite::Error),
    #[error("PostgreSQL: {}", postgres::describe(.0))]
    Postgres(tokio_postgres::Error),
    /// The server named by `--db` could not be reached or refused us.
    #[error(
        "cannot open the PostgreSQL store {location}: {reason} (is the server running, and does --db name its host, port, user and database?)"
    )]
    Connect { location: String, reason: String },
    /// The PostgreSQL connection's worker thread is gone (it panicked or the
    /// connection broke earlier): nothing more can be written.
    #[error("the PostgreSQL connection stopped; open the store again")]
    Disconnected,
    #[error(
        "the store was written by a newer camaudit (schema {found}, this one knows {SCHEMA_VERSION}): upgrade camaudit"
    )]
    NewerSchema { found: i64 },
    /// A migration of the schema failed; nothing of it was kept.
    #[error("cannot migrate the store to schema {version} ({name}): {reason}")]
    Migration {
        version: i64,
        name: &'static str,
        reason: String,
    },
    /// A name that must be unique is taken (an organisation's or a site's
    /// slug).
    #[error("{0} already exists")]
    Conflict(String),
    #[error("no scan {0} in this store (check --db, or the id printed when the scan started)")]
    NoScan(ScanId),
    #[error("no organisation {0} in this store (`camaudit org list` shows them)")]
    NoOrganisation(OrgId),
    #[error("no site {0} in this store (`camaudit site list` shows them)")]
    NoSite(SiteId),
    #[error("no token {0} in this store (`camaudit token list` shows them)")]
    NoToken(TokenId),
    /// A write that the estate's rules refuse (a sensor token without
    /// sites, a site of another organisation, a batch id reused for
    /// another site), refused before anything was written.
    #[error("refused: {0}")]
    Invalid(String),
    /// Something read back is not what this store writes: the file was
    /// edited or damaged.
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    /// A value could not be turned into its stored form (a bug, or a value
    /// the format cannot hold), before anything was written.
    #[error("cannot store {what}: {error}")]
    Encode {
        what: &'static str,
        error: serde_json::Error,
    },
    /// A value the backend cannot hold as it is (PostgreSQL text cannot
    /// hold NUL), refused before anything was written.
    #[error("cannot store {what}: {why}")]
    Unstorable {
        what: &'static str,
        why: &'static str,
    },
}

// By hand rather than `#[from]`, which would also make the SQLite error the
// `source()` and print it twice in a chain of causes.
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        StoreError::Postgres(e)
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// What the pipeline needs from a store. Every write is atomic: it happens
/// whole or not at all, so a killed process leaves the store consistent.
pub trait Store {
    /// Records a new scan, status running, and returns its id.
    fn create_scan(&mut self, scan: &NewScan) -> Result<ScanId>;

    /// One scan's record.
    fn scan(&self, id: ScanId) -> Result<Scan>;

    /// Every scan, oldest first.
    fn scans(&self) -> Result<Vec<Scan>>;

    /// Replaces what a scan says about its origin, once the source has said
    /// it (an imported file names its own start time and arguments only
    /// after it has been read).
    fn set_origin(
        &mut self,
        id: ScanId,
        started_at: OffsetDateTime,
        params: &serde_json::Value,
    ) -> Result<()>;

    /// Sets a scan's status; any status but running also sets its end time.
    fn set_status(&mut self, id: ScanId, status: ScanStatus, at: OffsetDateTime) -> Result<()>;

    /// Records observations of one chunk. [`ChunkState::Done`] marks the
    /// chunk finished in the same transaction and replaces any partial
    /// observations recorded for it earlier.
    fn record_chunk(
        &mut self,
        id: ScanId,
        chunk: Chunk,
        state: ChunkState,
        observations: &[Observation],
        at: OffsetDateTime,
    ) -> Result<()>;

    /// The address blocks a scan has finished.
    fn done_chunks(&self, id: ScanId) -> Result<BTreeSet<u64>>;

    /// Before a resume: drops the observations of blocks that did not
    /// finish (they will be probed again). Returns how many were dropped.
    fn discard_unfinished(&mut self, id: ScanId) -> Result<u64>;

    /// Every observation of a scan, in the order recorded, to `each`.
    /// Returns how many there were.
    fn for_each_observation(&self, id: ScanId, each: &mut dyn FnMut(Observation)) -> Result<u64>;

    /// How many observations a scan has.
    fn observation_count(&self, id: ScanId) -> Result<u64>;

    /// Replaces a scan's devices.
    fn set_devices(&mut self, id: ScanId, devices: &[Device]) -> Result<()>;

    /// A scan's devices, in the order set.
    fn devices(&self, id: ScanId) -> Result<Vec<Device>>;

    /// Removes a scan with everything recorded for it (an import that
    /// failed half-way leaves nothing behind).
    fn delete_scan(&mut self, id: ScanId) -> Result<()>;

    /// Every observation of a scan.
    fn observations(&self, id: ScanId) -> Result<Vec<Observation>> {
        let mut all = Vec::new();
        self.for_each_observation(id, &mut |o| all.push(o))?;
        Ok(all)
    }
}
