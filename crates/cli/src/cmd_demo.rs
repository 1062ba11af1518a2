//! `camaudit demo`: the whole job on a simulated estate, with no network,
//! no root and no configuration. Starts the estate simulator in this process
//! on a free loopback range, scans it with the real scan pipeline, grades
//! what was found against the simulator's answer key, prints a summary and
//! writes the board report of the simulated estate (its plan and its grade
//! included: one self-contained HTML page) and the devices as JSONL.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use camaudit_pipeline::demo::{DemoConfig, DemoOutcome};
use camaudit_pipeline::grade::Grade;
use camaudit_pipeline::scan::ScanOutcome;
use camaudit_sim::Cidr;

use crate::cmd_identify::write_atomically;
use crate::engine_args::EngineArgs;
use crate::output::{Format, write_devices};
use crate::progress::ScanDisplay;

/// The report's file name, in `--out-dir`.
pub const REPORT_FILE: &str = "camaudit-demo-report.html";
/// The devices' file name, in `--out-dir`.
pub const DEVICES_FILE: &str = "camaudit-demo-devices.jsonl";
/// The simulated estate's sites and networks, for `camaudit plan`.
pub const ESTATE_FILE: &str = "camaudit-demo-estate.toml";

#[derive(clap::Args)]
#[command(
    about = "Try camaudit on a simulated estate: simulate, scan, unmask rebrands, grade, report (loopback only)",
    after_help = "Examples:
  camaudit demo                          # 200 devices, finishes in seconds
  camaudit demo --devices 1000 --out-dir /tmp/demo
  camaudit demo --seed 7 --faults 0.1    # another estate, some devices hostile

Everything happens on this machine's loopback addresses (127.77.x.x): no
network, no root, no configuration. The simulator's answer key grades the
scan. Writes camaudit-demo-report.html (the board report of the simulated
estate, with its plan and the grade), camaudit-demo-devices.jsonl and
camaudit-demo-estate.toml (the simulated sites, for `camaudit plan` and
`camaudit report`)."
)]
pub struct Args {
    /// Devices in the simulated estate (1 to 4000).
    #[arg(long, default_value_t = 200)]
    devices: u32,
    /// Seed of the estate's mix (the same seed gives the same estate).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share (0–1) of devices that misbehave (tarpits, endless headers, XML bombs…).
    #[arg(long, default_value_t = 0.0)]
    faults: f64,
    /// Loopback network to simulate on, e.g. 127.77.200.0/24 (default: a free one).
    #[arg(long)]
    base: Option<String>,
    /// Where to write the report and the devices.
    #[arg(long, default_value = ".", value_name = "DIR")]
    out_dir: PathBuf,
    /// Connection attempts per second (loopback takes far more than a real network).
    #[arg(long, default_value_t = 20_000)]
    rate: u32,
    /// No progress bar (the summary is still printed).
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    engine: EngineArgs,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let config = DemoConfig {
        devices: args.devices,
        seed: args.seed,
        faults: args.faults,
        base: args.base.clone(),
        rate: args.rate,
    };
    let engine = args.engine.options().build()?;
    let estate = config.choose_estate()?;
    std::fs::create_dir_all(&args.out_dir)
        .with_context(|| format!("creating {}", args.out_dir.display()))?;
    let started = Instant::now();
    eprintln!(
        "camaudit demo: simulating {} devices on {} (loopback only{})",
        args.devices,
        estate.base,
        if estate.port_offset == 0 {
            String::new()
        } else {
            format!(
                ", services at their usual port + {} to run without root",
                estate.port_offset
            )
        }
    );
    let display = ScanDisplay::new(args.quiet, "a temporary directory".to_owned());
    let outcome = camaudit_pipeline::demo::run(&config, estate, &engine, &display);
    drop(display);
    let outcome = outcome?;
    write_results(&args, &outcome, started.elapsed())?;
    Ok(if outcome.scan.interrupted {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}

fn write_results(args: &Args, demo: &DemoOutcome, elapsed: Duration) -> Result<()> {
    let outcome = &demo.scan;
    let report_path = args.out_dir.join(REPORT_FILE);
    let devices_path = args.out_dir.join(DEVICES_FILE);
    write_atomically(&devices_path, |out| {
        write_devices(out, &outcome.devices, Format::Jsonl)
    })?;
    let estate_path = args.out_dir.join(ESTATE_FILE);
    let estate = camaudit_pipeline::demo::estate_toml(demo.estate.base);
    write_atomically(&estate_path, |out| {
        out.write_all(estate.as_bytes())
            .context("writing the demo estate")
    })?;
    let scan = scan_summary(demo.estate.base, outcome);
    let accuracy = accuracy(&demo.grade);
    let grade = camaudit_report::DemoGrade {
        scan: scan.clone(),
        estate_devices: demo.truth.len(),
        accuracy,
    };
    let html = board_report(args, &estate_path, &devices_path, grade)?;
    write_atomically(&report_path, |out| {
        out.write_all(html.as_bytes()).context("writing the report")
    })?;
    print!(
        "{}",
        camaudit_report::demo_summary_text(
            &scan,
            &outcome.devices,
            &accuracy,
            elapsed.as_secs_f64(),
            &report_path,
            &devices_path
        )
    );
    println!(
        "Plan its remediation: camaudit plan --estate {} --devices {} --from {}",
        estate_path.display(),
        devices_path.display(),
        time::OffsetDateTime::now_utc().date()
    );
    Ok(())
}

/// The board report of the simulated estate: its devices planned the way
/// `camaudit plan --estate … --devices …` plans them, from today, with
/// the scan's grade against the answer key.
fn board_report(
    args: &Args,
    estate_path: &Path,
    devices_path: &Path,
    grade: camaudit_report::DemoGrade,
) -> Result<String> {
    let estate = camaudit_policy::Estate::read(estate_path)?;
    let policy = crate::planning::policy(&estate, estate_path, None)?;
    let engine = args.engine.options().build()?;
    let sourced = crate::plan_sources::from_devices(devices_path, None, &engine)?;
    let assessment = camaudit_policy::assess(&estate, &policy, sourced.assets, &sourced.reach);
    let today = time::OffsetDateTime::now_utc().date();
    let plan = crate::planning::plan(&estate, &policy, &assessment, today, 20)?;
    let report = camaudit_report::BoardReport::build(camaudit_report::BoardInput {
        estate: &estate,
        assessment: &assessment,
        devices: &sourced.devices,
        plan: &plan,
        registry: (&camaudit_report::RegistryStamp::of(engine.registry())).into(),
        call_home: camaudit_report::CallHome::NotMeasured,
        sources: vec![format!(
            "camaudit demo's scan of {} ({} devices)",
            grade.scan.target, grade.scan.devices
        )],
        changes: camaudit_report::Changes::NotCompared {
            why: "a demo has no previous report".to_owned(),
        },
        demo: Some(grade),
    });
    Ok(camaudit_report::board_report_html(&report)?)
}

fn scan_summary(base: Cidr, o: &ScanOutcome) -> camaudit_report::ScanSummary {
    camaudit_report::ScanSummary {
        target: base.to_string(),
        addresses: o.addresses,
        ports: o.ports,
        elapsed_seconds: o.elapsed.as_secs_f64(),
        devices: o.devices.len(),
        interrupted: o.interrupted,
    }
}

fn accuracy(g: &Grade) -> camaudit_report::Accuracy {
    camaudit_report::Accuracy {
        covered_truth: g.covered_truth,
        covered_found: g.covered_found,
        maker_right: g.maker_right,
        maker_wrong: g.maker_wrong,
        rebrands_truth: g.rebrands_truth,
        rebrands_unmasked: g.rebrands_unmasked,
        trusted_called_covered: g.trusted_called_covered.len(),
        decoys_called_cameras: g.decoys_called_cameras.len(),
    }
}
