//! The board report: what an estate's board reads in five minutes, as four
//! view models that the CLI's `camaudit report`, the demo and (later) the
//! dashboard share, so the same figures appear everywhere:
//!
//! - [`EstateOverview`]: the headline figures (shares of sites with covered
//!   equipment, covered devices on core networks or calling home, rebrands,
//!   known exploited vulnerabilities, the cost and time to clear);
//! - [`SiteRow`]: one row per site of the estate;
//! - [`FindingGroup`] and [`FindingDetail`]: the findings in plain words,
//!   each with the evidence a person can check;
//! - [`PlanView`]: the plan's cost per period and residual-risk curve.
//!
//! [`BoardReport::build`] makes them from an assessment and a plan (pure:
//! the caller brings the estate, the devices and the plan); the report is
//! then written as a table, JSON, CSV or one self-contained HTML page.

mod changes;
mod findings;
mod html;
mod overview;
mod sites;
mod timeline;
mod write;

#[cfg(test)]
mod tests;

pub use changes::Changes;
pub use findings::{FindingDetail, FindingGroup, finding_details, finding_groups};
pub use html::board_report_html;
pub use overview::{EstateOverview, SeverityCount};
pub use sites::{SiteRow, site_rows};
pub use timeline::PlanView;
pub use write::{clear_time, write_board_report};

use camaudit_model::Device;
use camaudit_plan::Plan;
use camaudit_policy::{Assessment, Estate};
use serde::{Deserialize, Serialize};

use crate::check::RegistryStamp;
use crate::demo::{Accuracy, ScanSummary};
use crate::html::{RebrandBrand, RegimeRow, brands, regime_rows};
use crate::tally::Tally;

/// Whether the report can say which devices call home: only a packet
/// capture shows a device's traffic, so without one the figure is "not
/// measured", never 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "measured", rename_all = "kebab-case")]
pub enum CallHome {
    /// A capture's endpoints were read: the figure is measured.
    #[serde(rename = "yes")]
    Measured {
        /// Which capture, in words ("pcap scan 3 of camaudit.db").
        from: String,
    },
    #[serde(rename = "no")]
    NotMeasured,
}

impl CallHome {
    pub fn is_measured(&self) -> bool {
        matches!(self, CallHome::Measured { .. })
    }
}

/// The demo's grade against the simulator's answer key, shown in the
/// demo's report only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoGrade {
    pub scan: ScanSummary,
    /// Devices the simulated estate holds (the answer key's size).
    pub estate_devices: usize,
    pub accuracy: Accuracy,
}

/// The registry the devices were judged against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryVersion {
    pub version: String,
    pub date: String,
    pub overlay: Option<String>,
}

impl From<&RegistryStamp> for RegistryVersion {
    fn from(s: &RegistryStamp) -> Self {
        RegistryVersion {
            version: s.version.clone(),
            date: s.date.clone(),
            overlay: s.overlay.clone(),
        }
    }
}

/// What the report is built from. `devices` is empty or holds, in the
/// assessment's order, the devices the assets came from (an asset
/// register has none): their evidence and sources are what a reader
/// checks.
pub struct BoardInput<'a> {
    pub estate: &'a Estate,
    pub assessment: &'a Assessment,
    pub devices: &'a [Device],
    pub plan: &'a Plan,
    pub registry: RegistryVersion,
    pub call_home: CallHome,
    /// Where the devices come from, in words ("scan 4 of camaudit.db
    /// (2026-11-30T10:00:00Z)").
    pub sources: Vec<String>,
    pub changes: Changes,
    pub demo: Option<DemoGrade>,
}

/// Everything the board report shows, as one serialisable document (the
/// `--format json` output).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardReport {
    pub organisation: String,
    /// The day the plan starts, which the report is as of.
    pub as_of: String,
    pub registry: RegistryVersion,
    pub sources: Vec<String>,
    pub call_home: CallHome,
    pub overview: EstateOverview,
    pub sites: Vec<SiteRow>,
    pub finding_groups: Vec<FindingGroup>,
    pub findings: Vec<FindingDetail>,
    pub plan: PlanView,
    /// Brands found that are not their maker, by brand and maker.
    pub rebrands: Vec<RebrandBrand>,
    /// Covered devices per regime.
    pub regimes: Vec<RegimeRow>,
    pub changes: Changes,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demo: Option<DemoGrade>,
}

impl BoardReport {
    pub fn build(mut input: BoardInput<'_>) -> BoardReport {
        // Devices whose own evidence shows the hosts they contact (a DNS
        // look-up or TLS name seen on the wire) measure calling home even
        // without a capture in the store.
        if !input.call_home.is_measured()
            && input.assessment.devices.iter().any(|d| d.facts.calls_home)
        {
            input.call_home = CallHome::Measured {
                from: "the hosts the devices' own evidence shows them contacting".to_owned(),
            };
        }
        let plan = PlanView::of(input.plan, &input.estate.currency);
        let overview = EstateOverview::of(
            input.estate,
            input.assessment,
            &plan,
            input.call_home.is_measured(),
        );
        let tally = Tally::of(input.devices);
        BoardReport {
            rebrands: brands(&tally, input.devices),
            regimes: regime_rows(&tally),
            organisation: input.estate.organisation.clone(),
            as_of: plan.summary.start.clone(),
            registry: input.registry,
            sources: input.sources,
            sites: site_rows(
                input.estate,
                input.assessment,
                input.plan,
                input.call_home.is_measured(),
            ),
            finding_groups: finding_groups(input.assessment),
            findings: finding_details(input.assessment, input.devices),
            call_home: input.call_home,
            overview,
            plan,
            changes: input.changes,
            demo: input.demo,
        }
    }
}

/// Whether an assessed device is covered and connected to a core network:
/// on a core network of its site, or answering a scan run from one.
pub(crate) fn on_core(d: &camaudit_policy::Assessed) -> bool {
    d.asset.covered
        && (d.facts.zone == Some(camaudit_policy::Zone::Core)
            || d.facts
                .reachable_from
                .contains(&camaudit_policy::Zone::Core))
}

/// Whether the asset carries a brand that is not its maker.
pub(crate) fn is_rebrand(a: &camaudit_policy::Asset) -> bool {
    matches!((&a.label, &a.manufacturer), (Some(l), Some(m)) if l != m)
}
