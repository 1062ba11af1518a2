//! Observations that arrive whole from elsewhere — an imported file of
//! another tool's results, later a packet capture or a sensor's batch at
//! the estate server — through the same store and engine as a scan.

use camaudit_identify::Engine;
use camaudit_model::{Device, Observation};
use camaudit_store::{Chunk, ChunkState, NewScan, ScanId, ScanKind, ScanStatus, Store};
use time::OffsetDateTime;

use crate::{PipelineError, identify_scan};

/// Where a batch comes from and how it was produced, as stored with it.
#[derive(Debug, Clone)]
pub struct BatchSource {
    pub kind: ScanKind,
    /// What was read, as the user named it (a file path).
    pub name: String,
    /// When the source says its evidence was gathered (nmap's run start),
    /// else when it was read.
    pub started_at: OffsetDateTime,
    /// How the source was produced (the tool's version and arguments…).
    pub params: serde_json::Value,
}

/// A batch of observations from one source, whole.
#[derive(Debug, Clone)]
pub struct Batch {
    pub source: BatchSource,
    pub observations: Vec<Observation>,
}

/// What a batch became.
#[derive(Debug, Clone)]
pub struct BatchOutcome {
    pub scan: ScanId,
    pub observations: u64,
    pub devices: Vec<Device>,
}

/// Records a whole batch as a new scan, identifies its devices and records
/// them.
pub fn ingest(
    store: &mut dyn Store,
    engine: &Engine,
    batch: Batch,
) -> Result<BatchOutcome, PipelineError> {
    let mut ingest = Ingest::begin(store, batch.source)?;
    if let Err(e) = ingest.add(&batch.observations) {
        ingest.abandon();
        return Err(e);
    }
    ingest.finish(engine)
}

/// A batch that arrives in parts (a large file read host by host, a
/// capture): each part is recorded as it comes, so memory holds one part,
/// not the file. [`Ingest::finish`] identifies and completes the scan;
/// [`Ingest::abandon`] removes it, so a source that fails half-way leaves
/// nothing in the store.
pub struct Ingest<'s> {
    store: &'s mut dyn Store,
    scan: ScanId,
}

impl<'s> Ingest<'s> {
    /// Creates the scan, status running.
    pub fn begin(
        store: &'s mut dyn Store,
        source: BatchSource,
    ) -> Result<Ingest<'s>, PipelineError> {
        let scan = store.create_scan(&NewScan {
            kind: source.kind,
            started_at: source.started_at,
            targets: vec![source.name],
            exclude: Vec::new(),
            params: source.params,
            total_addresses: 0,
            chunk_size: 0,
            chunks_total: 0,
        })?;
        Ok(Ingest { store, scan })
    }

    pub fn scan(&self) -> ScanId {
        self.scan
    }

    /// Records one part, in one transaction.
    pub fn add(&mut self, observations: &[Observation]) -> Result<(), PipelineError> {
        record_part(self.store, self.scan, observations)
    }

    /// Records what the source said about itself once it was read (its own
    /// start time and how it was produced), replacing what [`Ingest::begin`] had.
    pub fn set_origin(
        &mut self,
        started_at: OffsetDateTime,
        params: &serde_json::Value,
    ) -> Result<(), PipelineError> {
        self.store.set_origin(self.scan, started_at, params)?;
        Ok(())
    }

    /// Identifies over everything recorded, records the devices and marks
    /// the scan complete.
    pub fn finish(self, engine: &Engine) -> Result<BatchOutcome, PipelineError> {
        let (observations, devices) = identify_scan(self.store, engine, self.scan)?;
        self.store
            .set_status(self.scan, ScanStatus::Complete, OffsetDateTime::now_utc())?;
        Ok(BatchOutcome {
            scan: self.scan,
            observations,
            devices,
        })
    }

    /// Removes the scan and what was recorded for it. Best effort: if even
    /// that fails the scan stays, marked interrupted.
    pub fn abandon(self) {
        if self.store.delete_scan(self.scan).is_err() {
            let _ = self.store.set_status(
                self.scan,
                ScanStatus::Interrupted,
                OffsetDateTime::now_utc(),
            );
        }
    }
}

/// Adds observations to an existing scan (a sensor's next batch) and
/// identifies over all it now holds, so devices merge across batches.
pub fn append(
    store: &mut dyn Store,
    engine: &Engine,
    scan: ScanId,
    observations: &[Observation],
) -> Result<BatchOutcome, PipelineError> {
    record_part(store, scan, observations)?;
    let (observations, devices) = identify_scan(store, engine, scan)?;
    Ok(BatchOutcome {
        scan,
        observations,
        devices,
    })
}

/// A part of a batch belongs to no address block and is whole as it comes.
fn record_part(
    store: &mut dyn Store,
    scan: ScanId,
    observations: &[Observation],
) -> Result<(), PipelineError> {
    store.record_chunk(
        scan,
        Chunk::Unchunked,
        ChunkState::Done,
        observations,
        OffsetDateTime::now_utc(),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use camaudit_store::SqliteStore;

    use super::*;

    fn obs(addr: &str, field: &str, value: &str) -> Observation {
        Observation::new(addr.parse().unwrap(), Some(80), field, value).unwrap()
    }

    fn source() -> BatchSource {
        BatchSource {
            kind: ScanKind::Import,
            name: "scan.xml".to_owned(),
            started_at: OffsetDateTime::UNIX_EPOCH,
            params: serde_json::json!({"tool": "nmap"}),
        }
    }

    fn batch(observations: Vec<Observation>) -> Batch {
        Batch {
            source: source(),
            observations,
        }
    }

    #[test]
    fn a_batch_becomes_a_complete_scan_with_identified_devices() {
        let engine = Engine::builtin().unwrap();
        let mut store = SqliteStore::in_memory().unwrap();
        let out = ingest(
            &mut store,
            &engine,
            batch(vec![
                obs("10.1.2.3", "http.header.server", "App-webs/"),
                obs("10.1.2.4", "http.title", "Welcome"),
            ]),
        )
        .unwrap();
        assert_eq!(out.observations, 2);
        let hik = out
            .devices
            .iter()
            .find(|d| d.addr == Some("10.1.2.3".parse().unwrap()))
            .unwrap();
        assert_eq!(
            hik.manufacturer.as_ref().map(|m| m.as_str()),
            Some("hikvision")
        );
        assert!(hik.covered);
        let scan = store.scan(out.scan).unwrap();
        assert_eq!(scan.kind, ScanKind::Import);
        assert_eq!(scan.status, ScanStatus::Complete);
        assert_eq!(scan.targets, ["scan.xml"]);
        assert_eq!(scan.started_at, OffsetDateTime::UNIX_EPOCH);
        assert_eq!(store.devices(out.scan).unwrap(), out.devices);
    }

    #[test]
    fn a_later_batch_merges_with_the_devices_already_there() {
        let engine = Engine::builtin().unwrap();
        let mut store = SqliteStore::in_memory().unwrap();
        let first = ingest(
            &mut store,
            &engine,
            batch(vec![obs("10.1.2.3", "http.title", "Login")]),
        )
        .unwrap();
        assert!(first.devices.iter().all(|d| !d.covered));
        let second = append(
            &mut store,
            &engine,
            first.scan,
            &[obs("10.1.2.3", "http.header.server", "App-webs/")],
        )
        .unwrap();
        assert_eq!(second.observations, 2);
        assert_eq!(second.devices.len(), 1);
        assert!(second.devices[0].covered);
    }

    #[test]
    fn an_abandoned_ingest_leaves_nothing_in_the_store() {
        let mut store = SqliteStore::in_memory().unwrap();
        let mut ingest = Ingest::begin(&mut store, source()).unwrap();
        let scan = ingest.scan();
        ingest
            .add(&[obs("10.1.2.3", "http.header.server", "App-webs/")])
            .unwrap();
        ingest.abandon();
        assert!(store.scans().unwrap().is_empty());
        assert_eq!(store.observation_count(scan).unwrap(), 0);
    }

    #[test]
    fn parts_recorded_one_by_one_identify_as_one_batch() {
        let engine = Engine::builtin().unwrap();
        let mut store = SqliteStore::in_memory().unwrap();
        let mut ingest = Ingest::begin(&mut store, source()).unwrap();
        ingest
            .add(&[obs("10.1.2.3", "http.title", "Login")])
            .unwrap();
        ingest
            .add(&[obs("10.1.2.3", "http.header.server", "App-webs/")])
            .unwrap();
        let out = ingest.finish(&engine).unwrap();
        assert_eq!(out.observations, 2);
        assert_eq!(out.devices.len(), 1);
        assert!(out.devices[0].covered);
        assert_eq!(store.scan(out.scan).unwrap().status, ScanStatus::Complete);
    }
}
