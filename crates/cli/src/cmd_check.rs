//! `camaudit check FILE`: a procurement list or asset register (CSV, XLSX)
//! checked line by line against the registry.

use std::io::{self, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use camaudit_check::{Checker, FailOn};
use camaudit_report::{check_summary_line, write_check_report};

use crate::cmd_identify::write_to;
use crate::engine_args::EngineArgs;
use crate::output::Format;

/// Exit status when at least one line fails the `--fail-on` gate.
pub const EXIT_COVERED: u8 = 3;

/// The verdicts `--fail-on` can gate on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Gate {
    /// Only covered lines fail.
    Covered,
    /// Covered and likely-covered lines fail.
    Likely,
    /// Covered, likely-covered and disputed lines fail (the default).
    Disputed,
    /// Every line not positively not-covered fails: an allow-list gate.
    Unknown,
}

impl From<Gate> for FailOn {
    fn from(g: Gate) -> FailOn {
        match g {
            Gate::Covered => FailOn::Covered,
            Gate::Likely => FailOn::Likely,
            Gate::Disputed => FailOn::Disputed,
            Gate::Unknown => FailOn::Unknown,
        }
    }
}

#[derive(clap::Args)]
#[command(
    about = "Check a procurement list or asset register (CSV or XLSX) against the registry, line by line",
    long_about = "Check a procurement list, quote, framework catalogue or asset register (CSV or XLSX) against the registry, line by line.\n\nColumns may come in any order under the usual names (Manufacturer/Make/Vendor, Brand, Model/Part Number/SKU, Description, Serial, Quantity, Site); free-text descriptions such as \"Annke 4K turret C800\" are read too. Each line gets a verdict (covered, likely-covered, disputed, not-covered, unknown), the weakest link of its chain in words, the reason chain with sources and confidence, and the regimes that cover it. likely-covered: a regime covers the maker but the chain rests on a low-confidence link (one community report, protocol compatibility); disputed: the maker's jurisdiction or control is disputed and a regime covers it under some readings only.\n\nExit status: 3 when any line fails the --fail-on gate (by default any covered, likely-covered or disputed line), 0 when none does, 1 on errors (2 on bad arguments), so the check can gate a purchasing or change pipeline.",
    after_help = "Examples:
  camaudit check quote.csv
  camaudit check asset-register.xlsx --sheet Cameras --format csv -o checked.csv
  camaudit check framework.csv --format jsonl | jq 'select(.verdict == \"covered\")'
  camaudit check quote.csv --registry ./our-registry/     # your own trusted/banned decisions
  camaudit check quote.csv -q || echo \"covered equipment on the quote (exit $?)\"
  camaudit check quote.csv --fail-on covered      # only firmly covered lines fail
  camaudit check quote.csv --fail-on unknown      # only positively not-covered lines pass

Header synonyms and the output columns are listed in docs/check.md."
)]
pub struct Args {
    /// CSV (UTF-8; comma, semicolon or tab separated) or workbook (.xlsx, .xlsm, .xls, .ods); `-` reads CSV from standard input.
    file: PathBuf,
    /// Output format: table for people; json, jsonl (one object per data row) or csv (your columns plus the verdict columns) for machines.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write to this file instead of standard output (written whole or not at all).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Workbook sheet to read (default: the first).
    #[arg(long)]
    sheet: Option<String>,
    #[command(flatten)]
    engine: EngineArgs,
    /// Which lines fail the check (exit status 3): covered; likely (covered or likely-covered); disputed (those and disputed; the default); unknown (every line not positively not-covered).
    #[arg(long, value_enum, default_value = "disputed", value_name = "VERDICT")]
    fail_on: Gate,
    /// No summary line on standard error.
    #[arg(short, long)]
    quiet: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let engine = args.engine.options().build()?;
    let table = if args.file.as_os_str() == "-" {
        if args.sheet.is_some() {
            anyhow::bail!("--sheet applies to workbook files; standard input is read as CSV");
        }
        let mut bytes = Vec::new();
        io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
        camaudit_check::read_csv("stdin", &bytes)?
    } else {
        camaudit_check::read_path(&args.file, args.sheet.as_deref())?
    };
    let report = Checker::new(&engine).check(table)?;
    let registry = engine.registry();
    write_to(args.output.as_deref(), |out| {
        Ok(write_check_report(
            out,
            &report,
            registry,
            args.format.into(),
        )?)
    })?;
    if !args.quiet {
        eprintln!("{}", check_summary_line(&report, registry));
    }
    let status = if report.fails(args.fail_on.into()) {
        ExitCode::from(EXIT_COVERED)
    } else {
        ExitCode::SUCCESS
    };
    // The process ends here: freeing 100,000 lines one by one took a
    // twentieth of a large check, and the OS reclaims them at once.
    std::mem::forget(report);
    std::mem::forget(engine);
    Ok(status)
}
