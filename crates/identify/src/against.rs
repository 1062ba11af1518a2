//! Evidence against a maker: observations that contradict a maker's
//! platform (`not_manufacturer` in a rule). A probe that was never sent is
//! not evidence of anything; a vendor path that was requested and answered
//! 404, or a web server the maker's firmware never uses, is.

use camaudit_model::{Confidence, Evidence, text::clip};

/// The combined evidence against one maker.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Against {
    pub vendor: String,
    pub confidence: Confidence,
    pub rules: Vec<String>,
    /// What was seen, as `field = value`, for the attribution step.
    pub seen: Vec<String>,
}

/// Evidence against each maker some rule contradicts.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct AgainstTable {
    entries: Vec<Against>,
}

impl AgainstTable {
    /// Distinct rules against the same maker combine by noisy-OR, as
    /// agreeing evidence does; the same rule firing twice counts once.
    pub fn of(evidence: &[Evidence]) -> AgainstTable {
        let mut entries: Vec<(Against, Vec<Confidence>)> = Vec::new();
        for ev in evidence {
            let Some(vendor) = &ev.asserts.not_manufacturer else {
                continue;
            };
            let rule = ev.rule.clone().unwrap_or_else(|| ev.field.clone());
            let i = match entries
                .iter()
                .position(|(a, _)| a.vendor == vendor.as_str())
            {
                Some(i) => i,
                None => {
                    entries.push((
                        Against {
                            vendor: vendor.to_string(),
                            confidence: Confidence::ZERO,
                            rules: Vec::new(),
                            seen: Vec::new(),
                        },
                        Vec::new(),
                    ));
                    entries.len() - 1
                }
            };
            let (entry, weights) = &mut entries[i];
            match entry.rules.iter().position(|r| *r == rule) {
                Some(j) if ev.confidence > weights[j] => weights[j] = ev.confidence,
                Some(_) => {}
                None => {
                    entry.rules.push(rule);
                    weights.push(ev.confidence);
                    entry
                        .seen
                        .push(format!("{} = {}", ev.field, clip(&ev.value, 60)));
                }
            }
        }
        let entries = entries
            .into_iter()
            .map(|(mut a, weights)| {
                a.confidence = weights
                    .iter()
                    .fold(Confidence::ZERO, |acc, c| acc.combine(*c));
                a
            })
            .collect();
        AgainstTable { entries }
    }

    pub fn get(&self, vendor: &str) -> Option<&Against> {
        self.entries.iter().find(|a| a.vendor == vendor)
    }

    /// What the memo needs to tell two tables apart.
    pub fn key(&self) -> Vec<(String, u64, Vec<String>)> {
        self.entries
            .iter()
            .map(|a| {
                (
                    a.vendor.clone(),
                    a.confidence.get().to_bits(),
                    a.rules.clone(),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use camaudit_model::{Asserts, Source, VendorId};

    fn against(rule: &str, maker: &str, c: f64) -> Evidence {
        Evidence {
            source: Source::Http,
            port: Some(80),
            field: "http.not_found".into(),
            value: "/ISAPI/System/deviceInfo".into(),
            rule: Some(rule.into()),
            asserts: Asserts {
                not_manufacturer: Some(VendorId::new(maker).unwrap()),
                ..Asserts::default()
            },
            confidence: Confidence::new(c).unwrap(),
        }
    }

    #[test]
    fn distinct_rules_combine_and_repeats_do_not() {
        let t = AgainstTable::of(&[
            against("a", "hikvision", 0.5),
            against("a", "hikvision", 0.5),
            against("b", "hikvision", 0.5),
            against("c", "dahua", 0.4),
        ]);
        let h = t.get("hikvision").unwrap();
        assert!((h.confidence.get() - 0.75).abs() < 1e-9);
        assert_eq!(h.rules, ["a", "b"]);
        assert!((t.get("dahua").unwrap().confidence.get() - 0.4).abs() < 1e-9);
        assert!(t.get("axis").is_none());
        assert!(AgainstTable::of(&[]).get("hikvision").is_none());
    }
}
