//! Third stage: for each kind of fact, weigh the values the evidence asserts
//! and pick one. Distinct rules agreeing strengthen a value (noisy-OR); the
//! same rule firing on several ports counts once. Losing values are kept as a
//! [`Conflict`] so that disagreement is reported, never hidden.

use camaudit_model::{Confidence, Conflict, ConflictingValue, Evidence, FactKind};

/// One value a fact could take, with its combined support.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub value: String,
    pub confidence: Confidence,
    pub rules: Vec<String>,
}

/// All candidates for one fact, best first.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    pub candidates: Vec<Candidate>,
}

/// (normalised value, display value, [(rule, best confidence)])
type ValueGroup = (String, String, Vec<(String, Confidence)>);

impl Tally {
    pub fn of(evidence: &[Evidence], kind: FactKind) -> Tally {
        let mut groups: Vec<ValueGroup> = Vec::new();
        for ev in evidence {
            let Some(value) = fact_value(ev, kind) else {
                continue;
            };
            let rule = ev.rule.clone().unwrap_or_else(|| ev.field.clone());
            let key = value.trim().to_ascii_uppercase();
            let group = match groups.iter_mut().position(|g| g.0 == key) {
                Some(i) => &mut groups[i],
                None => {
                    groups.push((key, value.trim().to_owned(), Vec::new()));
                    groups.last_mut().expect("just pushed")
                }
            };
            match group.2.iter_mut().find(|(r, _)| *r == rule) {
                Some((_, c)) if ev.confidence > *c => *c = ev.confidence,
                Some(_) => {}
                None => group.2.push((rule, ev.confidence)),
            }
        }
        let mut candidates: Vec<Candidate> = groups
            .into_iter()
            .map(|(_, value, rules)| Candidate {
                confidence: rules
                    .iter()
                    .fold(Confidence::ZERO, |acc, (_, c)| acc.combine(*c)),
                rules: rules.into_iter().map(|(r, _)| r).collect(),
                value,
            })
            .collect();
        candidates.sort_by(|a, b| {
            b.confidence
                .partial_cmp(&a.confidence)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.value.cmp(&b.value))
        });
        Tally { candidates }
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
