//! `GET /devices`: the devices of each site's latest scan that the person
//! may see, filtered and in pages, and `GET /devices.csv`, the same list
//! as a file.
//!
//! The store is read with the very query `GET /api/v1/devices` builds
//! (its [`Filters`](camaudit_server::routes::devices::Filters) and the
//! reader's organisation), in the API's order, so the page and the API
//! list the same devices. Zone and severity are the latest plan's
//! ([`placed`]): those two filters are applied to the store's pages as they
//! are read.

pub mod export;
pub mod filters;
pub mod list;
pub mod placed;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::Uri;
use axum::response::Response;
use camaudit_policy::{Severity, Zone};
use camaudit_server::AppState;
use camaudit_server::access::Reader;
use camaudit_store::{DeviceQuery, OrgId, Organisation};

use self::filters::ListQuery;
use self::list::{Listing, Row};
use crate::layout::{Layout, Nav, PageError, render};
use crate::session::Person;

#[derive(Template)]
#[template(path = "devices.html")]
struct DevicesPage {
    layout: Layout,
    form: Form,
    listing: Listing,
    /// Rows shown before this page's first.
    first: usize,
    last: usize,
    next_link: Option<String>,
    first_link: Option<String>,
    export_link: String,
    admin: bool,
    max_read: usize,
}

/// The filter form: its choices and what is chosen.
struct Form {
    orgs: Vec<Choice>,
    sites: Vec<Choice>,
    makers: Vec<Choice>,
    zones: Vec<Choice>,
    severities: Vec<Choice>,
    covered: Vec<Choice>,
    limit: Option<u32>,
    clear_link: String,
}

/// One `<option>`.
struct Choice {
    value: String,
    text: String,
    chosen: bool,
}

impl Choice {
    fn any(text: &str, chosen: bool) -> Choice {
        Choice {
            value: String::new(),
            text: text.to_owned(),
            chosen,
        }
    }
}

pub async fn page(
    State(app): State<AppState>,
    person: Person,
    uri: Uri,
) -> Result<Response, PageError> {
    let q = ListQuery::parse(&query_pairs(&uri)?)?;
    let query = store_query(&app, &person.reader, &q).await?;
    let reader = person.reader.clone();
    let asked = q.clone();
    let listing = app
        .pool
        .run(move |store| list::read(&*store, &reader, &asked, query))
        .await?;
    let layout = Layout::new(
        &person,
        Nav::Devices,
        "Devices",
        super::who(&person, &listing.orgs),
    );
    let first = listing.before + usize::from(!listing.rows.is_empty());
    let last = listing.before + listing.rows.len();
    let link = |after| {
        let qs = q.query_string(after);
        if qs.is_empty() {
            "/devices".to_owned()
        } else {
            format!("/devices?{qs}")
        }
    };
    let next_link = listing.next.as_ref().map(|c| link(Some(c)));
    let first_link = q.after.is_some().then(|| link(None));
    let qs = q.query_string(None);
    let export_link = if qs.is_empty() {
        "/devices.csv".to_owned()
    } else {
        format!("/devices.csv?{qs}")
    };
    let form = form(&q, &listing, person.is_admin());
    Ok(render(&DevicesPage {
        layout,
        form,
        first,
        last,
        next_link,
        first_link,
        export_link,
        admin: person.is_admin(),
        max_read: list::MAX_READ,
        listing,
    }))
}

pub async fn csv(
    State(app): State<AppState>,
    person: Person,
    uri: Uri,
) -> Result<Response, PageError> {
    let q = ListQuery::parse(&query_pairs(&uri)?)?;
    if q.after.is_some() {
        return Err(PageError::bad_request(
            "The export is the whole list: leave “after” out.",
        ));
    }
    let query = store_query(&app, &person.reader, &q).await?;
    export::csv(app, person.reader.clone(), q, query).await
}

fn query_pairs(uri: &Uri) -> Result<Vec<(String, String)>, PageError> {
    Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|Query(pairs)| pairs)
        .map_err(|_| PageError::bad_request("The address's query string cannot be read."))
}

/// The store query of `GET /api/v1/devices` for the same filters, narrowed
/// to an admin's chosen organisation; a site or organisation the person
/// may not see is the 404 page.
async fn store_query(
    app: &AppState,
    reader: &Reader,
    q: &ListQuery,
) -> Result<DeviceQuery, PageError> {
    let org = reader
        .narrow(q.org, "organisation")
        .map_err(|_| PageError::not_found("organisation"))?;
    let mut query = q.api_filters().query(reader)?;
    query.org = org;
    camaudit_server::routes::devices::check_site(app, reader, query.site)
        .await
        .map_err(|e| match e.status.as_u16() {
            404 => PageError::not_found("site"),
            _ => PageError::from(e),
        })?;
    let (site, asked) = (query.site, q.org);
    let fits = app
        .pool
        .run(move |store| {
            let org_exists = match asked {
                Some(id) => store.organisations()?.iter().any(|o| o.id == id),
                None => true,
            };
            let site_in_org = match (site, asked) {
                (Some(s), Some(o)) => store.site(s)?.is_some_and(|s| s.org == o),
                _ => true,
            };
            Ok((org_exists, site_in_org))
        })
        .await?;
    match fits {
        (false, _) => Err(PageError::not_found("organisation")),
        (_, false) => Err(PageError::not_found("site")),
        _ => Ok(query),
    }
}

fn form(q: &ListQuery, listing: &Listing, admin: bool) -> Form {
    let orgs = if admin {
        std::iter::once(Choice::any("All organisations", q.org.is_none()))
            .chain(listing.orgs.iter().map(|o| org_choice(o, q.org)))
            .collect()
    } else {
        Vec::new()
    };
    let several_orgs = listing.orgs.len() > 1;
    let sites = std::iter::once(Choice::any("All sites", q.site.is_none()))
        .chain(listing.sites.iter().map(|s| {
            let org = listing
                .orgs
                .iter()
                .find(|o| o.id == s.org)
                .filter(|_| several_orgs)
                .map(|o| format!("{}: ", o.name))
                .unwrap_or_default();
            Choice {
                value: s.id.0.to_string(),
                text: format!("{org}{}", s.name),
                chosen: q.site == Some(s.id),
            }
        }))
        .collect();
    let mut makers: Vec<Choice> = vec![Choice::any("Any maker", q.maker.is_none())];
    makers.extend(listing.makers.iter().map(|(id, name)| Choice {
        value: id.clone(),
        text: name.clone(),
        chosen: q.maker.as_deref() == Some(id.as_str()),
    }));
    if let Some(m) = q
        .maker
        .as_deref()
        .filter(|m| !listing.makers.contains_key(*m))
    {
        makers.push(Choice {
            value: m.to_owned(),
            text: m.to_owned(),
            chosen: true,
        });
    }
    let zones = std::iter::once(Choice::any("Any zone", q.zone.is_none()))
        .chain(Zone::ALL.into_iter().map(|z| Choice {
            value: z.as_str().to_owned(),
            text: zone_words(z).to_owned(),
            chosen: q.zone == Some(z),
        }))
        .collect();
    let severities = std::iter::once(Choice::any("Any severity", q.severity.is_none()))
        .chain(Severity::ALL.into_iter().map(|s| Choice {
            value: s.as_str().to_owned(),
            text: s.as_str().to_owned(),
            chosen: q.severity == Some(s),
        }))
        .collect();
    let covered = vec![
        Choice::any("Covered or not", q.covered.is_none()),
        Choice {
            value: "true".to_owned(),
            text: "Covered".to_owned(),
            chosen: q.covered == Some(true),
        },
        Choice {
            value: "false".to_owned(),
            text: "Not covered".to_owned(),
            chosen: q.covered == Some(false),
        },
    ];
    let clear_link = match q.org {
        Some(org) => format!("/devices?org={}", org.0),
        None => "/devices".to_owned(),
    };
    Form {
        orgs,
        sites,
        makers,
        zones,
        severities,
        covered,
        limit: (q.limit != filters::DEFAULT_LIMIT).then_some(q.limit),
        clear_link,
    }
}

fn org_choice(o: &Organisation, chosen: Option<OrgId>) -> Choice {
    Choice {
        value: o.id.0.to_string(),
        text: o.name.clone(),
        chosen: chosen == Some(o.id),
    }
}

/// A zone as an estates manager says it.
pub fn zone_words(z: Zone) -> &'static str {
    match z {
        Zone::Core => "core network",
        Zone::IsolatedCctv => "isolated CCTV network",
        Zone::Guest => "guest network",
        Zone::InternetFacing => "internet-facing",
    }
}

/// [`zone_words`] for a zone as the plan wrote it.
pub fn zone_text(z: &str) -> String {
    z.parse::<Zone>()
        .map(|z| zone_words(z).to_owned())
        .unwrap_or_else(|_| z.to_owned())
}

impl Row {
    /// The row's `data-device` value and the device page's path.
    pub fn href(&self) -> String {
        format!("/devices/{}", self.place)
    }
}
