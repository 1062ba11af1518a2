//! The `--format` flag. Rendering is done by `camaudit-report`; this is
//! only the flag's parsing, with the same names and help as always.

use std::io::Write;

use anyhow::Result;
use camaudit_model::Device;
use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
}

impl From<Format> for camaudit_report::Format {
    fn from(f: Format) -> Self {
        match f {
            Format::Table => camaudit_report::Format::Table,
            Format::Json => camaudit_report::Format::Json,
            Format::Jsonl => camaudit_report::Format::Jsonl,
            Format::Csv => camaudit_report::Format::Csv,
        }
    }
}

/// The devices in `format` (see [`camaudit_report::write_devices`]).
pub fn write_devices(out: &mut dyn Write, devices: &[Device], format: Format) -> Result<()> {
    Ok(camaudit_report::write_devices(out, devices, format.into())?)
}
