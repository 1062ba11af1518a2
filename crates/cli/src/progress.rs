//! The scan's progress display: the pipeline's [`Events`] shown as a bar
//! with rate and ETA on a terminal, a line every 10 s otherwise, and the
//! messages for resume and Ctrl-C.

use std::io::{self, IsTerminal};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use camaudit_pipeline::{ChunkRecorded, Events, Resumed, ScanStarted};
use camaudit_probe::Progress;

/// Running totals shown beside the scanner's own counters.
#[derive(Default)]
struct Found {
    devices: AtomicU64,
    covered: AtomicU64,
}

/// Shows a scan's progress on standard error (nothing when quiet).
pub struct ScanDisplay {
    quiet: bool,
    /// Named in the start line, so the user knows where the scan is kept.
    /// The store as shown (a PostgreSQL address without its password).
    store: String,
    found: Arc<Found>,
    ticker: Mutex<Option<Ticker>>,
}

impl ScanDisplay {
    pub fn new(quiet: bool, store: String) -> ScanDisplay {
        ScanDisplay {
            quiet,
            store,
            found: Arc::default(),
            ticker: Mutex::new(None),
        }
    }

    fn stop_ticker(&self) {
        let ticker = self.ticker.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(t) = ticker {
            t.finish();
        }
    }
}

impl Drop for ScanDisplay {
    fn drop(&mut self) {
        self.stop_ticker();
    }
}

impl Events for ScanDisplay {
    fn resumed(&self, r: &Resumed) {
        if self.quiet {
            return;
        }
        let redo = if r.discarded > 0 {
            format!(", {} partial observations to redo", r.discarded)
        } else {
            String::new()
        };
        eprintln!(
            "camaudit: resuming scan {}: {} of {} address blocks already done{redo}",
            r.scan, r.blocks_done, r.blocks_total
        );
    }

    fn scan_started(&self, s: &ScanStarted) {
        if self.quiet {
            return;
        }
        eprintln!(
            "camaudit: scan {}: {} addresses × {} ports at ≤{}/s, {} sockets (store {})",
            s.scan, s.addresses, s.ports, s.rate, s.concurrency, self.store
        );
        let ticker = Ticker::start(s.progress.clone(), self.found.clone());
        *self.ticker.lock().unwrap_or_else(|p| p.into_inner()) = Some(ticker);
    }

    fn chunk_recorded(&self, c: &ChunkRecorded) {
        self.found
            .devices
            .fetch_add(c.devices as u64, Ordering::Relaxed);
        self.found
            .covered
            .fetch_add(c.covered as u64, Ordering::Relaxed);
    }

    fn stopping(&self) {
        eprintln!(
            "\ncamaudit: stopping (finishing the blocks in flight); Ctrl-C again to quit at once"
        );
    }

    fn stop_now(&self) {
        // Every block recorded so far is committed: nothing is lost.
        std::process::exit(130);
    }

    fn probing_finished(&self) {
        self.stop_ticker();
    }
}

/// The thread that redraws the display.
struct Ticker {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Ticker {
    fn start(progress: Arc<Progress>, found: Arc<Found>) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let thread = std::thread::spawn(move || draw_until(&s, &progress, &found));
        Ticker {
            stop,
            thread: Some(thread),
        }
    }

    fn finish(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn draw_until(stop: &AtomicBool, progress: &Progress, found: &Found) {
    let tty = io::stderr().is_terminal();
    let started = Instant::now();
    let bar = tty.then(|| {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} hosts  {msg}  ETA {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let mut last_line = Instant::now();
    loop {
        let done = stop.load(Ordering::SeqCst);
        let total = progress.get(&progress.hosts_total);
        let hosts = progress.get(&progress.hosts_done);
        let rate = hosts as f64 / started.elapsed().as_secs_f64().max(0.001);
        let msg = format!(
            "{} open ports, {} devices, {} covered, {:.0} hosts/s",
            progress.get(&progress.open_ports),
            found.devices.load(Ordering::Relaxed),
            found.covered.load(Ordering::Relaxed),
            rate
        );
        if let Some(b) = &bar {
            b.set_length(total);
            b.set_position(hosts);
            b.set_message(msg);
            b.tick();
        } else if last_line.elapsed() >= Duration::from_secs(10) || done {
            let eta = if rate > 0.0 && total > hosts {
                format!("{:.0}s", (total - hosts) as f64 / rate)
            } else {
                "-".to_owned()
            };
            eprintln!("camaudit: {hosts}/{total} hosts, {msg}, ETA {eta}");
            last_line = Instant::now();
        }
        if done {
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
