//! The headline figures: what a board is told first.

use std::collections::BTreeSet;

use camaudit_policy::{Assessment, Estate, Sensitivity, Severity};
use serde::{Deserialize, Serialize};

use super::timeline::PlanView;
use super::{is_rebrand, on_core};

/// Findings of one severity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCount {
    pub severity: String,
    pub findings: usize,
}

/// The estate in figures. Every count of covered equipment reads the
/// device's `covered` verdict (the registry's, with its sources), never a
/// brand name, so a trusted maker is never counted as covered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstateOverview {
    pub organisation: String,
    pub sites: usize,
    pub sites_with_covered: usize,
    pub sensitive_sites: usize,
    pub sensitive_sites_with_covered: usize,
    pub devices: usize,
    pub covered_devices: usize,
    /// Covered devices on a core network, or answering a scan from one.
    pub covered_on_core: usize,
    /// Covered devices a capture saw reaching the internet or a maker's
    /// cloud; absent when no capture was read ("not measured").
    pub covered_calling_home: Option<usize>,
    /// Devices whose brand is not their maker, and the covered ones among them.
    pub rebrands: usize,
    pub covered_rebrands: usize,
    /// Devices whose firmware is in a known exploited vulnerability's
    /// affected range, and the distinct CVEs.
    pub kev_devices: usize,
    pub kev_cves: Vec<String>,
    /// Devices on no site of the estate, and the covered ones among them.
    pub unplaced_devices: usize,
    pub unplaced_covered: usize,
    pub findings: Vec<SeverityCount>,
    /// Findings whose control says "now".
    pub immediate_actions: usize,
    /// Pence, call-outs included, under the current plan.
    pub cost_to_clear: u64,
    pub currency: String,
    /// The day the plan's last action is done; absent when some action
    /// does not fit the plan's limits (then it is not cleared).
    pub clear_by: Option<String>,
    pub weeks_to_clear: Option<i64>,
    pub unscheduled_actions: usize,
}

impl EstateOverview {
    pub fn of(
        estate: &Estate,
        a: &Assessment,
        plan: &PlanView,
        call_home_measured: bool,
    ) -> EstateOverview {
        let covered_sites: BTreeSet<usize> = a
            .devices
            .iter()
            .filter(|d| d.asset.covered)
            .filter_map(|d| d.site)
            .collect();
        let sensitive = |i: &usize| estate.sites[*i].sensitivity == Sensitivity::Sensitive;
        let covered = || a.devices.iter().filter(|d| d.asset.covered);
        let kev_cves: BTreeSet<&str> = a
            .devices
            .iter()
            .flat_map(|d| d.asset.kev_affected.iter().map(String::as_str))
            .collect();
        let cleared = plan.summary.unscheduled == 0;
        EstateOverview {
            organisation: estate.organisation.clone(),
            sites: estate.sites.len(),
            sites_with_covered: covered_sites.len(),
            sensitive_sites: (0..estate.sites.len()).filter(sensitive).count(),
            sensitive_sites_with_covered: covered_sites.iter().filter(|i| sensitive(i)).count(),
            devices: a.devices.len(),
            covered_devices: covered().count(),
            covered_on_core: a.devices.iter().filter(|d| on_core(d)).count(),
            covered_calling_home: call_home_measured
                .then(|| covered().filter(|d| d.facts.calls_home).count()),
            rebrands: a.devices.iter().filter(|d| is_rebrand(&d.asset)).count(),
            covered_rebrands: covered().filter(|d| is_rebrand(&d.asset)).count(),
            kev_devices: a
                .devices
                .iter()
                .filter(|d| !d.asset.kev_affected.is_empty())
                .count(),
            kev_cves: kev_cves.into_iter().map(str::to_owned).collect(),
            unplaced_devices: a.unplaced().count(),
            unplaced_covered: a.unplaced().filter(|d| d.asset.covered).count(),
            findings: Severity::ALL
                .iter()
                .map(|&s| SeverityCount {
                    severity: s.as_str().to_owned(),
                    findings: a.count(s),
                })
                .collect(),
            immediate_actions: a.immediate().count(),
            cost_to_clear: plan.summary.cost,
            currency: plan.currency.clone(),
            clear_by: if cleared { plan.clear_by.clone() } else { None },
            weeks_to_clear: if cleared { plan.weeks_to_clear } else { None },
            unscheduled_actions: plan.summary.unscheduled,
        }
    }

    /// "3 of 6 (50%)".
    pub fn share(part: usize, whole: usize) -> String {
        if whole == 0 {
            return format!("{part} of 0");
        }
        format!(
            "{part} of {whole} ({:.0}%)",
            100.0 * part as f64 / whole as f64
        )
    }
}
