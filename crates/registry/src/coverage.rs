//! Which regimes cover a manufacturer, under every reading of a disputed
//! jurisdiction, and the weakest link each conclusion rests on.
//!
//! A manufacturer's owner chain is one path when no company on it is
//! disputed; a company with readings (`[[entity.reading]]`) splits it, one
//! path per reading. A regime that covers the manufacturer on every path
//! covers it; one that covers it on some paths only is a dispute, reported
//! with each reading and never settled by a guess.

use std::collections::HashSet;

use camaudit_model::{CoverageStrength, VendorId, Verdict};
use serde::Serialize;

use crate::Registry;
use crate::types::{CoverageEntry, CoverageFinding, Entity, Level, Regime, RegimeKind};

/// A fact a conclusion rests on, in words, with its level and sources.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    /// "ezviz → hikvision (wholly owned subsidiary)".
    pub claim: String,
    pub level: Level,
    pub sources: Vec<String>,
}

impl Link {
    pub fn new(claim: impl Into<String>, level: Level, sources: Vec<String>) -> Link {
        Link {
            claim: claim.into(),
            level,
            sources,
        }
    }

    /// The weakest of some links; the last of equals, so that among
    /// equally supported links the registry fact nearest the regime (the
    /// brand relation, the designation) is named rather than the evidence
    /// that led to it. `None` for no links.
    pub fn weakest<'a>(links: impl IntoIterator<Item = &'a Link>) -> Option<&'a Link> {
        links
            .into_iter()
            .fold(None, |acc: Option<&Link>, l| match acc {
                Some(a) if a.level.rank() < l.level.rank() => Some(a),
                _ => Some(l),
            })
    }

    /// "claim (low)": the link as the table shows it.
    pub fn to_text(&self) -> String {
        format!("{} ({})", self.claim, self.level.as_str())
    }
}

/// Which reading of which disputed company a path takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadingRef {
    pub entity: VendorId,
    /// 1-based, in file order.
    pub reading: usize,
    pub jurisdiction: String,
    pub parent: Option<VendorId>,
    pub basis: String,
    pub confidence: Level,
    pub sources: Vec<String>,
}

impl ReadingRef {
    /// "tp-link-systems reading 2 (controlled by tp-link-technologies)".
    pub fn describe(&self) -> String {
        let what = match &self.parent {
            Some(p) => format!("controlled by {p}"),
            None => format!(
                "a company of {} with no controlling company",
                self.jurisdiction
            ),
        };
        format!("{} reading {} ({what})", self.entity, self.reading)
    }
}

/// What a regime says under one combination of readings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadingOutcome {
    pub readings: Vec<ReadingRef>,
    /// The finding when the regime covers the manufacturer under these
    /// readings; `None` when it does not.
    pub finding: Option<CoverageFinding>,
}

/// A regime that covers a manufacturer under some readings of a disputed
/// jurisdiction or control, and not under others.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DisputedFinding {
    pub regime: String,
    /// Every combination of readings, covering or not, in file order.
    pub outcomes: Vec<ReadingOutcome>,
}

impl DisputedFinding {
    /// "uk-2022-directive covers it under tp-link-systems reading 2
    /// (controlled by tp-link-technologies), not under reading 1 (…)".
    pub fn describe(&self) -> String {
        let side = |covers: bool| {
            let parts: Vec<String> = self
                .outcomes
                .iter()
                .filter(|o| o.finding.is_some() == covers)
                .map(|o| {
                    let r: Vec<String> = o.readings.iter().map(ReadingRef::describe).collect();
                    r.join(" and ")
                })
                .collect();
            parts.join("; ")
        };
        format!(
            "readings disagree: {} covers it under {}, not under {}",
            self.regime,
            side(true),
            side(false)
        )
    }

    /// Every source of every reading, once.
    pub fn sources(&self) -> Vec<String> {
        let all = self
            .outcomes
            .iter()
            .flat_map(|o| o.readings.iter().flat_map(|r| r.sources.iter().cloned()));
        dedup(all.collect())
    }
}

/// What the procurement bans (or risk flags) say about a manufacturer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Findings {
    /// Regimes that cover it under every reading (or on its only path).
    pub holding: Vec<CoverageFinding>,
    /// Regimes that cover it under some readings only.
    pub disputed: Vec<DisputedFinding>,
}

/// More combinations of readings than this on one chain is a curation
/// error; the rest are not explored (and the loader's cycle check keeps the
/// walk finite anyway).
const MAX_PATHS: usize = 32;

/// One company on a path up the owner chain, as that path reads it.
#[derive(Clone)]
struct Step<'r> {
    entity: &'r Entity,
    jurisdiction: &'r str,
    /// The reading this path takes for a disputed company (0-based).
    reading: Option<usize>,
}

impl Step<'_> {
    /// The company's facts as this path reads them: the entity's own level,
    /// and the reading's when there is one.
    fn level(&self) -> Level {
        let reading = self.reading.map(|i| self.entity.readings[i].confidence);
        reading.map_or(self.entity.confidence, |r| {
            self.entity.confidence.weakest(r)
        })
    }

    fn sources(&self) -> impl Iterator<Item = &String> {
        let reading = self.reading.map(|i| &self.entity.readings[i].sources);
        self.entity
            .sources
            .iter()
            .chain(reading.into_iter().flatten())
    }

    /// The link from this company to the next one up: "ezviz → hikvision
    /// (wholly owned subsidiary)", or the reading's words.
    fn parent_link(&self, next: &Entity) -> Link {
        let relation = match self.reading {
            Some(i) => self.entity.readings[i].parent_relation.as_deref(),
            None => self.entity.parent_relation.as_deref(),
        };
        let claim = format!(
            "{} → {} ({})",
            self.entity.id,
            next.id,
            relation.unwrap_or("owned by")
        );
        Link::new(claim, self.level(), self.sources().cloned().collect())
    }

    fn reading_ref(&self) -> Option<ReadingRef> {
        let i = self.reading?;
        let r = &self.entity.readings[i];
        Some(ReadingRef {
            entity: self.entity.id.clone(),
            reading: i + 1,
            jurisdiction: r.jurisdiction.clone(),
            parent: r.parent.clone(),
            basis: r.basis.clone(),
            confidence: r.confidence,
            sources: r.sources.clone(),
        })
    }
}

impl Registry {
    pub(crate) fn compute_findings(&self, manufacturer: &VendorId, kind: RegimeKind) -> Findings {
        let paths = self.owner_paths(manufacturer);
        let mut out = Findings::default();
        for regime in self.regimes.iter().filter(|r| r.kind == kind) {
            let per_path: Vec<Option<CoverageFinding>> =
                paths.iter().map(|p| self.path_finding(p, regime)).collect();
            let covering = per_path.iter().filter(|f| f.is_some()).count();
            if covering == 0 {
                continue;
            }
            if covering == paths.len() {
                // Every reading leads here: the best-supported path speaks.
                let best = per_path
                    .into_iter()
                    .flatten()
                    .max_by_key(|f| f.weakest_link.level.rank());
                out.holding.extend(best);
                continue;
            }
            let outcomes = paths
                .iter()
                .zip(per_path)
                .map(|(p, finding)| ReadingOutcome {
                    readings: p.iter().filter_map(Step::reading_ref).collect(),
                    finding,
                })
                .collect();
            out.disputed.push(DisputedFinding {
                regime: regime.id.clone(),
                outcomes,
            });
        }
        out
    }

    /// Every way up the owner chain: one path, or one per combination of
    /// readings of the disputed companies on it.
    fn owner_paths<'r>(&'r self, id: &VendorId) -> Vec<Vec<Step<'r>>> {
        let Some(start) = self.entity(id) else {
            return Vec::new();
        };
        let mut done = Vec::new();
        let mut todo: Vec<(Vec<Step<'r>>, &'r Entity)> = vec![(Vec::new(), start)];
        while let Some((mut path, e)) = todo.pop() {
            if done.len() + todo.len() >= MAX_PATHS {
                break;
            }
            if path.iter().any(|s| s.entity.id == e.id) {
                done.push(path);
                continue;
            }
            if e.readings.is_empty() {
                path.push(Step {
                    entity: e,
                    jurisdiction: &e.jurisdiction,
                    reading: None,
                });
                match e.parent.as_ref().and_then(|p| self.entity(p)) {
                    Some(next) => todo.push((path, next)),
                    None => done.push(path),
                }
                continue;
            }
            // Pushed in reverse so that reading 1 is explored (and listed)
            // first.
            for (i, r) in e.readings.iter().enumerate().rev() {
                let mut branch = path.clone();
                branch.push(Step {
                    entity: e,
                    jurisdiction: &r.jurisdiction,
                    reading: Some(i),
                });
                match r.parent.as_ref().and_then(|p| self.entity(p)) {
                    Some(next) => todo.push((branch, next)),
                    None => done.push(branch),
                }
            }
        }
        done.sort_by_key(|p: &Vec<Step<'r>>| {
            p.iter().filter_map(|s| s.reading).collect::<Vec<_>>()
        });
        done
    }

    /// The regime's finding on one path: an explicit coverage entry for a
    /// company on it (the first, within the regime's reach), else its
    /// jurisdiction test.
    fn path_finding(&self, path: &[Step<'_>], regime: &Regime) -> Option<CoverageFinding> {
        let reach = if regime.includes_subsidiaries {
            path.len()
        } else {
            1
        };
        let explicit = path[..reach].iter().enumerate().find_map(|(depth, s)| {
            self.coverage_index
                .get(&(regime.id.clone(), s.entity.id.clone()))
                .map(|&i| (depth, &self.coverage[i]))
        });
        if let Some((depth, entry)) = explicit {
            return Some(explicit_finding(path, depth, entry));
        }
        path[..reach]
            .iter()
            .position(|s| {
                regime
                    .applies_to_jurisdictions
                    .iter()
                    .any(|j| j == s.jurisdiction)
            })
            .map(|depth| jurisdiction_finding(path, depth, regime))
    }
}

fn explicit_finding(path: &[Step<'_>], depth: usize, entry: &CoverageEntry) -> CoverageFinding {
    let covered = path[depth].entity;
    let basis = if depth == 0 {
        entry.basis.clone()
    } else {
        format!(
            "{} is controlled by {} ({}), and the regime extends to subsidiaries and affiliates. {}",
            path[0].entity.id,
            covered.id,
            describe_path(&path[..=depth]),
            entry.basis
        )
    };
    let mut sources = entry.sources.clone();
    for s in &path[..depth] {
        sources.extend(s.sources().cloned());
    }
    let mut links = parent_links(&path[..=depth]);
    links.push(Link::new(
        format!("{} names {}", entry.regime, covered.id),
        entry.confidence,
        entry.sources.clone(),
    ));
    CoverageFinding {
        regime: entry.regime.clone(),
        entity: covered.id.clone(),
        basis,
        interpretation: entry.interpretation,
        confidence: path_level(&path[..depth]).weakest(entry.confidence),
        sources: dedup(sources),
        from: entry.from.clone(),
        weakest_link: weakest_of(links),
    }
}

fn jurisdiction_finding(path: &[Step<'_>], depth: usize, regime: &Regime) -> CoverageFinding {
    let covered = &path[depth];
    let reading = regime.jurisdiction_basis.as_deref().unwrap_or("");
    let basis = if depth == 0 {
        format!(
            "{} ({}) is a company of {}. {}",
            covered.entity.id, covered.entity.name, covered.jurisdiction, reading
        )
    } else {
        format!(
            "{} is controlled by {} ({}), a company of {}. {}",
            path[0].entity.id,
            covered.entity.id,
            describe_path(&path[..=depth]),
            covered.jurisdiction,
            reading
        )
    };
    let mut sources = regime.sources.clone();
    for s in &path[..=depth] {
        sources.extend(s.sources().cloned());
    }
    let mut links = parent_links(&path[..=depth]);
    links.push(Link::new(
        format!(
            "{} is a company of {}",
            covered.entity.id, covered.jurisdiction
        ),
        covered.level(),
        covered.sources().cloned().collect(),
    ));
    links.push(Link::new(
        format!(
            "{} read as covering companies of {} (an interpretation)",
            regime.id, covered.jurisdiction
        ),
        regime.confidence,
        regime.sources.clone(),
    ));
    CoverageFinding {
        regime: regime.id.clone(),
        entity: covered.entity.id.clone(),
        basis,
        interpretation: true,
        confidence: path_level(&path[..=depth]).weakest(regime.confidence),
        sources: dedup(sources),
        from: Some(regime.date.clone()),
        weakest_link: weakest_of(links),
    }
}

/// The parent links along a path: each company to the next one up.
fn parent_links(path: &[Step<'_>]) -> Vec<Link> {
    path.windows(2)
        .map(|w| w[0].parent_link(w[1].entity))
        .collect()
}

fn weakest_of(links: Vec<Link>) -> Link {
    let i = links.iter().enumerate().fold(0, |best, (i, l)| {
        if l.level.rank() < links[best].level.rank() {
            i
        } else {
            best
        }
    });
    links
        .into_iter()
        .nth(i)
        .unwrap_or_else(|| Link::new("", Level::High, Vec::new()))
}

/// `ezviz → hikvision`: the path as text; a disputed company's reading is
/// named (`tp-link-systems (reading 2) → tp-link-technologies`).
fn describe_path(path: &[Step<'_>]) -> String {
    let ids: Vec<String> = path
        .iter()
        .map(|s| match s.reading {
            Some(i) => format!("{} (reading {})", s.entity.id, i + 1),
            None => s.entity.id.to_string(),
        })
        .collect();
    ids.join(" → ")
}

/// The weakest level among the companies a conclusion passes through.
fn path_level(path: &[Step<'_>]) -> Level {
    path.iter()
        .fold(Level::High, |acc, s| acc.weakest(s.level()))
}

pub(crate) fn dedup(items: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .filter(|s| seen.insert(s.clone()))
        .collect()
}

/// How firmly a device's coverage stands, from the route to its maker
/// (the evidence or the label and brand relation that name it) and the
/// findings that reach its equipment: `covered` when the best-supported
/// covering chain has no low link, `likely-covered` when it has one,
/// `disputed` when no regime covers it under every reading but one does
/// under some. `None` when nothing covers it.
pub fn coverage_strength(
    route: &[Link],
    holding: &[CoverageFinding],
    disputed: &[DisputedFinding],
) -> Option<CoverageStrength> {
    let best = holding
        .iter()
        .fold(None, |acc: Option<&CoverageFinding>, f| match acc {
            Some(a) if a.weakest_link.level.rank() >= f.weakest_link.level.rank() => Some(a),
            _ => Some(f),
        });
    if let Some(best) = best {
        let weakest = Link::weakest(route.iter().chain([&best.weakest_link]))?;
        let verdict = if weakest.level == Level::Low {
            Verdict::LikelyCovered
        } else {
            Verdict::Covered
        };
        return Some(CoverageStrength {
            verdict,
            weakest_link: weakest.to_text(),
            weakest_confidence: weakest.level.confidence(),
            disputed_by: Vec::new(),
        });
    }
    let first = disputed.first()?;
    let level = first
        .outcomes
        .iter()
        .filter_map(|o| o.finding.as_ref())
        .map(|f| f.confidence)
        .max_by_key(|l| l.rank())
        .unwrap_or(Level::Low);
    Some(CoverageStrength {
        verdict: Verdict::Disputed,
        weakest_link: first.describe(),
        weakest_confidence: level.confidence(),
        disputed_by: disputed.iter().map(|d| d.regime.clone()).collect(),
    })
}
