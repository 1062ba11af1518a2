//! What changed since the previous report, from the history crate's diff
//! of the two device lists, in sentences a board reads.

use camaudit_history::{ChangeKind, Diff, ReplacementKind};
use serde::{Deserialize, Serialize};

/// Sentences shown; the rest are counted.
const LINES: usize = 20;

/// What changed since the previous report. Without a previous report or
/// scan, the report says why nothing was compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "compared", rename_all = "kebab-case")]
pub enum Changes {
    #[serde(rename = "no")]
    NotCompared { why: String },
    #[serde(rename = "yes")]
    Compared {
        /// What the report was compared with, in words.
        against: String,
        new: usize,
        covered_new: usize,
        gone: usize,
        covered_gone: usize,
        changed: usize,
        /// Covered devices replaced by another brand of the same maker.
        rebrand_swaps: usize,
        /// Covered devices seen before, away, and back.
        came_back: usize,
        now_covered: usize,
        no_longer_covered: usize,
        /// One sentence a change that matters, worst first.
        lines: Vec<String>,
    },
}

impl Changes {
    pub fn of(against: String, d: &Diff) -> Changes {
        let c = &d.counts;
        let mut lines: Vec<String> = Vec::new();
        for r in &d.replaced {
            if r.kind == ReplacementKind::SwappedForRebrandOfSameMaker {
                lines.push(format!(
                    "At {}, {} was replaced by {}: the same covered maker under another brand.",
                    r.addr,
                    r.before.describe(),
                    r.after.describe()
                ));
            }
        }
        for back in &d.came_back {
            lines.push(format!(
                "{} is back (covered; last seen in scan {}).",
                back.device.describe(),
                back.last_seen_in
            ));
        }
        for s in d.new.iter().filter(|s| s.is_covered()) {
            lines.push(format!("New covered device: {}.", s.describe()));
        }
        for ch in &d.changed {
            if ch.kinds.contains(&ChangeKind::NowCovered) {
                lines.push(format!("Now covered: {}.", ch.after.describe()));
            }
            if ch.kinds.contains(&ChangeKind::NoLongerCovered) {
                lines.push(format!(
                    "No longer read as covered (its attribution changed; it was not removed): {}.",
                    ch.after.describe()
                ));
            }
        }
        for s in d.gone.iter().filter(|s| s.is_covered()) {
            lines.push(format!("Covered device gone: {}.", s.describe()));
        }
        if lines.len() > LINES {
            let more = lines.len() - LINES;
            lines.truncate(LINES);
            lines.push(format!("… and {more} more (camaudit diff lists them all)."));
        }
        Changes::Compared {
            against,
            new: c.new,
            covered_new: c.new_covered,
            gone: c.gone,
            covered_gone: c.gone_covered,
            changed: c.changed,
            rebrand_swaps: c.rebrand_swaps,
            came_back: c.came_back,
            now_covered: c.now_covered,
            no_longer_covered: c.no_longer_covered,
            lines,
        }
    }
}
