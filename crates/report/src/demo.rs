//! The demo's printed summary: what the scan found, the rebrands it
//! unmasked, and its grade against the simulator's answer key.

use std::fmt::Write as _;
use std::path::Path;

use camaudit_model::Device;
use serde::{Deserialize, Serialize};

use crate::tally::Tally;

/// What was scanned, how long it took and what answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanSummary {
    /// What was scanned, as the user named it ("127.77.240.0/24").
    pub target: String,
    pub addresses: u64,
    /// Ports tried on each address.
    pub ports: usize,
    /// The scan's own time, in seconds.
    pub elapsed_seconds: f64,
    /// Devices found.
    pub devices: usize,
    /// Stopped early: the figures cover what was scanned.
    pub interrupted: bool,
}

/// How a scan did against an answer key, as plain counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accuracy {
    /// Covered devices in the estate, and those found with the right maker.
    pub covered_truth: usize,
    pub covered_found: usize,
    /// Devices given a maker: right and wrong.
    pub maker_right: usize,
    pub maker_wrong: usize,
    /// Rebrands in the estate, and those whose real maker was named.
    pub rebrands_truth: usize,
    pub rebrands_unmasked: usize,
    /// Trusted makers' devices called covered (should be none).
    pub trusted_called_covered: usize,
    /// Decoys called cameras or recorders (should be none).
    pub decoys_called_cameras: usize,
}

impl Accuracy {
    /// Share of the makers named that were right (1 when none was named
    /// wrongly, 0 when none was named).
    pub fn precision(&self) -> f64 {
        self.maker_right as f64 / (self.maker_right + self.maker_wrong).max(1) as f64
    }

    /// Share of the covered devices found with the right maker.
    pub fn recall(&self) -> f64 {
        self.covered_found as f64 / self.covered_truth.max(1) as f64
    }

    pub fn makers_named(&self) -> usize {
        self.maker_right + self.maker_wrong
    }
}

/// "100.0%".
pub(crate) fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// The summary `camaudit demo` prints: scan, covered makers, rebrands,
/// trusted makers, the grade, and where the report and devices were
/// written. `total_seconds` is the whole run, simulator included.
pub fn demo_summary_text(
    scan: &ScanSummary,
    devices: &[Device],
    accuracy: &Accuracy,
    total_seconds: f64,
    report: &Path,
    devices_file: &Path,
) -> String {
    let t = Tally::of(devices);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nScanned {} addresses × {} ports on {} in {:.1} s ({total_seconds:.1} s in all, simulator included).",
        scan.addresses, scan.ports, scan.target, scan.elapsed_seconds,
    );
    let _ = writeln!(
        s,
        "Found {} devices. {} are made by companies subject to the PRC National Intelligence Law:",
        devices.len(),
        t.covered_total()
    );
    for m in &t.covered {
        let extra = match m.under_other_brand {
            0 => String::new(),
            rb => format!("  ({rb} sold under another brand)"),
        };
        let _ = writeln!(s, "  {:<14} {:>5}{extra}", m.maker, m.devices);
    }
    write_rebrands(&mut s, &t);
    let trusted: Vec<String> = t
        .trusted
        .iter()
        .map(|m| format!("{} {}", m.name, m.devices))
        .collect();
    let _ = writeln!(
        s,
        "Not covered (trusted makers): {}",
        if trusted.is_empty() {
            "none".to_owned()
        } else {
            trusted.join(", ")
        }
    );
    let _ = writeln!(
        s,
        "Not cameras (printers, routers, web servers): {}; maker not proven: {}",
        t.not_cameras, t.unknown
    );
    let _ = writeln!(s, "\n{}", grade_sentence(accuracy));
    if scan.interrupted {
        let _ = writeln!(s, "(Stopped early: the figures cover what was scanned.)");
    }
    let _ = writeln!(s, "\nReport:  {}", report.display());
    let _ = writeln!(
        s,
        "Devices: {} (one JSON object a line)",
        devices_file.display()
    );
    s
}

fn write_rebrands(s: &mut String, t: &Tally) {
    if t.rebrands.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "Rebrands unmasked: {} devices whose label is not their maker:",
        t.rebrands_total()
    );
    for r in &t.rebrands {
        let pair = format!("{} → {}", r.label, r.maker);
        let _ = writeln!(s, "  {pair:<24} {:>5}", r.devices);
    }
}

fn grade_sentence(g: &Accuracy) -> String {
    format!(
        "Checked against the simulator's answer key: {} of {} covered devices found with the right maker (recall {}), makers named correctly {} of {} (precision {}); {} of {} rebranded devices traced to their real maker; {} trusted devices wrongly flagged; {} decoys called cameras.",
        g.covered_found,
        g.covered_truth,
        pct(g.recall()),
        g.maker_right,
        g.makers_named(),
        pct(g.precision()),
        g.rebrands_unmasked,
        g.rebrands_truth,
        g.trusted_called_covered,
        g.decoys_called_cameras
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_of_nothing_are_zero_not_nan() {
        let none = Accuracy::default();
        assert_eq!(none.recall(), 0.0);
        assert_eq!(none.precision(), 0.0);
        let some = Accuracy {
            covered_truth: 4,
            covered_found: 3,
            maker_right: 9,
            maker_wrong: 1,
            ..Accuracy::default()
        };
        assert_eq!(pct(some.recall()), "75.0%");
        assert_eq!(pct(some.precision()), "90.0%");
    }
}
