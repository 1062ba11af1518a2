//! Active scans through the pipeline: sweep and probe targets block by
//! block, record each block in the store as it finishes, then identify
//! over everything the scan found and record the devices. A scan stopped
//! by Ctrl-C, an error or a kill is resumed from its finished blocks.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use camaudit_identify::Engine;
use camaudit_model::Device;
use camaudit_probe::scan::{DEFAULT_CONCURRENCY, DEFAULT_PORTS, DEFAULT_RATE};
use camaudit_probe::udp::Ignored;
use camaudit_probe::{Audit, CHUNK_SIZE, ChunkResult, Keyring, ScanConfig, Scanner, TargetSet};
use camaudit_store::{Chunk, ChunkState, NewScan, ScanId, ScanKind, ScanStatus, Store};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::events::{ChunkRecorded, Events, Resumed, ScanStarted, Stop};
use crate::{PipelineError, identify_scan};

/// How a scan probes, as stored with it: a resume rebuilds the scan from
/// these. Keys missing from an older store take today's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScanParams {
    /// TCP ports to sweep.
    pub ports: Vec<u16>,
    /// Connection attempts (and UDP probes) per second, for the whole scan.
    pub rate: u32,
    /// Sockets open at once, at most.
    pub concurrency: usize,
    /// TCP connect timeout (no answer = filtered).
    pub timeout_ms: u64,
    /// Time for one request and reply in stage 2.
    pub io_timeout_ms: u64,
    /// Extra connect attempts on a timeout.
    pub retries: u32,
    /// Unicast UDP discovery (WS-Discovery, SADP, DHIP, SSDP).
    pub udp: bool,
    pub udp_wait_ms: u64,
    /// Multicast discovery out of this interface (name or IPv4 address).
    pub interface: Option<String>,
    /// Whether credentials were given; they are never stored, so a resume
    /// must be given them again.
    pub credentials: bool,
    /// Lab use only: services answer at their usual port plus this.
    pub port_offset: u16,
    /// Where the scan was run from. Absent from older stores and from
    /// scans that did not say; written only when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vantage: Option<Vantage>,
}

/// The network a scan was run from: what it reaches is reachable from
/// there (a covered device answering a scan from a core network is
/// connected to it, whatever its own address says).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vantage {
    pub zone: camaudit_policy::Zone,
    /// The estate's site id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// The sensor's own address, when the vantage was derived from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensor_addr: Option<std::net::IpAddr>,
}

impl Default for ScanParams {
    fn default() -> Self {
        ScanParams {
            ports: DEFAULT_PORTS.to_vec(),
            rate: DEFAULT_RATE,
            concurrency: DEFAULT_CONCURRENCY,
            timeout_ms: 1500,
            io_timeout_ms: 5000,
            retries: 1,
            udp: true,
            udp_wait_ms: 1500,
            interface: None,
            credentials: false,
            port_offset: 0,
            vantage: None,
        }
    }
}

impl ScanParams {
    /// The parameters with every value in the range the scanner works in
    /// (a rate of 0 would never send; a 1 ms timeout finds nothing).
    fn normalised(mut self) -> ScanParams {
        self.rate = self.rate.max(1);
        self.concurrency = self.concurrency.max(1);
        self.timeout_ms = self.timeout_ms.max(50);
        self.io_timeout_ms = self.io_timeout_ms.max(100);
        self
    }

    fn probe_config(
        &self,
        credentials: Option<Arc<Keyring>>,
        audit: Audit,
    ) -> Result<ScanConfig, PipelineError> {
        let multicast = match &self.interface {
            None => None,
            Some(iface) => Some(
                camaudit_probe::udp::interface_ipv4(iface)
                    .ok_or_else(|| PipelineError::Interface(iface.clone()))?,
            ),
        };
        Ok(ScanConfig {
            ports: self.ports.clone(),
            rate: self.rate,
            concurrency: self.concurrency,
            connect_timeout: Duration::from_millis(self.timeout_ms),
            io_timeout: Duration::from_millis(self.io_timeout_ms),
            retries: self.retries,
            udp: self.udp,
            udp_wait: Duration::from_millis(self.udp_wait_ms),
            multicast,
            credentials,
            audit,
            port_offset: self.port_offset,
        })
    }
}

/// What Ctrl-C does to a running scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CtrlC {
    /// Stop after the blocks in flight, keeping everything found
    /// ([`Events::stopping`]); a second one calls [`Events::stop_now`].
    Stops,
    /// Not watched (a library caller, a test).
    Ignored,
}

/// A new scan.
#[derive(Debug, Clone)]
pub struct ScanJob {
    /// Addresses, CIDRs, ranges and host names, as the user gave them.
    pub targets: Vec<String>,
    /// Never touched (same forms).
    pub exclude: Vec<String>,
    pub params: ScanParams,
    /// Scoped ONVIF credentials; without them nothing is authenticated.
    /// Never stored: `params` only records whether there were any.
    pub credentials: Option<Arc<Keyring>>,
    /// Where every request sent is recorded (`--audit-log`).
    pub audit: Audit,
    pub ctrl_c: CtrlC,
}

/// A stored scan to continue.
#[derive(Debug, Clone)]
pub struct ResumeJob {
    pub scan: ScanId,
    /// The same credentials again, if the scan used them.
    pub credentials: Option<Arc<Keyring>>,
    pub audit: Audit,
    pub ctrl_c: CtrlC,
}

/// What one run of a scan found.
#[derive(Debug, Clone)]
pub struct ScanOutcome {
    pub scan: ScanId,
    pub status: ScanStatus,
    /// Stopped by Ctrl-C before the end (resumable).
    pub interrupted: bool,
    /// A resume of a scan that had already finished: nothing was probed,
    /// and `devices` are the stored ones.
    pub already_complete: bool,
    pub addresses: u64,
    pub ports: usize,
    pub hosts_up: u64,
    pub open_ports: u64,
    /// Observations the scan holds (across resumes).
    pub observations: u64,
    pub devices: Vec<Device>,
    pub elapsed: Duration,
    /// Discovery replies from addresses that are not targets (outside the
    /// list or excluded): seen, never probed, not recorded as devices.
    pub replies_ignored: Ignored,
}

/// Runs a new scan: creates it in `store`, probes, records, identifies.
pub fn run(
    store: &mut dyn Store,
    engine: &Engine,
    job: ScanJob,
    events: &dyn Events,
) -> Result<ScanOutcome, PipelineError> {
    let started = Instant::now();
    let mut params = job.params.normalised();
    params.credentials = job.credentials.is_some();
    let config = params.probe_config(job.credentials, job.audit)?;
    let targets = parse_targets(&job.targets, &job.exclude)?;
    let scan = store.create_scan(&NewScan {
        kind: ScanKind::Scan,
        started_at: OffsetDateTime::now_utc(),
        targets: job.targets,
        exclude: job.exclude,
        params: serde_json::to_value(&params).map_err(PipelineError::EncodeParams)?,
        total_addresses: targets.len(),
        chunk_size: CHUNK_SIZE,
        chunks_total: targets.chunk_count(),
    })?;
    let run = ProbeRun {
        scan,
        targets,
        config,
        skip: HashSet::new(),
        ctrl_c: job.ctrl_c,
    };
    finish_scan(store, engine, run, events, started)
}

/// Continues a stored scan from its finished blocks. A scan that is
/// already complete is not probed again: its stored devices come back.
pub fn resume(
    store: &mut dyn Store,
    engine: &Engine,
    job: ResumeJob,
    events: &dyn Events,
) -> Result<ScanOutcome, PipelineError> {
    let started = Instant::now();
    let stored = store.scan(job.scan)?;
    if stored.kind != ScanKind::Scan {
        return Err(PipelineError::NotAScan {
            scan: job.scan,
            kind: stored.kind,
        });
    }
    if stored.status == ScanStatus::Complete {
        return stored_outcome(store, &stored, started);
    }
    let params: ScanParams = serde_json::from_value(stored.params.clone()).map_err(|error| {
        PipelineError::StoredParams {
            scan: job.scan,
            error,
        }
    })?;
    let credentials = match (params.credentials, job.credentials) {
        (true, None) => return Err(PipelineError::CredentialsNeeded(job.scan)),
        (true, given) => given,
        (false, _) => None,
    };
    let config = params.probe_config(credentials, job.audit)?;
    let targets = parse_targets(&stored.targets, &stored.exclude)?;
    let discarded = store.discard_unfinished(job.scan)?;
    let done = store.done_chunks(job.scan)?;
    store.set_status(job.scan, ScanStatus::Running, OffsetDateTime::now_utc())?;
    events.resumed(&Resumed {
        scan: job.scan,
        blocks_done: done.len() as u64,
        blocks_total: stored.chunks_total,
        discarded,
    });
    let run = ProbeRun {
        scan: job.scan,
        targets,
        config,
        skip: done.into_iter().collect(),
        ctrl_c: job.ctrl_c,
    };
    finish_scan(store, engine, run, events, started)
}

fn parse_targets(targets: &[String], exclude: &[String]) -> Result<Arc<TargetSet>, PipelineError> {
    let set = TargetSet::parse(targets, exclude)?;
    if set.is_empty() {
        return Err(PipelineError::NoTargets);
    }
    Ok(Arc::new(set))
}

fn stored_outcome(
    store: &dyn Store,
    stored: &camaudit_store::Scan,
    started: Instant,
) -> Result<ScanOutcome, PipelineError> {
    let params: ScanParams = serde_json::from_value(stored.params.clone()).unwrap_or_default();
    Ok(ScanOutcome {
        scan: stored.id,
        status: stored.status,
        interrupted: false,
        already_complete: true,
        addresses: stored.total_addresses,
        ports: params.ports.len(),
        hosts_up: 0,
        open_ports: 0,
        observations: store.observation_count(stored.id)?,
        devices: store.devices(stored.id)?,
        elapsed: started.elapsed(),
        replies_ignored: Ignored::default(),
    })
}

/// A scan ready to probe.
struct ProbeRun {
    scan: ScanId,
    targets: Arc<TargetSet>,
    config: ScanConfig,
    skip: HashSet<u64>,
    ctrl_c: CtrlC,
}

/// What probing left behind, besides the store's rows.
struct Probed {
    interrupted: bool,
    hosts_up: u64,
    open_ports: u64,
    replies_ignored: Ignored,
}

fn finish_scan(
    store: &mut dyn Store,
    engine: &Engine,
    run: ProbeRun,
    events: &dyn Events,
    started: Instant,
) -> Result<ScanOutcome, PipelineError> {
    let (scan, addresses, ports) = (run.scan, run.targets.len(), run.config.ports.len());
    let probed = match probe_and_record(store, engine, run, events) {
        Ok(p) => p,
        Err(e) => {
            // Best effort: the error itself is what the user needs to see.
            let _ = store.set_status(scan, ScanStatus::Interrupted, OffsetDateTime::now_utc());
            return Err(e);
        }
    };
    events.probing_finished();
    let (observations, devices) = identify_scan(store, engine, scan)?;
    let status = if probed.interrupted {
        ScanStatus::Interrupted
    } else {
        ScanStatus::Complete
    };
    store.set_status(scan, status, OffsetDateTime::now_utc())?;
    Ok(ScanOutcome {
        scan,
        status,
        interrupted: probed.interrupted,
        already_complete: false,
        addresses,
        ports,
        hosts_up: probed.hosts_up,
        open_ports: probed.open_ports,
        observations,
        devices,
        elapsed: started.elapsed(),
        replies_ignored: probed.replies_ignored,
    })
}

/// Probes every block not yet done, recording each in the store as it
/// arrives. A store that cannot be written stops the probing: nothing
/// found afterwards could be kept.
fn probe_and_record(
    store: &mut dyn Store,
    engine: &Engine,
    run: ProbeRun,
    events: &dyn Events,
) -> Result<Probed, PipelineError> {
    let scan = run.scan;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(PipelineError::Runtime)?;
    let audit = run.config.audit.clone();
    let scanner = Arc::new(Scanner::new(run.config).map_err(PipelineError::Probe)?);
    let progress = scanner.progress();
    let cancel = scanner.cancel_handle();
    let stop = Stop::new(cancel.clone());
    let (tx, mut rx) = tokio::sync::mpsc::channel::<ChunkResult>(64);
    let scan_task = {
        let (scanner, targets, skip) = (scanner.clone(), run.targets.clone(), run.skip);
        rt.spawn(async move { scanner.run(targets, skip, tx).await })
    };
    let (signal_tx, mut signals) = tokio::sync::mpsc::unbounded_channel::<()>();
    if run.ctrl_c == CtrlC::Stops {
        rt.spawn(forward_ctrl_c(signal_tx.clone()));
    }
    events.scan_started(&ScanStarted {
        scan,
        addresses: run.targets.len(),
        ports: scanner.config().ports.len(),
        rate: scanner.config().rate,
        concurrency: scanner.config().concurrency,
        progress: progress.clone(),
        stop: stop.clone(),
    });
    let mut store_error = None;
    let mut audit_error = None;
    rt.block_on(async {
        loop {
            tokio::select! {
                Some(()) = signals.recv() => {
                    audit.flush();
                    if stop.is_requested() {
                        events.stop_now();
                    } else {
                        stop.stop();
                        events.stopping();
                    }
                }
                result = rx.recv() => {
                    let Some(result) = result else { break };
                    if store_error.is_some() {
                        continue;
                    }
                    if let Err(e) = record(store, engine, scan, &result, events) {
                        cancel.cancel();
                        store_error = Some(e);
                    }
                    // Requests that can no longer be recorded must not be sent.
                    if audit_error.is_none() && let Some(e) = audit.failure() {
                        cancel.cancel();
                        audit_error = Some(e);
                    }
                }
            }
        }
    });
    drop(signal_tx);
    let scan_result = rt.block_on(scan_task);
    rt.shutdown_timeout(Duration::from_secs(1));
    audit.flush();
    if let Some(reason) = audit_error.or_else(|| audit.failure()) {
        return Err(PipelineError::Audit { scan, reason });
    }
    if let Some(error) = store_error {
        return Err(PipelineError::StoreDuringScan { scan, error });
    }
    match scan_result {
        Ok(Ok(())) => {}
        Ok(Err(error)) => return Err(PipelineError::Scan { scan, error }),
        Err(e) => {
            return Err(PipelineError::ScanStopped {
                scan,
                reason: e.to_string(),
            });
        }
    }
    Ok(Probed {
        interrupted: stop.is_requested(),
        hosts_up: progress.get(&progress.hosts_up),
        open_ports: progress.get(&progress.open_ports),
        replies_ignored: scanner.ignored(),
    })
}

/// Records one block and tells the display what it held.
fn record(
    store: &mut dyn Store,
    engine: &Engine,
    scan: ScanId,
    result: &ChunkResult,
    events: &dyn Events,
) -> Result<(), camaudit_store::StoreError> {
    let chunk = result.chunk.map_or(Chunk::Unchunked, Chunk::Block);
    let state = if result.complete {
        ChunkState::Done
    } else {
        ChunkState::Partial
    };
    store.record_chunk(
        scan,
        chunk,
        state,
        &result.observations,
        OffsetDateTime::now_utc(),
    )?;
    let devices = engine.identify(&result.observations);
    events.chunk_recorded(&ChunkRecorded {
        observations: result.observations.len(),
        devices: devices.len(),
        covered: devices.iter().filter(|d| d.covered).count(),
    });
    Ok(())
}

/// Sends one message per Ctrl-C until the receiver is gone.
async fn forward_ctrl_c(tx: tokio::sync::mpsc::UnboundedSender<()>) {
    while tokio::signal::ctrl_c().await.is_ok() {
        if tx.send(()).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_from_an_older_store_take_todays_defaults() {
        let stored = serde_json::json!({"ports": [80, 554], "rate": 50});
        let p: ScanParams = serde_json::from_value(stored).unwrap();
        assert_eq!(p.ports, [80, 554]);
        assert_eq!(p.rate, 50);
        assert_eq!(p.io_timeout_ms, 5000);
        assert!(p.udp);
        assert!(!p.credentials);
    }

    #[test]
    fn parameters_keep_the_stored_key_names() {
        // Stores written before the typed struct used these keys.
        let v = serde_json::to_value(ScanParams::default()).unwrap();
        let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "concurrency",
                "credentials",
                "interface",
                "io_timeout_ms",
                "ports",
                "rate",
                "retries",
                "timeout_ms",
                "udp",
                "udp_wait_ms",
                "port_offset"
            ]
            .iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_vantage_is_stored_with_the_scan_and_older_stores_have_none() {
        let p = ScanParams {
            vantage: Some(Vantage {
                zone: camaudit_policy::Zone::Core,
                site: Some("town-hall".into()),
                sensor_addr: None,
            }),
            ..ScanParams::default()
        };
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(
            v["vantage"],
            serde_json::json!({"zone": "core", "site": "town-hall"})
        );
        let back: ScanParams = serde_json::from_value(v).unwrap();
        assert_eq!(back, p);
        let old: ScanParams = serde_json::from_value(serde_json::json!({"rate": 50})).unwrap();
        assert_eq!(old.vantage, None);
        let bad = serde_json::json!({"vantage": {"zone": "dmz"}});
        assert!(serde_json::from_value::<ScanParams>(bad).is_err());
    }

    #[test]
    fn values_the_scanner_cannot_work_with_are_raised() {
        let p = ScanParams {
            rate: 0,
            concurrency: 0,
            timeout_ms: 1,
            io_timeout_ms: 1,
            ..ScanParams::default()
        }
        .normalised();
        assert_eq!(
            (p.rate, p.concurrency, p.timeout_ms, p.io_timeout_ms),
            (1, 1, 50, 100)
        );
    }

    #[test]
    fn an_unknown_interface_is_refused_before_anything_is_stored() {
        let p = ScanParams {
            interface: Some("camaudit-no-such-if0".to_owned()),
            ..ScanParams::default()
        };
        let err = p
            .probe_config(None, Audit::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("camaudit-no-such-if0"), "{err}");
    }
}
