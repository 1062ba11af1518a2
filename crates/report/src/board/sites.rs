//! One row per site: where the covered equipment is, and what the plan
//! does there.

use camaudit_plan::Plan;
use camaudit_policy::{Assessment, Estate};
use serde::{Deserialize, Serialize};

use super::{is_rebrand, on_core};

/// A site of the estate in figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteRow {
    pub id: String,
    pub name: String,
    pub sensitivity: String,
    pub devices: usize,
    pub covered: usize,
    pub covered_on_core: usize,
    /// Absent when no capture was read.
    pub covered_calling_home: Option<usize>,
    pub rebrands: usize,
    pub kev_devices: usize,
    pub findings: usize,
    /// The worst severity among the site's findings.
    pub worst: Option<String>,
    /// Pence the plan spends on the site, call-outs included.
    pub planned_cost: u64,
    pub planned_actions: usize,
    /// The day the plan's last action on the site is done.
    pub clear_by: Option<String>,
    /// Actions on the site that do not fit the plan's limits.
    pub unscheduled: usize,
}

/// Every site of the estate, in the estate file's order.
pub fn site_rows(
    estate: &Estate,
    a: &Assessment,
    plan: &Plan,
    call_home_measured: bool,
) -> Vec<SiteRow> {
    let schedule = &plan.optimised;
    estate
        .sites
        .iter()
        .enumerate()
        .map(|(i, site)| {
            let here: Vec<_> = a.devices.iter().filter(|d| d.site == Some(i)).collect();
            let covered = || here.iter().filter(|d| d.asset.covered);
            let findings: Vec<_> = a
                .findings
                .iter()
                .filter(|f| f.site.as_deref() == Some(site.id.as_str()))
                .collect();
            let visits: Vec<_> = schedule
                .visits
                .iter()
                .filter(|v| v.site.as_str() == site.id)
                .collect();
            SiteRow {
                id: site.id.clone(),
                name: site.name.clone(),
                sensitivity: site.sensitivity.as_str().to_owned(),
                devices: here.len(),
                covered: covered().count(),
                covered_on_core: here.iter().filter(|d| on_core(d)).count(),
                covered_calling_home: call_home_measured
                    .then(|| covered().filter(|d| d.facts.calls_home).count()),
                rebrands: here.iter().filter(|d| is_rebrand(&d.asset)).count(),
                kev_devices: here
                    .iter()
                    .filter(|d| !d.asset.kev_affected.is_empty())
                    .count(),
                findings: findings.len(),
                worst: findings
                    .iter()
                    .map(|f| f.severity)
                    .min()
                    .map(|s| s.as_str().to_owned()),
                planned_cost: visits.iter().map(|v| v.cost().0).sum(),
                planned_actions: visits.iter().map(|v| v.actions.len()).sum(),
                clear_by: visits
                    .iter()
                    .flat_map(|v| v.actions.iter().map(|a| a.done))
                    .max()
                    .map(|d| d.to_string()),
                unscheduled: schedule
                    .unscheduled
                    .iter()
                    .filter(|u| u.site.as_str() == site.id)
                    .count(),
            }
        })
        .collect()
}
