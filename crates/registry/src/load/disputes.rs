//! The readings of a disputed jurisdiction (`[[entity.reading]]`) and the
//! model-line exceptions of a brand relation (`[[brand.exception]]`): their
//! raw shapes and their rules. Problems name the file and the line of the
//! table, since an entity's readings look alike.

use std::collections::{HashMap, HashSet};

use camaudit_model::VendorId;
use camaudit_model::text::line_of_offset;
use serde::Deserialize;
use toml::Spanned;

use super::Checker;
use crate::types::{Entity, Level, ModelException, Reading};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReading {
    #[serde(default)]
    jurisdiction: Option<String>,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    parent_relation: Option<String>,
    basis: String,
    confidence: Level,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    notes: Option<String>,
    /// Where the table starts, set after parsing ([`Locate`]).
    #[serde(skip)]
    line: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawException {
    #[serde(default)]
    model_prefixes: Vec<String>,
    basis: String,
    #[serde(default)]
    made_by: Option<String>,
    confidence: Level,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(skip)]
    line: usize,
}

/// A parsed file whose nested tables learn their line from the text they
/// were parsed from. Base and overlay files are parsed apart and then
/// merged, so the line must be fixed before the merge.
pub(super) trait Locate {
    fn locate(&mut self, _text: &str) {}
}

fn line_of<T>(text: &str, t: &Spanned<T>) -> usize {
    line_of_offset(text, t.span().start).0
}

pub(super) fn locate_readings(readings: &mut [Spanned<RawReading>], text: &str) {
    for r in readings {
        let line = line_of(text, r);
        r.get_mut().line = line;
    }
}

pub(super) fn locate_exceptions(exceptions: &mut [Spanned<RawException>], text: &str) {
    for e in exceptions {
        let line = line_of(text, e);
        e.get_mut().line = line;
    }
}

/// Checks one entity's readings, each with its line. `has_parent`: the entity names a parent
/// of its own, which readings replace.
pub(super) fn check_readings(
    c: &mut Checker<'_>,
    id: &str,
    entity_jurisdiction: &str,
    has_parent: bool,
    raw: Vec<Spanned<RawReading>>,
) -> Vec<(usize, Reading)> {
    let first_line = raw.first().map_or(0, |r| r.get_ref().line);
    if raw.len() == 1 {
        c.fail_at(
            first_line,
            id,
            "reading 1",
            "one reading is not a dispute: record it as the entity's jurisdiction and parent, or add the other reading",
        );
    }
    if !raw.is_empty() && has_parent {
        c.fail_at(
            first_line,
            id,
            "reading 1",
            "an entity with readings has no parent of its own: give each reading its parent (or none)",
        );
    }
    let mut seen: HashSet<(String, Option<String>)> = HashSet::new();
    let mut out = Vec::new();
    for (i, r) in raw.into_iter().map(Spanned::into_inner).enumerate() {
        let part = format!("reading {}", i + 1);
        let jurisdiction = r
            .jurisdiction
            .unwrap_or_else(|| entity_jurisdiction.to_owned());
        if !is_country(&jurisdiction) {
            c.fail_at(
                r.line,
                id,
                &part,
                format!(
                    "jurisdiction {jurisdiction:?} is not an ISO 3166 alpha-2 code such as \"CN\""
                ),
            );
        }
        if r.basis.trim().is_empty() {
            c.fail_at(
                r.line,
                id,
                &part,
                "basis is empty: say what the reading is and who holds it",
            );
        }
        if r.parent.is_none() && r.parent_relation.is_some() {
            c.fail_at(r.line, id, &part, "parent_relation without parent");
        }
        if r.parent.as_deref() == Some(id) {
            c.fail_at(r.line, id, &part, "is its own parent");
        }
        for p in c.source_problems(&r.sources) {
            c.fail_at(r.line, id, &part, p);
        }
        if !seen.insert((jurisdiction.clone(), r.parent.clone())) {
            c.fail_at(
                r.line,
                id,
                &part,
                "repeats another reading's jurisdiction and parent: readings must differ",
            );
        }
        let parent = match r.parent.as_deref().map(VendorId::new) {
            Some(Ok(p)) => Some(p),
            Some(Err(e)) => {
                c.fail_at(r.line, id, &part, format!("parent: {e}"));
                None
            }
            None => None,
        };
        out.push((
            r.line,
            Reading {
                jurisdiction,
                parent,
                parent_relation: r.parent_relation,
                basis: r.basis,
                confidence: r.confidence,
                sources: r.sources,
                notes: r.notes,
            },
        ));
    }
    out
}

/// The readings' parents must be entities, and no reading may lead back to
/// its own entity through the parents (under any reading on the way).
/// `lines`: each entity's reading lines, in order.
pub(super) fn check_reading_parents(
    c: &mut Checker<'_>,
    entities: &[Entity],
    lines: &HashMap<VendorId, Vec<usize>>,
) {
    let by_id: HashMap<&VendorId, &Entity> = entities.iter().map(|e| (&e.id, e)).collect();
    for e in entities.iter().filter(|e| !e.readings.is_empty()) {
        let lines = lines.get(&e.id).map(Vec::as_slice).unwrap_or_default();
        for (i, r) in e.readings.iter().enumerate() {
            let line = lines.get(i).copied().unwrap_or(0);
            let part = format!("reading {}", i + 1);
            let Some(p) = &r.parent else { continue };
            if !by_id.contains_key(p) {
                c.fail_at(
                    line,
                    e.id.as_str(),
                    &part,
                    format!("parent {:?} is not an entity", p.as_str()),
                );
            } else if p != &e.id && leads_back(&by_id, p, &e.id) {
                c.fail_at(
                    line,
                    e.id.as_str(),
                    &part,
                    format!("parent cycle: {} -> {} -> … -> {}", e.id, p, e.id),
                );
            }
        }
    }
}

/// Whether some owner path from `start` (following every reading) reaches
/// `target`.
fn leads_back(by_id: &HashMap<&VendorId, &Entity>, start: &VendorId, target: &VendorId) -> bool {
    let mut todo = vec![start];
    let mut seen: HashSet<&VendorId> = HashSet::new();
    while let Some(id) = todo.pop() {
        if id == target {
            return true;
        }
        if !seen.insert(id) {
            continue;
        }
        let Some(e) = by_id.get(id) else { continue };
        todo.extend(e.parent.iter());
        todo.extend(e.readings.iter().filter_map(|r| r.parent.as_ref()));
    }
    false
}

/// Checks one brand relation's exceptions. `company`: the relation's
/// company, which cannot be the line's other maker.
pub(super) fn check_exceptions(
    c: &mut Checker<'_>,
    id: &str,
    company: &str,
    entity_ids: &HashSet<&VendorId>,
    raw: Vec<Spanned<RawException>>,
) -> Vec<ModelException> {
    let mut out = Vec::new();
    for (i, e) in raw.into_iter().map(Spanned::into_inner).enumerate() {
        let part = format!("exception {}", i + 1);
        if e.model_prefixes.is_empty() {
            c.fail_at(
                e.line,
                id,
                &part,
                "no model_prefixes: an exception names the model lines it takes out of the relation",
            );
        }
        if e.model_prefixes.iter().any(|p| p.trim().is_empty()) {
            c.fail_at(e.line, id, &part, "model_prefixes entry is empty");
        }
        if e.basis.trim().is_empty() {
            c.fail_at(
                e.line,
                id,
                &part,
                "basis is empty: say what the sources document about the line",
            );
        }
        for p in c.source_problems(&e.sources) {
            c.fail_at(e.line, id, &part, p);
        }
        let made_by = match e.made_by.as_deref().map(VendorId::new) {
            Some(Ok(m)) if !entity_ids.contains(&m) => {
                c.fail_at(
                    e.line,
                    id,
                    &part,
                    format!("made_by {:?} is not an entity", m.as_str()),
                );
                None
            }
            Some(Ok(m)) if m.as_str() == company => {
                c.fail_at(
                    e.line,
                    id,
                    &part,
                    format!("made_by is the relation's own company {company:?}: an exception names another maker, or none"),
                );
                None
            }
            Some(Ok(m)) => Some(m),
            Some(Err(err)) => {
                c.fail_at(e.line, id, &part, format!("made_by: {err}"));
                None
            }
            None => None,
        };
        out.push(ModelException {
            model_prefixes: e.model_prefixes,
            basis: e.basis,
            made_by,
            confidence: e.confidence,
            sources: e.sources,
            notes: e.notes,
        });
    }
    out
}

fn is_country(value: &str) -> bool {
    value.len() == 2 && value.bytes().all(|b| b.is_ascii_uppercase())
}
