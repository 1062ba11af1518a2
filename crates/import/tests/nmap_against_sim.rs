//! nmap itself against the estate simulator on loopback, its XML read by
//! this crate, identified by the engine and graded against the simulator's
//! answer key: how many covered devices nmap's output alone finds, with
//! which maker, and that no trusted device is ever called covered.
//!
//! Traffic goes only to the /24 in 127.78.0.0/16 the simulator serves in
//! this process. Skipped when nmap is missing or ports below 1024 cannot be
//! bound, unless `CAMAUDIT_REQUIRE_PEERS=1` (CI), where that fails.

use std::io::BufReader;
use std::net::{IpAddr, Ipv4Addr};
use std::process::Command;
use std::time::Duration;

use camaudit_identify::Engine;
use camaudit_import::nmap::{Limits, read_nmap_xml};
use camaudit_model::{Observation, Source, TruthRecord};
use camaudit_pipeline::batch::{Batch, BatchSource};
use camaudit_pipeline::grade::grade;
use camaudit_sim::{Background, SimConfig};
use camaudit_store::{ScanKind, SqliteStore};
use camaudit_testkit::skip;

const DEVICES: u32 = 30;
const SEED: u64 = 11;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { geteuid() == 0 }
}

unsafe extern "C" {
    fn geteuid() -> u32;
}

/// The simulator serving the estate, and its answer key.
struct Estate {
    truth: Vec<TruthRecord>,
    dir: std::path::PathBuf,
    _sim: Background,
}

impl Drop for Estate {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start_estate() -> Estate {
    let third = 10 + (std::process::id() % 240) as u8;
    let base = Ipv4Addr::new(127, 78, third, 0);
    let dir = std::env::temp_dir().join(format!("camaudit-import-nmap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let ready = dir.join("ready");
    let config = SimConfig {
        devices: DEVICES,
        base: format!("{base}/24").parse().expect("cidr"),
        seed: SEED,
        faults: 0.0,
        ready_file: Some(ready.clone()),
        quiet: true,
        ..SimConfig::default()
    };
    let truth = camaudit_sim::plan(&config).expect("plan");
    let sim = Background::start(config, Duration::from_secs(30)).expect("the simulator serves");
    Estate {
        truth,
        dir,
        _sim: sim,
    }
}

/// The nmap run the README suggests for cameras, kept fast: only the
/// camera ports, the lightest version probes and the scripts the mapping
/// reads, with short script timeouts (loopback answers in microseconds).
fn nmap_xml(targets: &[String], out: &std::path::Path) -> Option<()> {
    let mut args: Vec<String> = [
        "-sT",
        "-sV",
        "--version-intensity",
        "0",
        "-Pn",
        "-n",
        "-T4",
        "-p",
        "80,443,554,8000,37777,34567",
        "--script",
        "http-title,http-headers,http-server-header,rtsp-methods,ssl-cert,banner",
        "--script-args",
        "banner.timeout=1s",
        "--script-timeout",
        "15s",
        "-oX",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.push(out.display().to_string());
    args.extend(targets.iter().cloned());
    match Command::new("nmap").args(&args).output() {
        Ok(o) => {
            assert!(
                o.status.success(),
                "nmap failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            Some(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            skip("`nmap` is not installed");
            None
        }
        Err(e) => panic!("running nmap: {e}"),
    }
}

#[test]
fn nmap_output_identifies_the_simulated_estate() {
    if !is_root() {
        skip("the simulator needs root to serve ports below 1024");
        return;
    }
    if Command::new("nmap").arg("--version").output().is_err() {
        skip("`nmap` is not installed");
        return;
    }
    let estate = start_estate();
    let targets: Vec<String> = estate.truth.iter().map(|t| t.addr.to_string()).collect();
    let xml_path = estate.dir.join("scan.xml");
    let Some(()) = nmap_xml(&targets, &xml_path) else {
        return;
    };
    let file = std::fs::File::open(&xml_path).expect("nmap wrote its XML");
    let import = read_nmap_xml(BufReader::new(file), &Limits::default()).expect("nmap's XML reads");
    assert_eq!(import.summary.hosts_read, u64::from(DEVICES));
    assert_eq!(import.summary.hosts_skipped, 0);
    assert!(import.summary.finished.is_some(), "runstats read");
    let only_targets =
        |o: &Observation| matches!(o.addr, IpAddr::V4(a) if a.octets()[..2] == [127, 78]);
    assert!(import.observations.iter().all(only_targets));

    // Through the pipeline and a real store, as `camaudit import` does.
    let engine = Engine::builtin().expect("engine");
    let mut store = SqliteStore::in_memory().expect("a store");
    let batch = Batch {
        source: BatchSource {
            kind: ScanKind::Import,
            name: "scan.xml".to_owned(),
            started_at: time::OffsetDateTime::now_utc(),
            params: serde_json::json!({"format": "nmap-xml"}),
        },
        observations: import.observations.clone(),
    };
    let outcome = camaudit_pipeline::batch::ingest(&mut store, &engine, batch).expect("ingest");
    let devices = outcome.devices;
    let g = grade(&estate.truth, &devices);
    eprintln!(
        "nmap → import → identify: covered found {}/{} ({:.1}%), makers named right {} wrong {} (precision {:.3})",
        g.covered_found,
        g.covered_truth,
        100.0 * g.covered_found as f64 / g.covered_truth.max(1) as f64,
        g.maker_right,
        g.wrong.len(),
        g.maker_right as f64 / (g.maker_right + g.wrong.len()).max(1) as f64
    );
    for (maker, (found, total)) in &g.covered_by_maker {
        eprintln!("  {maker}: {found}/{total}");
    }
    for w in &g.wrong {
        eprintln!("  wrong: {w}");
    }
    assert!(
        g.trusted_called_covered.is_empty(),
        "trusted called covered: {:?}",
        g.trusted_called_covered
    );
    assert!(
        g.decoys_called_cameras.is_empty(),
        "decoys called cameras: {:?}",
        g.decoys_called_cameras
    );
    assert!(g.verdict_flips.is_empty(), "{:?}", g.verdict_flips);
    assert!(g.wrong.is_empty(), "wrong makers: {:?}", g.wrong);
    // Hikvision and Dahua answer nmap's own probes with their platform
    // banners; every one of them must be found from nmap's output alone.
    for maker in ["hikvision", "dahua"] {
        let (found, total) = g.covered_by_maker.get(maker).copied().unwrap_or_default();
        assert!(total > 0 && found == total, "{maker}: {found}/{total}");
    }
    assert!(
        g.covered_found * 10 >= g.covered_truth * 8,
        "covered found {}/{}",
        g.covered_found,
        g.covered_truth
    );

    // nmap's conclusions alone (what `data/rules/nmap.toml` reads: service
    // products, CPEs, device types) with the open ports: as much as a plain
    // `-sV` report says, and still never a trusted device called covered.
    let conclusions: Vec<Observation> = import
        .observations
        .iter()
        .filter(|o| matches!(o.source, Source::Nmap | Source::Tcp))
        .cloned()
        .collect();
    let devices = Engine::builtin().expect("engine").identify(&conclusions);
    let c = grade(&estate.truth, &devices);
    eprintln!(
        "nmap's service conclusions only: covered found {}/{}, makers named right {} wrong {}",
        c.covered_found,
        c.covered_truth,
        c.maker_right,
        c.wrong.len()
    );
    for (maker, (found, total)) in &c.covered_by_maker {
        eprintln!("  {maker}: {found}/{total}");
    }
    for w in &c.wrong {
        eprintln!("  wrong: {w}");
    }
    assert!(
        c.trusted_called_covered.is_empty(),
        "{:?}",
        c.trusted_called_covered
    );
    // From products alone an EZVIZ camera (Hikvision's subsidiary, on
    // Hikvision's App-webs/ server) reads as Hikvision: a covered maker for
    // a covered maker is tolerated here, a change of verdict is not.
    assert!(c.verdict_flips.is_empty(), "{:?}", c.verdict_flips);
    let (found, total) = c
        .covered_by_maker
        .get("hikvision")
        .copied()
        .unwrap_or_default();
    assert!(
        found == total && total > 0,
        "hikvision from nmap's products: {found}/{total}"
    );
}
