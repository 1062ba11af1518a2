//! The device list's query string, read strictly: the API's filters
//! (`site`, `maker`, `covered`), the plan's (`zone`, `severity`), the page
//! (`after`, `limit`) and an admin's `org`. A value the form would never
//! send is a 400 page that says what was wrong, never a store error.

use std::fmt::Write as _;

use camaudit_policy::{Severity, Zone};
use camaudit_server::routes::devices::Filters;
use camaudit_store::{DeviceCursor, OrgId, SiteId};

use super::placed::Placement;
use crate::layout::PageError;

/// Rows a page shows unless asked otherwise (the API's default page).
pub const DEFAULT_LIMIT: u32 = camaudit_server::routes::devices::DEFAULT_LIMIT;
/// The most rows a page shows.
pub const MAX_LIMIT: u32 = 500;

/// The parameters the list takes, in the order its links write them.
const KNOWN: &[&str] = &[
    "org", "site", "zone", "maker", "covered", "severity", "limit", "after",
];

/// What the person asked the list for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// An admin's choice of one organisation; a viewer's own is implied.
    pub org: Option<OrgId>,
    pub site: Option<SiteId>,
    pub zone: Option<Zone>,
    /// A manufacturer id (`dahua`), checked as the API checks it.
    pub maker: Option<String>,
    pub covered: Option<bool>,
    /// The worst finding the device has in the latest plan.
    pub severity: Option<Severity>,
    pub limit: u32,
    /// Start after this device (the API's opaque cursor).
    pub after: Option<DeviceCursor>,
}

impl ListQuery {
    /// Reads the query's `(name, value)` pairs. An empty value is "any",
    /// as the form sends it; a name given twice or unknown is refused, so
    /// a misspelt filter is not silently ignored.
    pub fn parse(pairs: &[(String, String)]) -> Result<ListQuery, PageError> {
        let mut q = ListQuery {
            limit: DEFAULT_LIMIT,
            ..ListQuery::default()
        };
        let mut seen: Vec<&str> = Vec::new();
        for (name, value) in pairs {
            let Some(&known) = KNOWN.iter().find(|k| **k == name.as_str()) else {
                return Err(PageError::bad_request(format!(
                    "The device list has no filter “{}”: it takes {}.",
                    shorten(name),
                    KNOWN.join(", ")
                )));
            };
            if seen.contains(&known) {
                return Err(PageError::bad_request(format!(
                    "The filter “{known}” is given twice: give it once."
                )));
            }
            seen.push(known);
            let value = value.trim();
            if !value.is_empty() {
                q.set(known, value)?;
            }
        }
        Ok(q)
    }

    fn set(&mut self, name: &str, value: &str) -> Result<(), PageError> {
        match name {
            "org" => self.org = Some(OrgId(id(name, value)?)),
            "site" => self.site = Some(SiteId(id(name, value)?)),
            "zone" => self.zone = Some(one_of(name, value, &Zone::ALL, |z| z.as_str())?),
            "severity" => {
                self.severity = Some(one_of(name, value, &Severity::ALL, |s| s.as_str())?)
            }
            "covered" => self.covered = Some(one_of(name, value, &[true, false], bool_text)?),
            "maker" => self.maker = Some(value.to_owned()),
            "limit" => self.limit = limit(value)?,
            "after" => {
                self.after = Some(camaudit_server::cursor::decode(value).map_err(|_| {
                    PageError::bad_request(
                        "The page link is damaged (its “after” value is not one this server gave): go back to the first page of the list.",
                    )
                })?)
            }
            _ => {}
        }
        Ok(())
    }

    /// The API's filters for the same list (`GET /api/v1/devices`).
    pub fn api_filters(&self) -> Filters {
        Filters {
            site: self.site,
            covered: self.covered,
            maker: self.maker.clone(),
        }
    }

    /// Whether the list needs the latest plan (zone and severity are the
    /// plan's).
    pub fn needs_plan(&self) -> bool {
        self.zone.is_some() || self.severity.is_some()
    }

    /// Whether the plan's facts of a device pass the zone and severity
    /// filters (`None`: the plan cannot place it, so it passes neither).
    pub fn admits(&self, placement: Option<&Placement<'_>>) -> bool {
        if !self.needs_plan() {
            return true;
        }
        let Some(p) = placement else { return false };
        self.zone.is_none_or(|z| p.zone() == Some(z.as_str()))
            && self.severity.is_none_or(|s| p.worst() == Some(s))
    }

    /// Whether any filter narrows the list (an admin's organisation does not
    /// count: it is the scope, not a filter).
    pub fn is_filtered(&self) -> bool {
        self.site.is_some() || self.maker.is_some() || self.covered.is_some() || self.needs_plan()
    }

    /// The query string of this list (`org=2&covered=true`), starting
    /// `after` the given device, for links and the export. Empty without
    /// filters.
    pub fn query_string(&self, after: Option<&DeviceCursor>) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let mut put = |name, value: Option<String>| {
            if let Some(v) = value {
                pairs.push((name, v));
            }
        };
        put("org", self.org.map(|o| o.0.to_string()));
        put("site", self.site.map(|s| s.0.to_string()));
        put("zone", self.zone.map(|z| z.as_str().to_owned()));
        put("maker", self.maker.clone());
        put("covered", self.covered.map(|c| bool_text(&c).to_owned()));
        put("severity", self.severity.map(|s| s.as_str().to_owned()));
        put(
            "limit",
            (self.limit != DEFAULT_LIMIT).then(|| self.limit.to_string()),
        );
        put("after", after.map(camaudit_server::cursor::encode));
        let mut out = String::new();
        for (i, (name, value)) in pairs.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            let _ = write!(out, "{name}={}", percent(value));
        }
        out
    }
}

fn bool_text(b: &bool) -> &'static str {
    if *b { "true" } else { "false" }
}

/// A positive id (sites and organisations are numbered from 1).
fn id(name: &str, value: &str) -> Result<i64, PageError> {
    value.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        PageError::bad_request(format!(
            "“{name}” is an id from the list's form (a whole number from 1), not “{}”.",
            shorten(value)
        ))
    })
}

fn one_of<T: Copy>(
    name: &str,
    value: &str,
    all: &[T],
    text: impl Fn(&T) -> &'static str,
) -> Result<T, PageError> {
    all.iter()
        .find(|v| text(v) == value)
        .copied()
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(&text).collect();
            PageError::bad_request(format!(
                "“{name}” is one of {}, not “{}”.",
                names.join(", "),
                shorten(value)
            ))
        })
}

fn limit(value: &str) -> Result<u32, PageError> {
    value
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_LIMIT).contains(n))
        .ok_or_else(|| {
            PageError::bad_request(format!(
                "“limit” is how many devices a page shows: 1 to {MAX_LIMIT}, not “{}”.",
                shorten(value)
            ))
        })
}

/// A value quoted back in an error, cut short (a query can be kilobytes).
fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    let clean: String = s.chars().filter(|c| !c.is_control()).collect();
    match clean.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &clean[..at]),
        None => clean,
    }
}

/// Percent-encodes a query value (everything but unreserved characters).
pub fn percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &str) -> Vec<(String, String)> {
        q.split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect()
    }

    #[test]
    fn empty_values_are_any_and_links_write_back_what_was_read() {
        let q = ListQuery::parse(&pairs("site=3&maker=&covered=true&zone=core&severity=")).unwrap();
        assert_eq!(q.site, Some(SiteId(3)));
        assert_eq!(q.maker, None);
        assert_eq!(q.covered, Some(true));
        assert_eq!(q.zone, Some(Zone::Core));
        assert!(q.needs_plan() && q.is_filtered());
        assert_eq!(q.query_string(None), "site=3&zone=core&covered=true");
        let c = DeviceCursor {
            site: SiteId(3),
            scan: camaudit_store::ScanId(9),
            idx: 4,
        };
        let again = ListQuery::parse(&pairs(&q.query_string(Some(&c)))).unwrap();
        assert_eq!(again.after, Some(c));
        assert_eq!(
            ListQuery {
                after: None,
                ..again
            },
            q
        );
    }

    #[test]
    fn values_the_form_never_sends_are_refused_in_words() {
        for bad in [
            "site=-1",
            "site=0",
            "site=99999999999999999999999",
            "org=abc",
            "limit=0",
            "limit=-5",
            "limit=501",
            "covered=maybe",
            "zone=dmz",
            "severity=worst",
            "after=!!!",
            "after=e30",
            "colour=red",
            "site=1&site=2",
        ] {
            let e = ListQuery::parse(&pairs(bad)).unwrap_err();
            assert_eq!(e.status.as_u16(), 400, "{bad}");
            assert!(!e.message.contains('\n'), "{bad}: {}", e.message);
        }
        let long = format!("maker=x&{}=1", "k".repeat(10_000));
        let e = ListQuery::parse(&pairs(&long)).unwrap_err();
        assert!(e.message.len() < 300, "{}", e.message);
    }
}
