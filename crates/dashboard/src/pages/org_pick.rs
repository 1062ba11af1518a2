//! Which organisation a page of one organisation shows (contract 1): a
//! viewer's own, implied; for an admin the one named by `?org=ID`, else the
//! first. Another organisation's id, or one that does not exist, answers
//! the 404 page, as the API answers 404 for it.

use std::collections::HashMap;

use camaudit_store::{OrgId, Organisation};

use crate::layout::PageError;
use crate::session::Person;

/// A page's query string, read leniently: every value is text, unknown
/// names are ignored, and a repeated name keeps its last value. A page
/// parses the values it reads and says what was wrong in words.
pub type PageQuery = HashMap<String, String>;

/// The organisation `?org=` names, if any. An empty value is none (the
/// form's select always sends one).
pub fn asked_org(q: &PageQuery) -> Result<Option<OrgId>, PageError> {
    match q.get("org").map(|v| v.trim()) {
        None | Some("") => Ok(None),
        Some(v) => v.parse::<i64>().map(|id| Some(OrgId(id))).map_err(|_| {
            PageError::bad_request(
                "org is an organisation's number (the list at the top of the page offers them)",
            )
        }),
    }
}

/// The organisation shown and, for an admin, the others to choose from.
#[derive(Debug, Clone)]
pub struct OrgPick {
    pub chosen: Organisation,
    /// Every organisation, for the admin's select; empty for a viewer,
    /// who has no choice to make.
    pub choices: Vec<Organisation>,
}

impl OrgPick {
    /// Picks from every organisation of the store. `Ok(None)`: the store
    /// has none the person may see (a new server).
    pub fn resolve(
        person: &Person,
        asked: Option<OrgId>,
        orgs: Vec<Organisation>,
    ) -> Result<Option<OrgPick>, PageError> {
        let wanted = person
            .reader
            .narrow(asked, "organisation")
            .map_err(|_| PageError::not_found("organisation"))?;
        let visible: Vec<Organisation> = orgs
            .into_iter()
            .filter(|o| person.reader.sees(o.id))
            .collect();
        let chosen = match wanted {
            Some(id) => match visible.iter().find(|o| o.id == id) {
                Some(o) => o.clone(),
                None if asked.is_some() => return Err(PageError::not_found("organisation")),
                None => return Ok(None),
            },
            None => match visible.first() {
                Some(o) => o.clone(),
                None => return Ok(None),
            },
        };
        let choices = if person.is_admin() {
            visible
        } else {
            Vec::new()
        };
        Ok(Some(OrgPick { chosen, choices }))
    }

    /// Whether `id` is the organisation shown (for the select's
    /// `selected`).
    pub fn is_chosen(&self, id: &OrgId) -> bool {
        self.chosen.id == *id
    }

    /// `?org=ID` to keep the choice on a link, empty for a viewer.
    pub fn query(&self) -> String {
        if self.choices.is_empty() {
            String::new()
        } else {
            format!("?org={}", self.chosen.id)
        }
    }
}
