//! The pipeline every source of observations goes through:
//!
//! ```text
//! source (scan | import | capture | sensor batch)
//!     ─► store (observations, per block) ─► identify (one engine) ─► store (devices) ─► caller renders
//! ```
//!
//! [`scan::run`] drives an active scan with resume and Ctrl-C;
//! [`batch::ingest`] takes observations that arrive whole from elsewhere (an
//! imported nmap file, later a packet capture or a sensor's batch at the
//! server). Both reach the store through [`camaudit_store::Store`] only and
//! build devices with the same [`Engine`], which every command assembles
//! the same way ([`EngineOptions`]). Progress goes to an [`Events`]
//! implementation; the pipeline prints nothing.
//!
//! [`dry_run::plan`] says what a scan would send where without sending it.
//!
//! [`grade`] scores devices against a simulator's answer key (for the demo
//! and the accuracy tests), and with the `demo` feature [`demo`] runs the
//! whole job on a simulated estate in process.

pub mod batch;
#[cfg(feature = "demo")]
pub mod demo;
pub mod dry_run;
pub mod engine;
pub mod events;
pub mod grade;
pub mod scan;

pub use engine::{EngineBuildError, EngineOptions};
pub use events::{ChunkRecorded, Events, NoEvents, Resumed, ScanStarted, Stop};

use camaudit_identify::Engine;
use camaudit_model::Device;
use camaudit_probe::{ProbeError, TargetError};
use camaudit_store::{ScanId, ScanKind, Store, StoreError};

/// Why a pipeline run stopped. Errors during a scan name the scan, so the
/// user can resume it.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Targets(#[from] TargetError),
    #[error("the targets minus the exclusions leave no address to scan")]
    NoTargets,
    #[error("interface {0}: no such interface with an IPv4 address")]
    Interface(String),
    #[error("scan {0} used credentials: give the same credentials file again to resume it")]
    CredentialsNeeded(ScanId),
    #[error(
        "scan {scan} was recorded by `camaudit {kind}`, not by an active scan: there is nothing to resume (run `camaudit {kind}` again on the same input instead)"
    )]
    NotAScan { scan: ScanId, kind: ScanKind },
    #[error("scan {scan}: its stored parameters cannot be read: {error}")]
    StoredParams {
        scan: ScanId,
        error: serde_json::Error,
    },
    #[error("cannot record the scan parameters: {0}")]
    EncodeParams(serde_json::Error),
    #[error("starting the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("setting up the scanner: {0}")]
    Probe(ProbeError),
    #[error("scanning (resume with --resume {scan}): {error}")]
    Scan { scan: ScanId, error: ProbeError },
    #[error("the scan stopped unexpectedly: {reason} (resume with --resume {scan})")]
    ScanStopped { scan: ScanId, reason: String },
    #[error("writing to the store (resume later with --resume {scan}): {error}")]
    StoreDuringScan { scan: ScanId, error: StoreError },
    #[error(
        "{reason}: the scan stopped so that no request goes unrecorded (resume with --resume {scan} once the log can be written)"
    )]
    Audit { scan: ScanId, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Identifies over every observation a scan holds (across resumes and
/// batches) and records the devices. Returns the observation count and
/// the devices.
pub fn identify_scan(
    store: &mut dyn Store,
    engine: &Engine,
    scan: ScanId,
) -> Result<(u64, Vec<Device>), StoreError> {
    let mut identifier = engine.identifier();
    let observations = store.for_each_observation(scan, &mut |o| identifier.add(&o))?;
    let devices = identifier.finish();
    store.set_devices(scan, &devices)?;
    Ok((observations, devices))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resuming_a_capture_or_an_import_says_what_to_run_instead() {
        let pcap = PipelineError::NotAScan {
            scan: camaudit_store::ScanId(7),
            kind: ScanKind::Pcap,
        };
        assert_eq!(
            pcap.to_string(),
            "scan 7 was recorded by `camaudit pcap`, not by an active scan: there is nothing to resume (run `camaudit pcap` again on the same input instead)"
        );
        let import = PipelineError::NotAScan {
            scan: camaudit_store::ScanId(8),
            kind: ScanKind::Import,
        };
        assert!(import.to_string().contains("by `camaudit import`"));
    }
}
