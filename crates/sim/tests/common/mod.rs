//! Starts a small estate inside the test process on a /24 of its own and
//! stops it (closing every socket) when the guard is dropped.

#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use camaudit_model::TruthRecord;
use camaudit_sim::{SimConfig, SimError};
pub use camaudit_testkit::skip;

static NEXT: AtomicU32 = AtomicU32::new(0);

pub struct Estate {
    pub config: SimConfig,
    pub truth: Vec<TruthRecord>,
    pub dir: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<camaudit_sim::Summary, SimError>>>,
}

impl Drop for Estate {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A /24 in 127.77.0.0/16 no other estate of this process uses.
fn subnet() -> Ipv4Addr {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let third = 10 + ((std::process::id() + n * 37) % 240) as u8;
    Ipv4Addr::new(127, 77, third, 0)
}

pub fn start(devices: u32, seed: u64, faults: f64) -> Estate {
    start_with(|c| {
        c.devices = devices;
        c.seed = seed;
        c.faults = faults;
    })
}

pub fn start_with(tweak: impl Fn(&mut SimConfig)) -> Estate {
    let mut last = String::new();
    for _ in 0..8 {
        let net = subnet();
        let dir = std::env::temp_dir().join(format!(
            "camaudit-sim-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut config = SimConfig {
            base: format!("{net}/24").parse().expect("cidr"),
            truth: Some(dir.join("truth.jsonl")),
            ready_file: Some(dir.join("ready")),
            quiet: true,
            ..SimConfig::default()
        };
        config.devices = 30;
        tweak(&mut config);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let cfg = config.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(camaudit_sim::run(cfg, async {
                let _ = rx.await;
            }))
        });
        let ready = dir.join("ready");
        let mut waited = 0;
        while !ready.exists() && !thread.is_finished() && waited < 600 {
            std::thread::sleep(Duration::from_millis(50));
            waited += 1;
        }
        if ready.exists() {
            let text = std::fs::read_to_string(dir.join("truth.jsonl")).expect("truth file");
            let truth = text
                .lines()
                .map(|l| serde_json::from_str(l).expect("truth line parses as TruthRecord"))
                .collect();
            return Estate {
                config,
                truth,
                dir,
                stop: Some(tx),
                thread: Some(thread),
            };
        }
        let _ = tx.send(());
        last = match thread.join() {
            Ok(Err(e)) => e.to_string(),
            Ok(Ok(_)) => "stopped early".into(),
            Err(_) => "panicked".into(),
        };
        let _ = std::fs::remove_dir_all(&dir);
    }
    panic!("could not start an estate: {last}");
}

impl Estate {
    /// The first device whose truth satisfies `f`.
    pub fn find(&self, f: impl Fn(&TruthRecord) -> bool) -> &TruthRecord {
        self.truth
            .iter()
            .find(|t| f(t))
            .expect("the estate has a device of that kind")
    }

    pub fn full(&self) -> camaudit_sim::Estate {
        camaudit_sim::estate(&self.config).expect("estate")
    }
}

pub fn ip(t: &TruthRecord) -> String {
    match t.addr {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => a.to_string(),
    }
}

pub fn slug(v: &Option<camaudit_model::VendorId>) -> &str {
    v.as_ref().map(|v| v.as_str()).unwrap_or("")
}

/// Runs a command, or returns None (and says why) when it is not installed.
/// A test whose peer tool is missing skips on a bare machine, but fails
/// where CI promised the tools (`CAMAUDIT_REQUIRE_PEERS=1`, set by `.ci/run`),
/// so a missing install can never turn a check into a pass.
pub fn run(cmd: &str, args: &[&str]) -> Option<Output> {
    match Command::new(cmd).args(args).output() {
        Ok(o) => Some(o),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            skip(&format!(
                "`{cmd}` is not installed (see docs/sim.md, CI needs)"
            ));
            None
        }
        Err(e) => panic!("running {cmd}: {e}"),
    }
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// True when python3 can import `module`.
pub fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}
