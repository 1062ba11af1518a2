//! What the pipeline tells whoever shows progress. The pipeline prints
//! nothing itself: the CLI implements [`Events`] with its progress bar, a
//! server with log lines, a test with nothing ([`NoEvents`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use camaudit_probe::Progress;
use camaudit_probe::scan::Cancel;
use camaudit_store::ScanId;

/// Stops a running scan from anywhere (a signal, a server request, a
/// test), as Ctrl-C does: the blocks in flight are recorded as partial,
/// and the scan ends interrupted and resumable.
#[derive(Debug, Clone, Default)]
pub struct Stop {
    cancel: Cancel,
    requested: Arc<AtomicBool>,
}

impl Stop {
    pub(crate) fn new(cancel: Cancel) -> Stop {
        Stop {
            cancel,
            requested: Arc::default(),
        }
    }

    pub fn stop(&self) {
        self.requested.store(true, Ordering::SeqCst);
        self.cancel.cancel();
    }

    pub fn is_requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }
}

/// A scan about to probe.
#[derive(Debug, Clone)]
pub struct ScanStarted {
    pub scan: ScanId,
    pub addresses: u64,
    pub ports: usize,
    /// Connection attempts per second, at most.
    pub rate: u32,
    /// Sockets open at once, at most.
    pub concurrency: usize,
    /// Counters the scanner updates as it goes (hosts done, open ports…).
    pub progress: Arc<Progress>,
    /// Stops this scan.
    pub stop: Stop,
}

/// A stored scan taken up again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resumed {
    pub scan: ScanId,
    pub blocks_done: u64,
    pub blocks_total: u64,
    /// Observations of unfinished blocks dropped, to be probed again.
    pub discarded: u64,
}

/// One block of targets (or the multicast replies) recorded in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkRecorded {
    pub observations: usize,
    /// Devices identified from this block alone, and how many are covered:
    /// running totals for a display, before the whole-scan identification.
    pub devices: usize,
    pub covered: usize,
}

/// Receives the pipeline's progress. Every method has a default that does
/// nothing, so an implementation takes only what it shows.
pub trait Events: Sync {
    fn resumed(&self, _resume: &Resumed) {}
    fn scan_started(&self, _start: &ScanStarted) {}
    fn chunk_recorded(&self, _chunk: &ChunkRecorded) {}
    /// The first Ctrl-C: the scan finishes the blocks in flight and stops.
    fn stopping(&self) {}
    /// A second Ctrl-C. The store is consistent at every commit, so the
    /// caller may leave at once (the CLI exits); if this returns, the scan
    /// goes on stopping.
    fn stop_now(&self) {}
    /// Probing is over; identification over the whole scan follows.
    fn probing_finished(&self) {}
}

/// Shows nothing.
pub struct NoEvents;

impl Events for NoEvents {}
