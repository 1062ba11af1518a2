//! The dashboard's pages, one module each. Every handler takes a
//! [`Person`](crate::session::Person), reads the store through the pool
//! with what the person's reader allows, builds a view, and renders its
//! template inside [`Layout`](crate::layout::Layout).
//!
//! A page that shows one organisation takes `?org=ID` ([`OrgParam`],
//! [`choose_org`]): an admin picks any (the first by default) with the
//! form of `templates/org_picker.html` ([`OrgPicker`]); a viewer's is
//! implied, and another's answers the 404 page.

pub mod changes;
pub mod device;
pub mod devices;
pub mod findings;
pub mod overview;
pub mod plan;
pub mod registry;
pub mod rollup;
pub mod stored_plan;
pub mod words;

use axum::Router;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::routing::get;
use camaudit_server::AppState;
use camaudit_store::{OrgId, Organisation, TokenScope};
use serde::de::DeserializeOwned;

use crate::layout::PageError;
use crate::session::Person;

/// Every page's route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(overview::page))
        .route("/rollup", get(rollup::page))
        .route("/devices", get(devices::page))
        .route("/devices.csv", get(devices::csv))
        .route("/devices/{site}/{scan}/{idx}", get(device::page))
        .route("/findings", get(findings::page))
        .route("/plan", get(plan::page))
        .route("/changes", get(changes::page))
        .route("/registry", get(registry::page))
}

/// Who is logged in, in words for the page's header: "viewer of Leeds City
/// Council (alice)" or "admin (ops)".
pub fn who(person: &Person, orgs: &[Organisation]) -> String {
    let label = &person.token.label;
    match &person.token.scope {
        TokenScope::Viewer { org } => {
            let name = orgs
                .iter()
                .find(|o| o.id == *org)
                .map_or("your organisation", |o| o.name.as_str());
            format!("viewer of {name} ({label})")
        }
        scope => format!("{} ({label})", scope.kind()),
    }
}

/// A page's query string, or the 400 page saying what is wrong with it.
pub struct PageQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(q)) => Ok(PageQuery(q)),
            Err(e) => Err(PageError::bad_request(format!(
                "This page's address has a value it cannot use: {}.",
                e.body_text()
            ))),
        }
    }
}

/// `?org=ID`: the organisation a page shows.
#[derive(Debug, Default, serde::Deserialize)]
pub struct OrgParam {
    pub org: Option<OrgId>,
}

/// The organisation a page shows, of `orgs` (the store's, in its order):
/// the one asked for if the person sees it (else the 404 page, as for one
/// that does not exist), else the viewer's own or the admin's first;
/// `None` when the server holds no organisation yet.
pub fn choose_org(
    person: &Person,
    orgs: &[Organisation],
    asked: Option<OrgId>,
) -> Result<Option<Organisation>, PageError> {
    let wanted = person
        .reader
        .narrow(asked, "organisation")
        .map_err(|_| PageError::not_found("organisation"))?;
    let visible = |o: &&Organisation| person.reader.sees(o.id);
    match wanted {
        Some(id) => orgs
            .iter()
            .filter(visible)
            .find(|o| o.id == id)
            .cloned()
            .map(Some)
            .ok_or_else(|| PageError::not_found("organisation")),
        None => Ok(orgs.iter().find(visible).cloned()),
    }
}

/// What a page of one organisation starts from: who is looking (for the
/// frame), the organisation it shows ([`choose_org`]) and the admin's
/// picker.
pub struct Chosen {
    pub who: String,
    pub org: Option<Organisation>,
    pub picker: Option<OrgPicker>,
}

impl Chosen {
    pub async fn read(
        app: &AppState,
        person: &Person,
        asked: Option<OrgId>,
    ) -> Result<Chosen, PageError> {
        let orgs = app.pool.run(|store| store.organisations()).await?;
        let org = choose_org(person, &orgs, asked)?;
        let picker = org
            .as_ref()
            .and_then(|o| OrgPicker::of(person, &orgs, o.id));
        Ok(Chosen {
            who: who(person, &orgs),
            org,
            picker,
        })
    }
}

/// The admin's choice of organisation: a GET form with one select, in
/// `templates/org_picker.html` (a page's struct has `picker:
/// Option<OrgPicker>` and includes the template).
#[derive(Debug, Clone)]
pub struct OrgPicker {
    pub options: Vec<OrgOption>,
}

#[derive(Debug, Clone)]
pub struct OrgOption {
    pub id: OrgId,
    pub name: String,
    pub chosen: bool,
}

impl OrgPicker {
    /// For an admin with more than one organisation to pick from.
    pub fn of(person: &Person, orgs: &[Organisation], chosen: OrgId) -> Option<OrgPicker> {
        (person.is_admin() && orgs.len() > 1).then(|| OrgPicker {
            options: orgs
                .iter()
                .map(|o| OrgOption {
                    id: o.id,
                    name: o.name.clone(),
                    chosen: o.id == chosen,
                })
                .collect(),
        })
    }
}
