//! `camaudit identify`: observation JSONL in, attributed devices out.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use camaudit_model::Device;

use crate::engine_args::EngineArgs;
use crate::output::{Format, write_devices};
use camaudit_import::jsonl::read_observations;

/// Bad lines printed one by one before only the count is kept.
const BAD_LINES_SHOWN: u64 = 20;

#[derive(clap::Args)]
#[command(
    about = "Identify devices from observation JSONL (one {addr, field, value} object per line)",
    after_help = "Examples:
  camaudit identify examples/observations.jsonl
  echo '{\"addr\":\"10.1.2.3\",\"field\":\"http.header.server\",\"value\":\"App-webs/\"}' | camaudit identify --format jsonl
  camaudit identify capture.jsonl --format csv -o devices.csv --rules ./our-rules/
  camaudit identify capture.jsonl --registry ./our-registry/ --oui oui.csv

Fields are listed in docs/fields.md; the output schema in docs/device-schema.md."
)]
pub struct Args {
    /// Observation JSONL file; `-` or nothing reads standard input.
    input: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write to this file instead of standard output (written whole or not at all).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Stop at the first malformed line instead of reporting it and going on.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    engine: EngineArgs,
    /// No summary line on standard error.
    #[arg(short, long)]
    quiet: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let engine = args.engine.options().build()?;
    let mut identifier = engine.identifier();
    let mut shown = 0u64;
    let (good, bad) = {
        let mut reader: Box<dyn io::BufRead> = match &args.input {
            None => Box::new(io::stdin().lock()),
            Some(p) if p.as_os_str() == "-" => Box::new(io::stdin().lock()),
            Some(p) => {
                Box::new(BufReader::new(File::open(p).with_context(|| {
                    format!("cannot open {}: check the path", p.display())
                })?))
            }
        };
        let name = input_name(args.input.as_deref());
        read_observations(
            &mut reader,
            args.strict,
            |obs| identifier.add(&obs),
            |bad| {
                shown += 1;
                if shown <= BAD_LINES_SHOWN {
                    eprintln!(
                        "camaudit: {name}: line {}: skipped: {}",
                        bad.number, bad.problem
                    );
                }
            },
        )
        .with_context(|| format!("reading {name}"))?
    };
    let devices = identifier.finish();
    write_to(args.output.as_deref(), |out| {
        write_devices(out, &devices, args.format)
    })?;
    if !args.quiet {
        eprintln!("{}", summary(good, bad, &devices));
    }
    Ok(ExitCode::SUCCESS)
}

fn input_name(p: Option<&Path>) -> String {
    match p {
        None => "stdin".into(),
        Some(p) if p.as_os_str() == "-" => "stdin".into(),
        Some(p) => p.display().to_string(),
    }
}

/// Writes to `output` whole or not at all ([`write_atomically`]), or to
/// standard output when there is none.
pub fn write_to(
    output: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    match output {
        None => {
            let stdout = io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            write(&mut out)?;
            out.flush().context("writing to standard output")
        }
        Some(path) => write_atomically(path, write),
    }
}

/// Writes to a temporary file beside `path` and renames it into place, so a
/// failure never leaves a half-written report behind. A path that exists
/// and is not a regular file (`/dev/null`, a FIFO, a terminal) is written in
/// place: renaming over it would replace the device with a file.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let special = std::fs::metadata(path).is_ok_and(|m| !m.file_type().is_file());
    if special {
        return write_in_place(path, write);
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut out = BufWriter::new(
            File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?,
        );
        write(&mut out)?;
        out.into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, path)
            .with_context(|| format!("moving output into place at {}", path.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes straight into `path`, which exists and is not a regular file.
fn write_in_place(path: &Path, write: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .with_context(|| format!("cannot open {} for writing", path.display()))?;
    let mut out = BufWriter::new(file);
    write(&mut out)?;
    out.flush()
        .with_context(|| format!("writing {}", path.display()))
}

fn summary(good: u64, bad: u64, devices: &[Device]) -> String {
    let covered = devices.iter().filter(|d| d.covered).count();
    let rebrands = devices
        .iter()
        .filter(|d| d.covered && d.is_rebrand())
        .count();
    let oem = devices
        .iter()
        .filter(|d| d.covered && d.is_oem_rebrand())
        .count();
    let unknown = devices.iter().filter(|d| d.manufacturer.is_none()).count();
    let mut s = format!(
        "camaudit: {good} observations → {} devices: {covered} covered ({rebrands} under another label, {oem} of them OEM rebrands), {unknown} of unknown make",
        devices.len()
    );
    if bad > 0 {
        s.push_str(&format!(
            "; {bad} malformed lines skipped (use --strict to stop on them)"
        ));
    }
    s
}
