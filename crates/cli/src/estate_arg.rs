//! The estate behind `--db` for the administration commands (`org`, `site`,
//! `token`, `plan --save`), and the names they take: an organisation or a
//! site by slug, found or refused with what to do next.

use anyhow::{Context, Result, bail};
use camaudit_store::{EstateStore, Location, Organisation, Site, Slug, StoreError};
use time::OffsetDateTime;

/// The `--db` flag's help, the same on every administration command.
pub const DB_HELP: &str =
    "The estate store: a SQLite file, or postgres://user[:password]@host[:port]/db";

/// Whether a command may make a new, empty store where none is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfMissing {
    /// `org add`, `token create --scope admin`: the first things a new
    /// estate needs.
    Create,
    /// Everything else: a missing file is a mistyped `--db`, and an empty
    /// store left behind would hide that.
    Refuse,
}

/// Opens the estate store `db` names (migrating it if needed).
pub fn open(db: &Location, if_missing: IfMissing) -> Result<Box<dyn EstateStore>> {
    if if_missing == IfMissing::Refuse && db.is_missing_file() {
        bail!(
            "no store at {db}: give the estate's --db, or start one with `camaudit org add SLUG --name NAME --sector SECTOR --db {db}`"
        );
    }
    match camaudit_store::open_estate(db) {
        Ok(store) => Ok(store),
        // Already names the server (without its password) and what to check.
        Err(e @ StoreError::Connect { .. }) => Err(e.into()),
        Err(e) => Err(e).with_context(|| format!("opening the store {db}")),
    }
}

/// The organisation `slug` names, or an error saying how to create it.
pub fn organisation(store: &dyn EstateStore, slug: &Slug, db: &Location) -> Result<Organisation> {
    store
        .organisation_by_slug(slug)
        .with_context(|| format!("reading the organisations of {db}"))?
        .with_context(|| {
            format!(
                "no organisation \"{slug}\" in {db}: create it with `camaudit org add {slug} --name NAME --sector SECTOR`, or see `camaudit org list`"
            )
        })
}

/// The site `slug` of `org`, or an error saying how to create it.
pub fn site(
    store: &dyn EstateStore,
    org: &Organisation,
    slug: &Slug,
    db: &Location,
) -> Result<Site> {
    store
        .site_by_slug(org.id, slug)
        .with_context(|| format!("reading the sites of {db}"))?
        .with_context(|| {
            format!(
                "no site \"{slug}\" in organisation {}: create it with `camaudit site add {}/{slug} --name NAME`, or see `camaudit site list --org {}`",
                org.slug, org.slug, org.slug
            )
        })
}

/// `ORG/SITE`, or `SITE` with `--org ORG` (both given must agree).
pub fn org_and_site(given: &str, org: Option<Slug>) -> Result<(Slug, Slug)> {
    let (named_org, site) = match given.split_once('/') {
        Some((o, s)) => (Some(o.parse::<Slug>()?), s),
        None => (None, given),
    };
    let site: Slug = site.parse()?;
    match (named_org, org) {
        (Some(a), Some(b)) if a != b => {
            bail!("the site {given:?} names organisation {a}, but --org says {b}: give one of them")
        }
        (Some(o), _) | (None, Some(o)) => Ok((o, site)),
        (None, None) => bail!(
            "which organisation is site {site} in? Write it as ORG/{site}, or add --org ORG (`camaudit org list` shows them)"
        ),
    }
}

/// A name given on the command line (an organisation's or a site's):
/// trimmed, not empty, one line, and short enough for a table.
pub fn parse_name(s: &str) -> Result<String, String> {
    let name = s.trim();
    if name.is_empty() {
        return Err("give a name, e.g. --name \"Leeds City Council\"".to_owned());
    }
    if name.chars().count() > 200 {
        return Err("a name has at most 200 characters".to_owned());
    }
    if name.chars().any(char::is_control) {
        return Err("a name is one line of text, without control characters".to_owned());
    }
    Ok(name.to_owned())
}

/// The time to record: now, to the whole second (what the lists show, so a
/// stored time and a listed one are the same).
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}
