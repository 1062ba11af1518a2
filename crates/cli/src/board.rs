//! The board report of a plan, as `camaudit report` prints it and `camaudit
//! plan` carries it (its `--format json` and the plan `--save` stores, which
//! the dashboard reads): one builder, so the two never disagree.

use std::path::Path;

use anyhow::{Context, Result, bail};
use camaudit_model::Device;
use camaudit_policy::{Assessment, Estate};
use camaudit_report::{BoardInput, BoardReport, CallHome, Changes, RegistryStamp};
use camaudit_store::Location;

use crate::plan_sources::{FromStore, Sourced};

/// What the board says about the devices beyond what they are: whether
/// calling home was measured, and the earlier devices they are compared
/// with.
pub struct Measured {
    pub call_home: CallHome,
    /// The store's previous scan, described, with its devices.
    pub previous: Option<(String, Vec<Device>)>,
}

impl Measured {
    /// From a store: measured when it holds a packet capture, compared
    /// with the previous finished scan of the same kind.
    pub fn of_store(read: &FromStore, db: &Location) -> Measured {
        Measured {
            call_home: match read.captures.first() {
                Some(c) => CallHome::Measured {
                    from: format!("{c} of {db}"),
                },
                None => CallHome::NotMeasured,
            },
            previous: read.previous.clone(),
        }
    }

    /// From a devices file: a capture's devices carry their endpoints, and
    /// then calling home is measured.
    pub fn of_devices_file(sourced: &Sourced, path: &Path) -> Measured {
        let call_home = if sourced.devices.iter().any(|d| !d.endpoints.is_empty()) {
            CallHome::Measured {
                from: path.display().to_string(),
            }
        } else {
            CallHome::NotMeasured
        };
        Measured {
            call_home,
            previous: None,
        }
    }

    /// An asset register: no traffic seen, nothing earlier.
    pub fn nothing() -> Measured {
        Measured {
            call_home: CallHome::NotMeasured,
            previous: None,
        }
    }
}

/// What a board report is made of, besides the estate.
pub struct Board<'a> {
    pub assessment: &'a Assessment,
    pub devices: &'a [Device],
    pub plan: &'a camaudit_plan::Plan,
    pub engine: &'a camaudit_identify::Engine,
    pub measured: Measured,
    /// Where the devices come from, in words.
    pub described: String,
    /// An earlier `camaudit report --format json` to compare with, over
    /// the store's previous scan.
    pub previous_report: Option<&'a Path>,
}

/// The board report of the plan.
pub fn build(estate: &Estate, b: Board<'_>) -> Result<BoardReport> {
    let changes = changes(b.previous_report, b.measured.previous, b.devices)?;
    Ok(BoardReport::build(BoardInput {
        estate,
        assessment: b.assessment,
        devices: b.devices,
        plan: b.plan,
        registry: (&RegistryStamp::of(b.engine.registry())).into(),
        call_home: b.measured.call_home,
        sources: vec![b.described],
        changes,
        demo: None,
    }))
}

/// What changed: against --previous when given, else the store's previous
/// scan, else nothing to compare with.
fn changes(
    previous_file: Option<&Path>,
    previous_scan: Option<(String, Vec<Device>)>,
    devices: &[Device],
) -> Result<Changes> {
    let (against, before) = match (previous_file, previous_scan) {
        (Some(path), _) => (
            format!("the report {}", path.display()),
            previous_devices(path)?,
        ),
        (None, Some(scan)) => scan,
        (None, None) => {
            return Ok(Changes::NotCompared {
                why: "no previous report was given (--previous report.json) and the store holds no earlier finished scan of the same kind".to_owned(),
            });
        }
    };
    let diff = camaudit_history::diff(&before, devices);
    Ok(Changes::of(against, &diff))
}

/// Most a previous report may be: a report of 100,000 devices with their
/// evidence is well under this.
const MAX_PREVIOUS: u64 = 2 << 30;

/// The devices of an earlier `camaudit report --format json`.
fn previous_devices(path: &Path) -> Result<Vec<Device>> {
    #[derive(serde::Deserialize)]
    struct Previous {
        devices: Option<Vec<Device>>,
    }
    let file = std::fs::File::open(path)
        .with_context(|| format!("opening the previous report {}", path.display()))?;
    if file.metadata().map(|m| m.len()).unwrap_or(0) > MAX_PREVIOUS {
        bail!("{}: over 2 GiB, not a report", path.display());
    }
    let previous: Previous =
        serde_json::from_reader(std::io::BufReader::new(file)).with_context(|| {
            format!(
                "{}: not a report in JSON (write one with camaudit report --format json)",
                path.display()
            )
        })?;
    previous.devices.with_context(|| {
        format!(
            "{}: no devices in it (a report written by camaudit report --format json has them)",
            path.display()
        )
    })
}
