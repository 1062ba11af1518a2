//! The findings in plain words: one group per control broken, then each
//! finding with the evidence a person can check (the observation that
//! names the maker, the rule that read it, the registry's source).

use camaudit_model::Device;
use camaudit_policy::{Assessment, Finding};
use serde::{Deserialize, Serialize};

use crate::evidence::EvidenceView;
use crate::html::{maker_evidence, name_of};

/// Observations shown per finding: enough to check, short enough to print.
const OBSERVATIONS: usize = 2;
/// Registry sources shown per finding.
const SOURCES: usize = 3;

/// One control broken, on however many devices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingGroup {
    pub control: String,
    pub title: String,
    pub severity: String,
    pub action: String,
    pub urgency: String,
    pub advice: String,
    /// The rule the control comes from, and where it is published.
    pub basis: String,
    pub sources: Vec<String>,
    pub devices: usize,
    /// Names of the sites it is broken on, in order of first finding.
    pub sites: Vec<String>,
}

/// Groups the findings by control, worst first (the assessment's order).
pub fn finding_groups(a: &Assessment) -> Vec<FindingGroup> {
    let mut groups: Vec<FindingGroup> = Vec::new();
    for f in &a.findings {
        let site = f.site_name.clone().unwrap_or_else(|| "no site".to_owned());
        match groups.iter_mut().find(|g| g.control == f.control) {
            Some(g) => {
                g.devices += 1;
                if !g.sites.contains(&site) {
                    g.sites.push(site);
                }
            }
            None => groups.push(FindingGroup {
                control: f.control.clone(),
                title: f.title.clone(),
                severity: f.severity.as_str().to_owned(),
                action: f.action.as_str().to_owned(),
                urgency: f.urgency.as_str().to_owned(),
                advice: f.advice.clone(),
                basis: f.basis.clone(),
                sources: f.sources.clone(),
                devices: 1,
                sites: vec![site],
            }),
        }
    }
    groups
}

/// One finding and what shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingDetail {
    pub severity: String,
    pub control: String,
    pub title: String,
    pub device: String,
    pub site: Option<String>,
    pub zone: Option<String>,
    pub action: String,
    pub urgency: String,
    /// The facts that made the control fire, in words.
    pub facts: Vec<String>,
    pub maker: Option<String>,
    pub label: Option<String>,
    pub model: Option<String>,
    /// The observations naming the maker, with the rule that read each.
    pub observations: Vec<EvidenceView>,
    /// Where the registry's verdict comes from (its citations).
    pub registry_sources: Vec<String>,
}

/// Every finding, worst first, each with its device's evidence when the
/// device is known (`devices` in the assessment's order, or empty).
pub fn finding_details(a: &Assessment, devices: &[Device]) -> Vec<FindingDetail> {
    let mut details: Vec<(usize, FindingDetail)> = Vec::new();
    for (i, d) in a.devices.iter().enumerate() {
        let device = devices.get(i);
        for &f in &d.findings {
            details.push((f, detail(&a.findings[f], &d.asset, device)));
        }
    }
    details.sort_by_key(|(f, _)| *f);
    details.into_iter().map(|(_, d)| d).collect()
}

fn detail(f: &Finding, asset: &camaudit_policy::Asset, device: Option<&Device>) -> FindingDetail {
    let mut observations = device.map(maker_evidence).unwrap_or_default();
    observations.truncate(OBSERVATIONS);
    FindingDetail {
        severity: f.severity.as_str().to_owned(),
        control: f.control.clone(),
        title: f.title.clone(),
        device: f.device.clone(),
        site: f.site_name.clone(),
        zone: f.zone.map(|z| z.to_string()),
        action: f.action.as_str().to_owned(),
        urgency: f.urgency.as_str().to_owned(),
        facts: f.evidence.clone(),
        maker: asset.manufacturer.as_deref().map(name_of),
        label: asset.label.as_deref().map(name_of),
        model: asset.model.clone(),
        observations,
        registry_sources: device.map(registry_sources).unwrap_or_default(),
    }
}

/// The citations behind the device's attribution: those of its coverage
/// first, then of the maker's ownership and brands.
fn registry_sources(d: &Device) -> Vec<String> {
    let (coverage, rest): (Vec<_>, Vec<_>) = d
        .attribution
        .iter()
        .partition(|s| s.claim.starts_with("covered by"));
    let mut out: Vec<String> = Vec::new();
    for step in coverage.iter().chain(rest.iter()) {
        for s in step.sources.iter() {
            if out.len() < SOURCES && !out.contains(s) && !s.starts_with("rule:") {
                out.push(s.clone());
            }
        }
    }
    out
}
