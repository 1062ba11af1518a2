//! `GET /`: the organisations and sites the person sees, and when each
//! site's sensor last reported.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use camaudit_server::AppState;
use camaudit_store::{Organisation, Site};

use crate::layout::{Layout, Nav, PageError, render};
use crate::session::Person;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    orgs: Vec<OrgRow>,
}

struct OrgRow {
    name: String,
    sector: String,
    sites: Vec<SiteRow>,
}

struct SiteRow {
    name: String,
    slug: String,
    last_report: String,
}

pub async fn page(State(app): State<AppState>, person: Person) -> Result<Response, PageError> {
    let org = person.reader.org();
    let (orgs, sites) = app
        .pool
        .run(move |store| {
            let orgs: Vec<Organisation> = store
                .organisations()?
                .into_iter()
                .filter(|o| org.is_none_or(|id| id == o.id))
                .collect();
            Ok((orgs, store.sites(org)?))
        })
        .await?;
    let layout = Layout::new(
        &person,
        Nav::Overview,
        "Estate overview",
        super::who(&person, &orgs),
    );
    let orgs = orgs
        .into_iter()
        .map(|o| OrgRow {
            sites: sites
                .iter()
                .filter(|s| s.org == o.id)
                .map(site_row)
                .collect(),
            name: o.name,
            sector: o.sector.to_string(),
        })
        .collect();
    Ok(render(&HomePage { layout, orgs }))
}

fn site_row(s: &Site) -> SiteRow {
    SiteRow {
        name: s.name.clone(),
        slug: s.slug.to_string(),
        last_report: s
            .last_report_at
            .map_or_else(|| "never".to_owned(), camaudit_report::timestamp),
    }
}
