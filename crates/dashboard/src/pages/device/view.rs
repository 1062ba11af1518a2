//! The device page's view: the stored device, the latest plan's findings
//! for it, its history and the registry's entries, as text to show.

use camaudit_history::{ChangedField, DeviceHistory};
use camaudit_model::{Device, KevStatus, Verdict};
use camaudit_registry::Registry;
use camaudit_report::{EvidenceView, display_name, maker_evidence, relation_words, timestamp};

use super::Found;
use super::registry::{RegistryView, SourceView};
use crate::pages::devices::list::VerdictWords;
use crate::pages::devices::placed::{Placement, PlanState};
use crate::pages::devices::zone_text;

/// Everything the device page shows.
pub struct DeviceView {
    pub place: String,
    pub org: String,
    pub site: String,
    pub site_id: i64,
    pub scan: i64,
    pub scan_at: String,
    /// The site's latest scan, when this is an earlier one.
    pub newer_scan: Option<i64>,
    pub what: What,
    /// The evidence that names the maker, as the board report chooses it.
    pub naming: Vec<EvidenceView>,
    pub evidence: Vec<EvidenceRow>,
    pub attribution: Vec<StepView>,
    pub platform: Option<&'static str>,
    pub conflicts: Vec<ConflictView>,
    pub registry: RegistryView,
    pub plan: PlanView,
    pub kev: Vec<KevView>,
    pub kev_affected: usize,
    pub history: Option<HistoryView>,
}

/// What the device is.
pub struct What {
    pub maker: Option<String>,
    pub verdict: VerdictWords,
    /// The regimes it is covered by, in words.
    pub regimes: Vec<String>,
    /// Why a covered or disputed verdict is not firm.
    pub coverage_note: Option<String>,
    pub brand: Option<String>,
    pub brand_relation: Option<&'static str>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub serial: Option<String>,
    pub mac: Option<String>,
    pub addr: Option<String>,
    pub other_addrs: Vec<String>,
    pub ports: String,
    pub device_type: Option<String>,
    pub confidence: String,
}

pub struct EvidenceRow {
    pub view: EvidenceView,
    pub confidence: String,
    /// Whether it names the maker the device was attributed to.
    pub names_maker: bool,
    /// The other maker it names, when it disagrees with the attribution.
    pub names_other: Option<String>,
}

pub struct StepView {
    pub claim: String,
    pub confidence: String,
    pub sources: Vec<SourceView>,
}

pub struct ConflictView {
    pub fact: String,
    pub chosen: String,
    pub rejected: Vec<String>,
}

pub struct KevView {
    pub cve: String,
    pub status: &'static str,
    pub affected: bool,
    pub reason: String,
    pub sources: Vec<SourceView>,
}

/// The latest plan's findings for the device, or why there are none.
pub struct PlanView {
    /// Why the plan cannot say, with how to make one.
    pub gap: Option<String>,
    pub made: Option<String>,
    pub zone: Option<String>,
    pub findings: Vec<FindingView>,
}

pub struct FindingView {
    pub severity: String,
    pub title: String,
    pub control: String,
    pub action: String,
    pub urgency: String,
    pub advice: Option<String>,
    pub facts: Vec<String>,
}

pub struct HistoryView {
    pub first_seen: String,
    pub first_scan: i64,
    pub last_seen: String,
    pub last_scan: i64,
    pub sightings: usize,
    pub changes: Vec<ChangeView>,
}

pub struct ChangeView {
    pub at: String,
    pub scan: i64,
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

impl DeviceView {
    pub fn of(found: &Found, registry: &Registry) -> DeviceView {
        let d = &found.device;
        let kev: Vec<KevView> = d.vulnerabilities.iter().map(kev).collect();
        DeviceView {
            place: format!("{}/{}/{}", found.site.id.0, found.scan.id.0, found.idx),
            org: found.org.name.clone(),
            site: found.site.name.clone(),
            site_id: found.site.id.0,
            scan: found.scan.id.0,
            scan_at: timestamp(found.scan.started_at),
            newer_scan: found.latest.filter(|l| *l != found.scan.id).map(|l| l.0),
            what: what(d, registry),
            naming: maker_evidence(d),
            evidence: d
                .evidence
                .iter()
                .map(|e| EvidenceRow {
                    view: EvidenceView::of(e),
                    confidence: percent(e.confidence.get()),
                    names_maker: e.asserts.manufacturer.is_some()
                        && e.asserts.manufacturer == d.manufacturer,
                    names_other: e
                        .asserts
                        .manufacturer
                        .as_ref()
                        .filter(|m| Some(*m) != d.manufacturer.as_ref())
                        .map(display_name),
                })
                .collect(),
            attribution: d
                .attribution
                .iter()
                .map(|s| StepView {
                    claim: s.claim.to_string(),
                    confidence: percent(s.confidence.get()),
                    sources: SourceView::all(&s.sources),
                })
                .collect(),
            platform: platform(d),
            conflicts: d.conflicts.iter().map(conflict).collect(),
            registry: RegistryView::of(d, registry),
            plan: plan(found),
            kev_affected: kev.iter().filter(|k| k.affected).count(),
            kev,
            history: found.history.as_ref().map(history),
        }
    }
}

fn what(d: &Device, registry: &Registry) -> What {
    let verdict = VerdictWords::of(d);
    let regimes = d
        .covered_by
        .iter()
        .map(|id| {
            registry
                .regime(id)
                .map_or_else(|| id.clone(), |r| format!("{} ({id})", r.title))
        })
        .collect();
    let coverage_note = d.coverage.as_ref().and_then(|c| {
        if d.covered && c.verdict == Verdict::LikelyCovered {
            Some(format!(
                "Likely, not certain: the chain rests on a weak link, {}.",
                c.weakest_link
            ))
        } else if !d.covered && !c.disputed_by.is_empty() {
            Some(format!(
                "Disputed: {} would cover it under some readings of its maker's jurisdiction or control only. camaudit does not guess either way.",
                c.disputed_by.join(", ")
            ))
        } else {
            None
        }
    });
    let rebrand = d.is_rebrand();
    What {
        maker: d.manufacturer.as_ref().map(display_name),
        verdict,
        regimes,
        coverage_note,
        brand: d
            .label_vendor
            .as_ref()
            .filter(|_| rebrand)
            .map(display_name),
        brand_relation: rebrand.then(|| relation_words(d.label_relation.as_deref())),
        model: d.model.clone(),
        firmware: d.firmware.clone(),
        serial: d.serial.clone(),
        mac: d.mac.map(|m| m.to_string()),
        addr: d.addr.map(|a| a.to_string()),
        other_addrs: d.other_addrs.iter().map(ToString::to_string).collect(),
        ports: d
            .open_ports
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        device_type: d.device_type.map(|t| t.to_string()),
        confidence: percent(d.confidence.get()),
    }
}

fn platform(d: &Device) -> Option<&'static str> {
    match d.platform_confirmed {
        Some(true) => Some(
            "The device's own software (a vendor interface, a discovery protocol, a server banner or firmware string) names its maker.",
        ),
        Some(false) => Some(
            "Only the label, the model number or the MAC address block names the maker: no answer from the device's own software confirms it. A relabelled or spoofed device looks exactly like this.",
        ),
        None => None,
    }
}

fn conflict(c: &camaudit_model::Conflict) -> ConflictView {
    ConflictView {
        fact: c.fact.as_str().to_owned(),
        chosen: format!("{} ({})", c.chosen, percent(c.chosen_confidence.get())),
        rejected: c
            .rejected
            .iter()
            .map(|r| {
                format!(
                    "{} ({}; rules {})",
                    r.value,
                    percent(r.confidence.get()),
                    r.rules.join(", ")
                )
            })
            .collect(),
    }
}

fn kev(k: &camaudit_model::KevNote) -> KevView {
    KevView {
        cve: k.cve.clone(),
        status: match k.status {
            KevStatus::Affected => "affected",
            KevStatus::NotAffected => "not affected",
            KevStatus::Unknown => "cannot tell",
        },
        affected: k.status == KevStatus::Affected,
        reason: k.reason.clone(),
        sources: SourceView::all(&k.sources),
    }
}

fn plan(found: &Found) -> PlanView {
    let how = format!(
        "camaudit plan --estate estate.toml --db … --save --org {}",
        found.org.slug.as_str()
    );
    let gap = |text: String| PlanView {
        gap: Some(text),
        made: None,
        zone: None,
        findings: Vec::new(),
    };
    let index = match &found.plan {
        PlanState::Missing => {
            return gap(format!(
                "{} has no plan yet, so this device has no findings: make one with “{how}”.",
                found.org.name
            ));
        }
        PlanState::Unusable { made, why, .. } => {
            return gap(format!(
                "The latest plan (saved {}) cannot say: {why}. Save a new one with “{how}”.",
                timestamp(*made)
            ));
        }
        PlanState::Ready(index) => index,
    };
    let placement = index.place(&found.device, &found.site);
    let mut view = PlanView {
        gap: None,
        made: Some(timestamp(index.made)),
        zone: placement.zone().map(zone_text),
        findings: Vec::new(),
    };
    match placement {
        Placement::NoFinding => {}
        Placement::Ambiguous => {
            view.gap = Some(
                "The plan has findings for this address at several sites of the estate file, none named like this one, so it cannot say which are this device's: name the estate file's sites as the store does.".to_owned(),
            );
        }
        Placement::Found(findings) => {
            view.findings = findings
                .into_iter()
                .map(|f| FindingView {
                    severity: f.severity.to_string(),
                    title: f.title.to_string(),
                    control: f.control.to_string(),
                    action: f.action.to_string(),
                    urgency: f.urgency.to_string(),
                    advice: index.advice(&f.control).map(str::to_owned),
                    facts: f.facts.clone(),
                })
                .collect();
        }
    }
    view
}

fn history(h: &DeviceHistory) -> HistoryView {
    HistoryView {
        first_seen: timestamp(h.first_seen.at),
        first_scan: h.first_seen.scan.0,
        last_seen: timestamp(h.last_seen.at),
        last_scan: h.last_seen.scan.0,
        sightings: h.sightings,
        changes: h
            .changes
            .iter()
            .map(|c| ChangeView {
                at: timestamp(c.at),
                scan: c.scan.0,
                field: field_words(c.field),
                before: c.before.clone().unwrap_or_else(|| "none".to_owned()),
                after: c.after.clone().unwrap_or_else(|| "none".to_owned()),
            })
            .collect(),
    }
}

fn field_words(f: ChangedField) -> &'static str {
    match f {
        ChangedField::Address => "address",
        ChangedField::Mac => "MAC address",
        ChangedField::Firmware => "firmware",
        ChangedField::Model => "model",
        ChangedField::Manufacturer => "maker",
        ChangedField::Label => "brand on the device",
        ChangedField::Coverage => "covered or not",
        ChangedField::DeviceType => "kind of device",
    }
}

/// A confidence as a percentage ("95 %").
fn percent(c: f64) -> String {
    format!("{:.0} %", (c * 100.0).clamp(0.0, 100.0))
}
