//! `camaudit diff SCAN_A SCAN_B`: what changed on a network between two
//! stored scans. Identity and classification are `camaudit-history`'s;
//! rendering is `camaudit-report`'s.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use camaudit_history::{DiffOptions, diff_estate_scans};
use camaudit_store::{Location, ScanId};

use crate::cmd_identify::write_to;
use crate::output::Format;
use crate::store_arg;

#[derive(clap::Args)]
#[command(
    about = "Compare two stored scans: new, gone and changed devices, replacements, rebrand swaps and covered devices that came back",
    long_about = "Compare two stored scans of one place: which devices are new, gone or changed (address, MAC, firmware, model, maker, label, coverage, type), which were replaced at the same address (and whether a covered device was merely swapped for a rebrand of the same maker), and which covered devices came back after an absence (earlier scans of the same place are searched).\n\nThe same physical device is recognised by its MAC, or its serial number with its maker; only where neither scan gives one to compare, by address, maker and model. Names set by the installer never decide it. docs/diff.md has the rules.",
    after_help = "Examples:
  camaudit diff 3 4                            # scan 3 against scan 4 in camaudit.db
  camaudit diff 3 4 --db estate.db --format json -o changes.json
  camaudit diff 3 4 --format csv               # one row per new, gone, changed or replaced device
  camaudit diff 1 9 --any-site                 # scans of different targets or sites

Scan ids are printed when a scan, import or pcap starts (\"scan 4 of 127.77.1.0/24 …\")."
)]
pub struct Args {
    /// The earlier scan's id.
    scan_a: i64,
    /// The later scan's id.
    scan_b: i64,
    /// The store holding both scans: a SQLite file, or postgres://user@host/db.
    #[arg(long, default_value = "camaudit.db", value_name = "PATH|URL")]
    db: Location,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write to this file instead of standard output (written whole or not at all).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Compare scans of different places (other targets, or run from other sites).
    #[arg(long)]
    any_site: bool,
    /// How many scans before SCAN_A to search for covered devices that came back.
    #[arg(long, default_value_t = DiffOptions::default().lookback, value_name = "N")]
    lookback: usize,
    /// No summary line on standard error (machine formats).
    #[arg(short, long)]
    quiet: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    // Opening a SQLite path creates the file: a mistyped --db would
    // otherwise become an empty store and "no scan 3".
    if args.db.is_missing_file() {
        anyhow::bail!(
            "no store at {}: name the store the scans were recorded in with --db",
            args.db
        );
    }
    let store = store_arg::open_estate(&args.db)?;
    let options = DiffOptions {
        any_site: args.any_site,
        lookback: args.lookback,
    };
    let (a, b) = (ScanId(args.scan_a), ScanId(args.scan_b));
    let diff = diff_estate_scans(&*store, a, b, &options)
        .with_context(|| format!("comparing scan {a} with scan {b} in {}", args.db))?;
    write_to(args.output.as_deref(), |out| {
        Ok(camaudit_report::write_diff(out, &diff, args.format.into())?)
    })?;
    if !args.quiet && (args.format != Format::Table || args.output.is_some()) {
        eprintln!("camaudit: {}", camaudit_report::diff_summary_line(&diff));
    }
    Ok(ExitCode::SUCCESS)
}
