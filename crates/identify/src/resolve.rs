//! Third stage: for each kind of fact, weigh the values the evidence asserts
//! and pick one. Distinct rules agreeing strengthen a value (noisy-OR); the
//! same rule firing on several ports counts once. Losing values are kept as a
//! [`Conflict`] so that disagreement is reported, never hidden.
//!
//! A value someone set on the device (a name, a host name) counts once per
//! underlying text, whichever channels echo it, [`USER_HINT_CONFIDENCE`]
//! each, never above [`USER_HINT_MAX`] together, and never ahead of a value
//! firmware-set evidence supports.

use camaudit_model::{Confidence, Conflict, ConflictingValue, Evidence, FactKind, settable_text};

use crate::against::AgainstTable;
use crate::origin::is_user_set;

/// What one user-set name weighs: a hint.
pub(crate) const USER_HINT_CONFIDENCE: f64 = 0.2;

/// The most a value that only user-set names support can weigh, however
/// many different names agree.
pub(crate) const USER_HINT_MAX: f64 = 0.3;

/// One value a fact could take, with its combined support.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub value: String,
    pub confidence: Confidence,
    pub rules: Vec<String>,
    /// Whether firmware-set evidence supports the value, not only values a
    /// user set.
    pub firmware_set: bool,
    /// The confidence before evidence against the value was weighed, when
    /// there was some.
    pub before_against: Option<Confidence>,
}

/// All candidates for one fact, best first.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    pub candidates: Vec<Candidate>,
}

/// One value's support: each distinct piece of evidence with its best
/// confidence, and whether any piece is firmware-set.
struct ValueGroup {
    key: String,
    value: String,
    /// (what makes a piece distinct, its best confidence, user-set)
    pieces: Vec<(String, Confidence, bool)>,
    rules: Vec<String>,
    firmware_set: bool,
}

impl Tally {
    pub fn of(evidence: &[Evidence], kind: FactKind) -> Tally {
        let mut groups: Vec<ValueGroup> = Vec::new();
        for ev in evidence {
            let Some(value) = fact_value(ev, kind) else {
                continue;
            };
            let rule = ev.rule.clone().unwrap_or_else(|| ev.field.clone());
            let user_set = is_user_set(ev);
            // A name seen as the name scope, the page title and the host
            // name is one value the installer typed, not three pieces.
            let piece = if user_set {
                format!("user:{}", settable_text(&ev.field, &ev.value))
            } else {
                rule.clone()
            };
            let key = value.trim().to_ascii_uppercase();
            let i = match groups.iter().position(|g| g.key == key) {
                Some(i) => i,
                None => {
                    groups.push(ValueGroup {
                        key,
                        value: value.trim().to_owned(),
                        pieces: Vec::new(),
                        rules: Vec::new(),
                        firmware_set: false,
                    });
                    groups.len() - 1
                }
            };
            let group = &mut groups[i];
            group.firmware_set |= !user_set;
            if !group.rules.contains(&rule) {
                group.rules.push(rule);
            }
            match group.pieces.iter_mut().find(|(p, _, _)| *p == piece) {
                Some((_, c, _)) if ev.confidence > *c => *c = ev.confidence,
                Some(_) => {}
                None => group.pieces.push((piece, ev.confidence, user_set)),
            }
        }
        let hint_cap = Confidence::new(USER_HINT_MAX).unwrap_or(Confidence::ZERO);
        let mut candidates: Vec<Candidate> = groups
            .into_iter()
            .map(|g| {
                // Names a user typed add nothing to a value the firmware
                // gives; alone, they are a hint.
                let combined = g
                    .pieces
                    .iter()
                    .filter(|(_, _, user)| !(g.firmware_set && *user))
                    .fold(Confidence::ZERO, |acc, (_, c, _)| acc.combine(*c));
                Candidate {
                    confidence: if g.firmware_set {
                        combined
                    } else {
                        combined.at_most(hint_cap)
                    },
                    rules: g.rules,
                    value: g.value,
                    firmware_set: g.firmware_set,
                    before_against: None,
                }
            })
            .collect();
        sort(&mut candidates);
        Tally { candidates }
    }

    /// Weighs the evidence against each value (makers whose platform the
    /// device contradicts) and orders the candidates again.
    pub fn weaken(&mut self, against: &AgainstTable) {
        for c in &mut self.candidates {
            if let Some(a) = against.get(&c.value) {
                c.before_against = Some(c.confidence);
                c.confidence = c.confidence.weakened_by(a.confidence);
            }
        }
        sort(&mut self.candidates);
    }

    pub fn best(&self) -> Option<&Candidate> {
        self.candidates.first()
    }
    pub fn conflict(&self, fact: FactKind) -> Option<Conflict> {
        let (best, rest) = self.candidates.split_first()?;
        if rest.is_empty() {
            return None;
        }
        Some(Conflict {
            fact,
            chosen: best.value.clone(),
            chosen_confidence: best.confidence.rounded(),
            rejected: rest
                .iter()
                .map(|c| ConflictingValue {
                    value: c.value.clone(),
                    confidence: c.confidence.rounded(),
                    rules: c.rules.clone(),
                })
                .collect(),
        })
    }
}

/// Values firmware-set evidence supports first, then by confidence: a value
/// only names typed by a user support never outranks one the firmware gives.
fn sort(candidates: &mut [Candidate]) {
    candidates.sort_by(|a, b| {
        b.firmware_set
            .cmp(&a.firmware_set)
            .then_with(|| {
                b.confidence
                    .partial_cmp(&a.confidence)
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .then_with(|| a.value.cmp(&b.value))
    });
}

fn fact_value(ev: &Evidence, kind: FactKind) -> Option<String> {
    let a = &ev.asserts;
    match kind {
        FactKind::Manufacturer => a.manufacturer.as_ref().map(|v| v.to_string()),
        FactKind::LabelVendor => a.label_vendor.as_ref().map(|v| v.to_string()),
        FactKind::Platform => a.platform.clone(),
        FactKind::DeviceType => a.device_type.map(|v| v.to_string()),
        FactKind::Model => a.model.clone(),
        FactKind::Firmware => a.firmware.clone(),
        FactKind::Serial => a.serial.clone(),
        FactKind::Mac => a.mac.map(|v| v.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use camaudit_model::{Asserts, Source, VendorId};

    fn ev(rule: &str, maker: &str, c: f64) -> Evidence {
        Evidence {
            source: Source::Http,
            port: Some(80),
            field: "http.header.server".into(),
            value: "x".into(),
            rule: Some(rule.into()),
            asserts: Asserts {
                manufacturer: Some(VendorId::new(maker).unwrap()),
                ..Asserts::default()
            },
            confidence: Confidence::new(c).unwrap(),
        }
    }

    #[test]
    fn agreeing_rules_combine_and_repeats_do_not() {
        let t = Tally::of(
            &[
                ev("a", "hikvision", 0.6),
                ev("b", "hikvision", 0.6),
                ev("a", "hikvision", 0.6),
            ],
            FactKind::Manufacturer,
        );
        let best = t.best().unwrap();
        assert_eq!(best.value, "hikvision");
        assert!((best.confidence.get() - 0.84).abs() < 1e-9);
        assert_eq!(best.rules, ["a", "b"]);
    }

    #[test]
    fn stronger_value_wins_and_the_loser_is_reported() {
        let t = Tally::of(
            &[ev("a", "axis", 0.5), ev("b", "hikvision", 0.95)],
            FactKind::Manufacturer,
        );
        assert_eq!(t.best().unwrap().value, "hikvision");
        let c = t.conflict(FactKind::Manufacturer).unwrap();
        assert_eq!(c.chosen, "hikvision");
        assert_eq!(c.rejected[0].value, "axis");
        assert_eq!(c.rejected[0].rules, ["a"]);
    }

    #[test]
    fn no_evidence_no_fact() {
        let t = Tally::of(&[], FactKind::Model);
        assert!(t.best().is_none() && t.conflict(FactKind::Model).is_none());
    }
}
