//! Diffs of stored scans: both scans' devices, the check that they are of
//! one place, and the earlier scans a covered device may come back from.

use std::fmt;

use camaudit_store::{Estate, Scan, ScanId, Store, StoreError};

use crate::HistoryError;
use crate::diff::{Diff, ScanRef, diff};

/// How a stored diff is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffOptions {
    /// Compare scans of different places too.
    pub any_site: bool,
    /// At most this many scans before the first are searched for covered
    /// devices that came back (newest first), to bound the work on a store
    /// with years of history.
    pub lookback: usize,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            any_site: false,
            lookback: 50,
        }
    }
}

/// Where a scan looked, as far as the store can say: the estate site it
/// was filed under, else the site its vantage names, else its targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The estate site's number (`Estate::scan_site`).
    Site(i64),
    Vantage(String),
    /// The target specifications, sorted (an import's is its file name).
    Targets(Vec<String>),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Site(id) => write!(f, "site {id}"),
            Place::Vantage(site) => write!(f, "run from site {site}"),
            Place::Targets(t) if t.is_empty() => f.write_str("no targets recorded"),
            Place::Targets(t) => write!(f, "targets {}", t.join(" ")),
        }
    }
}

impl Place {
    fn of(scan: &Scan, estate: Option<&dyn Estate>) -> Result<Place, HistoryError> {
        if let Some(estate) = estate
            && let Some(site) = estate
                .scan_site(scan.id)
                .map_err(|e| store_error(format!("the site of scan {}", scan.id), e))?
        {
            return Ok(Place::Site(site.0));
        }
        let vantage_site = scan
            .params
            .pointer("/vantage/site")
            .and_then(serde_json::Value::as_str);
        if let Some(site) = vantage_site {
            return Ok(Place::Vantage(site.to_owned()));
        }
        let mut targets = scan.targets.clone();
        targets.sort();
        Ok(Place::Targets(targets))
    }
}

fn store_error(what: String, source: StoreError) -> HistoryError {
    HistoryError::Store { what, source }
}

/// [`diff_scans_with`] without an estate (places from the scans' vantage
/// or targets) and with the default options.
pub fn diff_scans(store: &dyn Store, a: ScanId, b: ScanId) -> Result<Diff, HistoryError> {
    diff_scans_with(store, None, a, b, &DiffOptions::default())
}

/// What changed from stored scan `a` to stored scan `b`: their devices
/// compared, and the covered new devices looked for in up to
/// `options.lookback` earlier scans of the same place (covered devices
/// that came back). Refuses scans of different places unless
/// `options.any_site`. `estate`, when given, says which site each scan was
/// filed under.
pub fn diff_scans_with(
    store: &dyn Store,
    estate: Option<&dyn Estate>,
    a: ScanId,
    b: ScanId,
    options: &DiffOptions,
) -> Result<Diff, HistoryError> {
    let scans = store
        .scans()
        .map_err(|e| store_error("the list of scans".to_owned(), e))?;
    let find = |id: ScanId| {
        scans
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| HistoryError::NoScan {
                id,
                known: scans.iter().map(|s| s.id).collect(),
            })
    };
    let (scan_a, scan_b) = (find(a)?, find(b)?);
    let place = Place::of(scan_a, estate)?;
    let place_b = Place::of(scan_b, estate)?;
    if place != place_b && !options.any_site {
        return Err(HistoryError::DifferentPlaces {
            a,
            b,
            place_a: place.to_string(),
            place_b: place_b.to_string(),
        });
    }
    let mut d = diff(&devices(store, a)?, &devices(store, b)?);
    d.from = Some(ScanRef::of(scan_a));
    d.to = Some(ScanRef::of(scan_b));
    if d.new.iter().any(|s| s.is_covered()) {
        let earlier = earlier_scans(store, estate, &scans, scan_a, b, &place, options)?;
        d.mark_returns(&earlier);
    }
    Ok(d)
}

fn devices(store: &dyn Store, id: ScanId) -> Result<Vec<camaudit_model::Device>, HistoryError> {
    store
        .devices(id)
        .map_err(|e| store_error(format!("the devices of scan {id}"), e))
}

/// The scans of `place` started before `first`, newest first, with their
/// devices: at most `options.lookback`.
fn earlier_scans(
    store: &dyn Store,
    estate: Option<&dyn Estate>,
    scans: &[Scan],
    first: &Scan,
    second: ScanId,
    place: &Place,
    options: &DiffOptions,
) -> Result<Vec<(ScanRef, Vec<camaudit_model::Device>)>, HistoryError> {
    let before_first = |s: &&Scan| {
        s.id != first.id && s.id != second && (s.started_at, s.id) < (first.started_at, first.id)
    };
    let mut out = Vec::new();
    for scan in scans.iter().filter(before_first).rev() {
        if out.len() >= options.lookback {
            break;
        }
        if Place::of(scan, estate)? != *place {
            continue;
        }
        out.push((ScanRef::of(scan), devices(store, scan.id)?));
    }
    Ok(out)
}
