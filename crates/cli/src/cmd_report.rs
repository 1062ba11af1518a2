//! `camaudit report`: the board report of an estate, from the devices of
//! its latest scans, its estate file and the plan `camaudit plan` makes,
//! as one self-contained HTML page (`--html`) or the same figures as a
//! table, JSON or CSV.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use camaudit_policy::{Estate, assess};
use camaudit_report::{BoardReport, board_report_html, write_board_report};
use time::Date;

use crate::board::{Board, Measured};
use crate::cmd_identify::{write_atomically, write_to};
use crate::engine_args::EngineArgs;
use crate::output::Format;
use crate::plan_sources::{Choice, Sourced, from_devices, read_store};

#[derive(clap::Args)]
#[command(
    about = "Write the board report: headline figures, sites, findings with their evidence, the plan's cost and risk curve, in one self-contained HTML page",
    long_about = "Write the board report of an estate: what a board reads in five minutes.\n\nFrom the devices of the latest finished scan in --db (or the scans named with --scan, merged: one per site of a multi-site estate), the estate file and the plan `camaudit plan` makes under the estate's budget and capacity: the share of sites and of sensitive sites with covered equipment, covered devices on core networks or calling home (measured from a packet capture in the store, or the hosts the devices' own evidence shows them contacting), rebrands, known exploited vulnerabilities, the cost and time to clear; a table per site; the findings in plain words, each with the evidence behind it; the plan's cost per period and residual-risk curve as charts; what changed since the previous report; the registry's version and the method.\n\n--html writes one HTML file with everything inline (no script, nothing fetched, printable on A4). --format json|csv gives the same figures for machines; a JSON report holds its devices and can be the next one's --previous.",
    after_help = "Examples:
  camaudit report --db camaudit.db --estate estate.toml --html report.html
  camaudit report --db camaudit.db --estate estate.toml --scan 4 --scan 7 --from 2027-01-01 --format json > report.json
  camaudit report --db camaudit.db --estate estate.toml --previous last-quarter.json --html report.html
  camaudit report --estate examples/estate.toml --devices examples/council-devices.jsonl --from 2027-01-01
  camaudit report --db camaudit.db --estate estate.toml --format csv > sites.csv

Open report.html in any browser, offline; print it on A4. What each part means: docs/reports.md."
)]
pub struct Args {
    /// The estate file: sites, networks and zones, costs, budget and capacity (docs/estate.md).
    #[arg(long, value_name = "FILE")]
    estate: PathBuf,
    /// Devices from this scan store: the latest finished scan, or those named with --scan. A SQLite file, or postgres://user@host/db.
    #[arg(long, value_name = "PATH|URL", conflicts_with = "devices")]
    db: Option<camaudit_store::Location>,
    /// A scan of --db to report on; repeat for several (their devices merged, the newest sighting kept).
    #[arg(long = "scan", value_name = "SCAN_ID", requires = "db")]
    scans: Vec<i64>,
    /// Devices from a JSONL file instead (the output of identify, scan, import or pcap).
    #[arg(long, value_name = "FILE")]
    devices: Option<PathBuf>,
    /// The previous report (its --format json), to say what changed; default: the previous finished scan of the same kind in --db.
    #[arg(long, value_name = "FILE")]
    previous: Option<PathBuf>,
    /// The day the plan starts and the report is dated (YYYY-MM-DD; default: today).
    #[arg(long, value_name = "DATE", value_parser = crate::cmd_plan::parse_date)]
    from: Option<Date>,
    /// Quarters the plan may use.
    #[arg(long, default_value_t = 20)]
    quarters: u32,
    /// Your organisation's controls and risk weights over the built-in ones (docs/plan.md, "Controls").
    #[arg(long, value_name = "FILE")]
    controls: Option<PathBuf>,
    /// Write the report as one self-contained HTML page to this file (written whole or not at all).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// The figures on standard output: table for people, json (the report and its devices), jsonl (the same on one line) or csv (one row per site, the estate first). Default: table, or nothing with --html.
    #[arg(long, value_enum)]
    format: Option<Format>,
    #[command(flatten)]
    engine: EngineArgs,
    /// No summary line on standard error.
    #[arg(short, long)]
    quiet: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    if args.quarters == 0 || args.quarters > 400 {
        bail!("--quarters {}: give 1 to 400", args.quarters);
    }
    let estate = Estate::read(&args.estate)?;
    let policy = crate::planning::policy(&estate, &args.estate, args.controls.as_deref())?;
    let engine = args.engine.options().build()?;
    let (sourced, measured) = input(&args, &engine)?;
    let from = args
        .from
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let Sourced {
        assets,
        devices,
        reach,
        described,
    } = sourced;
    let assessment = assess(&estate, &policy, assets, &reach);
    let plan = crate::planning::plan(&estate, &policy, &assessment, from, args.quarters)?;
    let report = crate::board::build(
        &estate,
        Board {
            assessment: &assessment,
            devices: &devices,
            plan: &plan,
            engine: &engine,
            measured,
            described,
            previous_report: args.previous.as_deref(),
        },
    )?;
    if let Some(path) = &args.html {
        let html = board_report_html(&report)?;
        write_atomically(path, |out| {
            out.write_all(html.as_bytes())
                .context("writing the HTML report")
        })?;
    }
    let format = args.format.or(args.html.is_none().then_some(Format::Table));
    if let Some(format) = format {
        write_to(None, |out| {
            Ok(write_board_report(out, &report, &devices, format.into())?)
        })?;
    }
    if !args.quiet {
        eprintln!("camaudit: {}", summary(&report, args.html.as_deref()));
    }
    Ok(ExitCode::SUCCESS)
}

/// The devices, and what the store or file says about them.
fn input(args: &Args, engine: &camaudit_identify::Engine) -> Result<(Sourced, Measured)> {
    match (&args.db, &args.devices) {
        (Some(db), _) => {
            let choice = if args.scans.is_empty() {
                Choice::LatestComplete
            } else {
                Choice::These(args.scans.clone())
            };
            let read = read_store(db, &choice, engine)?;
            let measured = Measured::of_store(&read, db);
            Ok((read.sourced, measured))
        }
        (None, Some(path)) => {
            let sourced = from_devices(path, None, engine)?;
            let measured = Measured::of_devices_file(&sourced, path);
            Ok((sourced, measured))
        }
        (None, None) => {
            bail!("no devices: give --db camaudit.db (a scan store) or --devices devices.jsonl")
        }
    }
}

/// "12 of 40 devices covered, on 3 of 6 sites; plan £18,400 by 2027-09-30 (report.html)".
fn summary(r: &BoardReport, html: Option<&std::path::Path>) -> String {
    let o = &r.overview;
    format!(
        "{} of {} devices covered, on {} of {} sites; plan {} {}{}",
        o.covered_devices,
        o.devices,
        o.sites_with_covered,
        o.sites,
        camaudit_report::money(o.cost_to_clear, &o.currency),
        o.clear_by.as_ref().map_or_else(
            || "(not cleared within the plan)".to_owned(),
            |d| format!("by {d}")
        ),
        html.map(|p| format!("; report written to {}", p.display()))
            .unwrap_or_default()
    )
}
