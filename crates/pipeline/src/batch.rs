//! Observations that arrive whole from elsewhere — an imported file of
//! another tool's results, later a packet capture or a sensor's batch at
//! the estate server — through the same store and engine as a scan.

use std::collections::HashSet;

use camaudit_identify::Engine;
use camaudit_model::{Device, Observation};
use camaudit_store::{Chunk, ChunkState, NewScan, ScanId, ScanKind, ScanStatus, Store};
use time::OffsetDateTime;

use crate::{PipelineError, identify_scan};

/// A batch of observations from one source.
#[derive(Debug, Clone)]
pub struct Batch {
    pub kind: ScanKind,
    /// What was read, as the user named it (a file path).
    pub source: String,
    /// When the source says its evidence was gathered (nmap's run start),
    /// else when it was read.
    pub started_at: OffsetDateTime,
    /// How the source was produced (the tool's version and arguments…), as
    /// stored with the scan.
    pub params: serde_json::Value,
    pub observations: Vec<Observation>,
}

/// What a batch became.
#[derive(Debug, Clone)]
pub struct BatchOutcome {
    pub scan: ScanId,
    pub observations: u64,
    pub devices: Vec<Device>,
}

/// Records a batch as a new scan, identifies its devices and records them.
/// The observations are written in one transaction, so a failure leaves
/// the scan empty and marked interrupted, never half-recorded.
pub fn ingest(
    store: &mut dyn Store,
    engine: &Engine,
    batch: Batch,
) -> Result<BatchOutcome, PipelineError> {
    let addresses: HashSet<_> = batch.observations.iter().map(|o| o.addr).collect();
    let scan = store.create_scan(&NewScan {
        kind: batch.kind,
        started_at: batch.started_at,
        targets: vec![batch.source],
        exclude: Vec::new(),
        params: batch.params,
        total_addresses: addresses.len() as u64,
        chunk_size: 0,
        chunks_total: 0,
    })?;
    match append(store, engine, scan, &batch.observations) {
        Ok(outcome) => {
            store.set_status(scan, ScanStatus::Complete, OffsetDateTime::now_utc())?;
            Ok(outcome)
        }
        Err(e) => {
            let _ = store.set_status(scan, ScanStatus::Interrupted, OffsetDateTime::now_utc());
            Err(e)
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
    store.record_chunk(
        scan,
        Chunk::Unchunked,
        ChunkState::Done,
        observations,
        OffsetDateTime::now_utc(),
    )?;
    let (observations, devices) = identify_scan(store, engine, scan)?;
    Ok(BatchOutcome {
        scan,
        observations,
        devices,
    })
}

#[cfg(test)]
mod tests {
    use camaudit_store::SqliteStore;

    use super::*;

    fn obs(addr: &str, field: &str, value: &str) -> Observation {
        Observation::new(addr.parse().unwrap(), Some(80), field, value).unwrap()
    }

    fn batch(observations: Vec<Observation>) -> Batch {
        Batch {
            kind: ScanKind::Import,
            source: "scan.xml".to_owned(),
            started_at: OffsetDateTime::UNIX_EPOCH,
            params: serde_json::json!({"tool": "nmap"}),
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
        assert_eq!(scan.total_addresses, 2);
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
}
