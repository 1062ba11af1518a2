//! Generates `data/oui/surveillance-vendors.tsv` from IEEE registry files.
//!
//! ```text
//! cargo run -p camaudit-oui --example generate -- \
//!     [--mapping data/oui/vendors.toml] [--note TEXT]... [--date YYYY-MM-DD] \
//!     FRESHEST_FILE OLDER_FILE... > data/oui/surveillance-vendors.tsv
//! ```
//!
//! Inputs are IEEE CSV files or Wireshark manuf files (detected per file);
//! for a block listed in several, the earliest file wins. The table goes to
//! standard output, the per-vendor figures to standard error. The date is
//! today's (UTC) unless `--date` or `SOURCE_DATE_EPOCH` is given.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use camaudit_oui::generate::{GenerateOptions, Source, generate, utc_date};
use camaudit_oui::{VendorMapping, china};

const USAGE: &str = "usage: generate [--mapping FILE] [--note TEXT]... [--date YYYY-MM-DD] [--china-out FILE] FILE...";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("generate: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut mapping_path: Option<PathBuf> = None;
    let mut notes = Vec::new();
    let mut date: Option<String> = None;
    let mut china_out: Option<PathBuf> = None;
    let mut inputs: Vec<PathBuf> = Vec::new();
    let mut shown_args = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--mapping" => {
                let v = value("--mapping")?;
                shown_args.push(format!("--mapping {v}"));
                mapping_path = Some(v.into());
            }
            "--note" => {
                let v = value("--note")?;
                shown_args.push(format!("--note {v:?}"));
                notes.push(v);
            }
            "--date" => date = Some(value("--date")?),
            "--china-out" => china_out = Some(value("--china-out")?.into()),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            s if s.starts_with("--") => return Err(format!("unknown option {s}\n{USAGE}")),
            _ => {
                shown_args.push(arg.clone());
                inputs.push(arg.into());
            }
        }
    }
    if inputs.is_empty() {
        return Err(format!("no input files\n{USAGE}"));
    }
    let mapping = match &mapping_path {
        Some(p) => VendorMapping::load(p),
        None => VendorMapping::builtin(),
    }
    .map_err(|e| e.to_string())?;
    let failures = mapping.self_test();
    if !failures.is_empty() {
        return Err(format!(
            "the vendor mapping fails its own examples:\n{}",
            failures.join("\n")
        ));
    }
    let mut sources = Vec::with_capacity(inputs.len());
    for path in &inputs {
        sources.push(Source::read(path).map_err(|e| e.to_string())?);
    }
    let date = match date {
        Some(d) => d,
        None => {
            let secs = match std::env::var("SOURCE_DATE_EPOCH")
                .ok()
                .and_then(|s| s.parse().ok())
            {
                Some(s) => s,
                None => SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0),
            };
            utc_date(secs)
        }
    };
    let command = format!(
        "cargo run -p camaudit-oui --example generate -- {}",
        shown_args.join(" ")
    );
    let options = GenerateOptions {
        date,
        command,
        notes,
    };
    let generated = generate(&sources, &mapping, &options);
    print!("{}", generated.tsv);
    eprint!("{}", generated.report);
    if let Some(path) = china_out {
        let table = china::china_address_table(&sources, &mapping);
        let text = china::render_china_table(&table, &sources, &options);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!(
            "China-address blocks (unmapped, mainland address): {} -> {}",
            table.len(),
            path.display()
        );
    }
    Ok(())
}
