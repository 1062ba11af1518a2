//! Devices in their places, judged against the controls: each device's
//! site, zone, reachability, facts and risk, and the findings it raises.

use std::collections::HashMap;
use std::net::IpAddr;

use camaudit_model::DeviceType;
use serde::Serialize;

use crate::asset::{Asset, Capability};
use crate::controls::{Action, Control, Facts, Policy, Severity, Urgency};
use crate::estate::{Estate, Sensitivity, Zone};
use crate::risk::{Extent, Risk, round, score};

/// A scan that reached a device, from a recorded vantage point: the proof
/// that the device is reachable from that zone, whatever its address says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanProof {
    /// Which scan, in words: "scan 7" of a store, or "the scan recorded on
    /// line 3 of devices.jsonl".
    pub scan: String,
    /// When the scan started (RFC 3339), where known.
    pub at: Option<String>,
    pub zone: Zone,
    pub site: Option<String>,
    /// The ports that answered.
    pub ports: Vec<u16>,
}

/// Which scans reached which device, keyed by MAC when known, else address.
#[derive(Debug, Clone, Default)]
pub struct Reachability {
    by_key: HashMap<String, Vec<ScanProof>>,
}

impl Reachability {
    /// Records that a scan from a vantage reached the device with this
    /// MAC or address.
    pub fn record(&mut self, mac: Option<&str>, addr: Option<IpAddr>, proof: ScanProof) {
        for key in [mac.map(str::to_owned), addr.map(|a| a.to_string())]
            .into_iter()
            .flatten()
        {
            let proofs = self.by_key.entry(key).or_default();
            if !proofs.contains(&proof) {
                proofs.push(proof.clone());
            }
        }
    }

    fn of(&self, a: &Asset) -> Vec<ScanProof> {
        let mut out: Vec<ScanProof> = Vec::new();
        for key in [a.mac.clone(), a.addr.map(|x| x.to_string())]
            .into_iter()
            .flatten()
        {
            for p in self.by_key.get(&key).into_iter().flatten() {
                if !out.contains(p) {
                    out.push(p.clone());
                }
            }
        }
        out
    }
}

/// How a device's site was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlacedBy {
    /// Its address is on one of the site's networks (longest prefix).
    Address,
    /// The asset register's site column names the site.
    Register,
    /// Neither: reported, never dropped.
    Unplaced,
}

/// A broken control: which device, where, which control, how bad, why,
/// and the rule it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub device: String,
    pub site: Option<String>,
    pub site_name: Option<String>,
    pub zone: Option<Zone>,
    pub control: String,
    pub title: String,
    pub severity: Severity,
    pub action: Action,
    pub urgency: Urgency,
    pub advice: String,
    /// The facts that made the control fire, in words.
    pub evidence: Vec<String>,
    pub basis: String,
    pub sources: Vec<String>,
    /// The device's risk score.
    pub risk: f64,
}

/// One device judged in its place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessed {
    pub asset: Asset,
    /// Index into [`Estate::sites`].
    pub site: Option<usize>,
    /// Index into the site's networks.
    pub network: Option<usize>,
    pub placed_by: PlacedBy,
    /// Why it is unplaced, or a disagreement between address and register.
    pub note: Option<String>,
    pub facts: Facts,
    pub capabilities: Vec<Capability>,
    pub reach: Vec<ScanProof>,
    pub risk: Risk,
    /// The recorder it is tied to (index into [`Assessment::devices`]):
    /// replacing the recorder replaces it.
    pub tied_to: Option<usize>,
    /// Indices into [`Assessment::findings`].
    pub findings: Vec<usize>,
}

impl Assessed {
    /// The worst severity among its findings.
    pub fn worst(&self, findings: &[Finding]) -> Option<Severity> {
        self.findings.iter().map(|&i| findings[i].severity).min()
    }
}

/// Every device judged, and the findings, worst first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub devices: Vec<Assessed>,
    pub findings: Vec<Finding>,
}

impl Assessment {
    pub fn unplaced(&self) -> impl Iterator<Item = &Assessed> {
        self.devices
            .iter()
            .filter(|d| d.placed_by == PlacedBy::Unplaced)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// The findings whose control says "now", worst and riskiest first.
    pub fn immediate(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.urgency == Urgency::Now)
    }
}

/// Places and judges every asset.
pub fn assess(
    estate: &Estate,
    policy: &Policy,
    assets: Vec<Asset>,
    reach: &Reachability,
) -> Assessment {
    let mut devices: Vec<Assessed> = assets
        .into_iter()
        .map(|a| place(estate, policy, a, reach))
        .collect();
    link_ties(estate, &mut devices);
    let recorded = recorded_cameras(estate, &devices);
    for (d, cameras) in devices.iter_mut().zip(recorded) {
        let extent = Extent {
            capabilities: d.capabilities.clone(),
            recorded_cameras: cameras,
            units: d.asset.quantity,
        };
        d.risk = score(&policy.weights, &d.facts, &extent);
    }
    let mut findings = Vec::new();
    for (i, d) in devices.iter().enumerate() {
        for c in policy.controls.iter().filter(|c| c.when.holds(&d.facts)) {
            findings.push((i, finding(estate, d, c)));
        }
    }
    findings.sort_by(|(_, a), (_, b)| {
        a.severity
            .cmp(&b.severity)
            .then(b.risk.total_cmp(&a.risk))
            .then_with(|| a.device.cmp(&b.device))
    });
    let mut out = Vec::with_capacity(findings.len());
    for (i, f) in findings {
        devices[i].findings.push(out.len());
        out.push(f);
    }
    Assessment {
        devices,
        findings: out,
    }
}

fn place(estate: &Estate, policy: &Policy, mut asset: Asset, reach: &Reachability) -> Assessed {
    // Equipment no fingerprint typed (a register line, a device whose model
    // alone is known) is typed from its model grammar or its description.
    let mut read_capability = None;
    if asset.device_type.is_none()
        && let Some(t) = policy.device_type_of(
            asset.manufacturer.as_deref(),
            asset.model.as_deref(),
            asset.description.as_deref(),
        )
    {
        asset.device_type = Some(t.device_type);
        read_capability = t.capability;
    }
    let by_addr = asset.addr.and_then(|a| estate.network_of(a));
    let by_cell = asset
        .site_cell
        .as_deref()
        .map(|c| (c, estate.site_named(c)));
    let (site, network, placed_by, note) = match (by_addr, by_cell) {
        (Some((s, n)), Some((cell, named))) if named != Some(s) => (
            Some(s),
            Some(n),
            PlacedBy::Address,
            Some(format!(
                "the register says site {cell:?}; its address is on {}",
                estate.sites[s].name
            )),
        ),
        (Some((s, n)), _) => (Some(s), Some(n), PlacedBy::Address, None),
        (None, Some((_, Some(s)))) => (Some(s), None, PlacedBy::Register, None),
        (None, Some((cell, None))) => (
            None,
            None,
            PlacedBy::Unplaced,
            Some(format!("the register's site {cell:?} is not in the estate")),
        ),
        (None, None) => (
            None,
            None,
            PlacedBy::Unplaced,
            Some(match asset.addr {
                Some(a) => format!("address {a} is on no network of the estate"),
                None => "no address and no site".to_owned(),
            }),
        ),
    };
    let site_ref = site.map(|s| &estate.sites[s]);
    let proofs = reach.of(&asset);
    let facts = Facts {
        covered: asset.covered,
        maker_known: asset.maker_known(),
        sensitivity: site_ref.map(|s| s.sensitivity),
        categories: site_ref.map(|s| s.categories.clone()).unwrap_or_default(),
        zone: site_ref.zip(network).map(|(s, n)| s.networks[n].zone),
        reachable_from: {
            let mut z: Vec<Zone> = proofs.iter().map(|p| p.zone).collect();
            z.sort_unstable();
            z.dedup();
            z
        },
        calls_home: !asset.endpoints.is_empty(),
        kev_affected: !asset.kev_affected.is_empty(),
        credentials_exposed: !asset.cleartext_accounts.is_empty(),
        surveillance: is_surveillance(asset.device_type),
    };
    let mut capabilities = asset.capabilities.clone();
    capabilities.extend(read_capability);
    for p in &policy.capabilities {
        if p.matches(asset.manufacturer.as_deref(), asset.model.as_deref()) {
            capabilities.push(p.capability);
        }
    }
    capabilities.sort_unstable();
    capabilities.dedup();
    Assessed {
        asset,
        site,
        network,
        placed_by,
        note,
        facts,
        capabilities,
        reach: proofs,
        risk: score(&policy.weights, &Facts::default(), &Extent::default()),
        tied_to: None,
        findings: Vec::new(),
    }
}

fn is_surveillance(t: Option<DeviceType>) -> bool {
    !matches!(
        t,
        Some(
            DeviceType::Router
                | DeviceType::Printer
                | DeviceType::Nas
                | DeviceType::WebServer
                | DeviceType::Other
        )
    )
}

/// Cameras tied to a recorder by the estate point at it.
fn link_ties(estate: &Estate, devices: &mut [Assessed]) {
    let recorders: HashMap<IpAddr, usize> = devices
        .iter()
        .enumerate()
        .filter_map(|(i, d)| Some((d.asset.addr?, i)))
        .collect();
    for (i, d) in devices.iter_mut().enumerate() {
        let (Some(site), Some(addr)) = (d.site, d.asset.addr) else {
            continue;
        };
        if !d.asset.is_camera() {
            continue;
        }
        d.tied_to = estate.sites[site]
            .ties
            .iter()
            .find(|t| t.cameras.iter().any(|c| c.contains(&addr)))
            .and_then(|t| recorders.get(&t.recorder).copied())
            .filter(|&r| r != i);
    }
}

/// For each recorder, the cameras whose footage it holds: those tied to it,
/// else (no tie declared) the cameras on its site.
fn recorded_cameras(estate: &Estate, devices: &[Assessed]) -> Vec<u32> {
    let mut tied = vec![0u32; devices.len()];
    let mut per_site: HashMap<usize, u32> = HashMap::new();
    for d in devices.iter().filter(|d| d.asset.is_camera()) {
        if let Some(r) = d.tied_to {
            tied[r] += d.asset.quantity;
        }
        if let Some(s) = d.site {
            *per_site.entry(s).or_default() += d.asset.quantity;
        }
    }
    devices
        .iter()
        .enumerate()
        .map(|(i, d)| {
            if !d.asset.is_recorder() {
                return 0;
            }
            let declared = d.site.is_some_and(|s| {
                estate.sites[s]
                    .ties
                    .iter()
                    .any(|t| Some(t.recorder) == d.asset.addr)
            });
            if declared {
                tied[i]
            } else {
                d.site.and_then(|s| per_site.get(&s).copied()).unwrap_or(0)
            }
        })
        .collect()
}

fn finding(estate: &Estate, d: &Assessed, c: &Control) -> Finding {
    let site = d.site.map(|s| &estate.sites[s]);
    Finding {
        device: d.asset.id.clone(),
        site: site.map(|s| s.id.clone()),
        site_name: site.map(|s| s.name.clone()),
        zone: d.facts.zone,
        control: c.id.clone(),
        title: c.title.clone(),
        severity: c.severity,
        action: c.action,
        urgency: c.urgency,
        advice: c.advice.clone(),
        evidence: evidence(estate, d, c),
        basis: c.basis.clone(),
        sources: c.sources.clone(),
        risk: round(d.risk.score),
    }
}

/// The facts behind each condition the control tests, in words.
fn evidence(estate: &Estate, d: &Assessed, c: &Control) -> Vec<String> {
    let a = &d.asset;
    let site = d.site.map(|s| &estate.sites[s]);
    let w = &c.when;
    let mut out = Vec::new();
    if w.covered == Some(true) {
        let maker = a.manufacturer.as_deref().unwrap_or("its maker");
        let label = match &a.label {
            Some(l) if Some(l) != a.manufacturer.as_ref() => format!(" (sold as {l})"),
            _ => String::new(),
        };
        out.push(format!(
            "made by {maker}{label}, covered by {}",
            a.covered_by.join(", ")
        ));
    }
    if w.maker_known == Some(false) {
        out.push("the evidence does not prove who made it".to_owned());
    }
    if let Some(s) = site.filter(|_| w.sensitivity.is_some() || !w.category.is_empty()) {
        let how = match d.placed_by {
            PlacedBy::Register => " (by the register's site column)",
            _ => "",
        };
        let cats = if s.categories.is_empty() {
            String::new()
        } else {
            format!(", {}", s.categories.join(", "))
        };
        out.push(format!(
            "on {} ({}{cats}){how}",
            s.name,
            match s.sensitivity {
                Sensitivity::Sensitive => "a sensitive site",
                Sensitivity::Standard => "a standard site",
            }
        ));
    }
    let on_zone = |z: Zone| d.facts.zone == Some(z);
    let zone_tested = match (w.connected_to, w.zone.as_slice()) {
        (Some(z), _) => Some(z).filter(|&z| on_zone(z)),
        (None, zs) => d.facts.zone.filter(|z| zs.contains(z)),
    };
    if let (Some(_), Some(s), Some(n), Some(addr)) = (zone_tested, site, d.network, a.addr) {
        let net = &s.networks[n];
        let vlan = net.vlan.map(|v| format!(", VLAN {v}")).unwrap_or_default();
        out.push(format!(
            "address {addr} is on {}'s {} network {}{vlan}",
            s.name, net.zone, net.cidr
        ));
    }
    if let Some(z) = w.connected_to {
        for p in d.reach.iter().filter(|p| p.zone == z) {
            let from = p
                .site
                .as_deref()
                .map(|s| format!(" at {s}"))
                .unwrap_or_default();
            let ports = p.ports.iter().map(u16::to_string).collect::<Vec<_>>();
            let on =
                p.at.as_deref()
                    .map(|t| format!(" on {t}"))
                    .unwrap_or_default();
            out.push(format!(
                "answered {} run from the {z} network{from}{on} (ports {})",
                p.scan,
                if ports.is_empty() {
                    "-".to_owned()
                } else {
                    ports.join(", ")
                }
            ));
        }
    }
    if w.calls_home == Some(true) {
        out.push(format!("seen calling {}", a.endpoints.join(", ")));
    }
    if w.credentials_exposed == Some(true) {
        out.push(format!(
            "sent the password of {} in clear text on its network",
            a.cleartext_accounts.join(", ")
        ));
    }
    if w.kev_affected == Some(true) {
        out.push(format!(
            "firmware {} is in the affected range of {}",
            a.firmware.as_deref().unwrap_or("?"),
            a.kev_affected.join(", ")
        ));
    }
    out
}
