//! Diffs of stored scans: both scans' devices, the check that they are of
//! one place, and the earlier scans a covered device may come back from.

use std::fmt;

use camaudit_store::{Estate, Scan, ScanId, SiteId, Store, StoreError};

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
    /// The estate site the scan was filed under (`Estate::scan_site`).
    Site(SiteId),
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

/// Which estate site a scan was filed under, if any.
type SiteOf<'a> = &'a dyn Fn(ScanId) -> Result<Option<SiteId>, StoreError>;

impl Place {
    fn of(scan: &Scan, site_of: SiteOf) -> Result<Place, HistoryError> {
        let site = site_of(scan.id)
            .map_err(|e| store_error(format!("the site of scan {}", scan.id), e))?;
        if let Some(site) = site {
            return Ok(Place::Site(site));
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
    diff_stored(store, &|_| Ok(None), a, b, &DiffOptions::default())
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
    let site_of = |id| estate.map_or(Ok(None), |e| e.scan_site(id));
    diff_stored(store, &site_of, a, b, options)
}

/// [`diff_scans_with`] for a store that keeps its estate itself (both
/// backends do: `camaudit_store::open_estate`).
pub fn diff_estate_scans<S: Store + Estate + ?Sized>(
    store: &S,
    a: ScanId,
    b: ScanId,
    options: &DiffOptions,
) -> Result<Diff, HistoryError> {
    diff_stored(store, &|id| store.scan_site(id), a, b, options)
}

fn diff_stored<S: Store + ?Sized>(
    store: &S,
    site_of: SiteOf,
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
    let place = Place::of(scan_a, site_of)?;
    let place_b = Place::of(scan_b, site_of)?;
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
        let earlier = Earlier {
            scans: &scans,
            first: scan_a,
            second: b,
            place: &place,
        };
        d.mark_returns(&earlier.load(store, site_of, options.lookback)?);
    }
    Ok(d)
}

fn devices<S: Store + ?Sized>(
    store: &S,
    id: ScanId,
) -> Result<Vec<camaudit_model::Device>, HistoryError> {
    store
        .devices(id)
        .map_err(|e| store_error(format!("the devices of scan {id}"), e))
}

/// The scans a covered device may have been seen in before it went: those
/// of the first scan's place started before it.
struct Earlier<'a> {
    scans: &'a [Scan],
    first: &'a Scan,
    second: ScanId,
    place: &'a Place,
}

impl Earlier<'_> {
    /// Newest first, with their devices: at most `lookback` scans.
    fn load<S: Store + ?Sized>(
        &self,
        store: &S,
        site_of: SiteOf,
        lookback: usize,
    ) -> Result<Vec<(ScanRef, Vec<camaudit_model::Device>)>, HistoryError> {
        let first = self.first;
        let before_first = |s: &&Scan| {
            s.id != first.id
                && s.id != self.second
                && (s.started_at, s.id) < (first.started_at, first.id)
        };
        let mut out = Vec::new();
        for scan in self.scans.iter().filter(before_first).rev() {
            if out.len() >= lookback {
                break;
            }
            if Place::of(scan, site_of)? != *self.place {
                continue;
            }
            out.push((ScanRef::of(scan), devices(store, scan.id)?));
        }
        Ok(out)
    }
}

/// The history of every device of `scan`'s place, from the scans of that
/// place up to and including `scan` (at most `lookback` before it), for a
/// device page: [`history`](crate::history) over the store.
pub fn place_history<S: Store + Estate + ?Sized>(
    store: &S,
    scan: ScanId,
    lookback: usize,
) -> Result<Vec<crate::DeviceHistory>, HistoryError> {
    let site_of = |id| store.scan_site(id);
    let scans = candidates(store, scan)?;
    let Some(last) = scans.iter().find(|s| s.id == scan) else {
        return Err(HistoryError::NoScan {
            id: scan,
            known: scans.iter().map(|s| s.id).collect(),
        });
    };
    let place = Place::of(last, &site_of)?;
    let earlier = Earlier {
        scans: &scans,
        first: last,
        second: last.id,
        place: &place,
    };
    let mut series: Vec<(ScanId, time::OffsetDateTime, Vec<camaudit_model::Device>)> = earlier
        .load(store, &site_of, lookback)?
        .into_iter()
        .map(|(s, devices)| (s.id, s.started_at, devices))
        .collect();
    series.push((last.id, last.started_at, devices(store, last.id)?));
    Ok(crate::history(&series))
}

/// The scans `scan`'s history may be made of, oldest first by start time:
/// its estate site's alone when it has one (an estate holds many sites'
/// scans, and each would otherwise be asked for its site), else every scan
/// of the store.
fn candidates<S: Store + Estate + ?Sized>(
    store: &S,
    scan: ScanId,
) -> Result<Vec<Scan>, HistoryError> {
    let site = match store.scan_site(scan) {
        Ok(site) => site,
        // Named with the scans there are, below.
        Err(StoreError::NoScan(_)) => None,
        Err(e) => return Err(store_error(format!("the site of scan {scan}"), e)),
    };
    let mut scans = match site {
        Some(site) => store.site_scans(site),
        None => store.scans(),
    }
    .map_err(|e| store_error("the list of scans".to_owned(), e))?;
    // Newest first by time when looking back, whatever order ids came in.
    scans.sort_by_key(|s| (s.started_at, s.id));
    Ok(scans)
}

/// The history of the device at position `idx` of `scan`'s device list,
/// from the scans of its place up to and including `scan` (at most
/// `lookback` before it): [`place_history`] narrowed to that one device.
/// `None` when `scan` has no device at `idx`; an error when there is no
/// such scan.
pub fn device_history<S: Store + Estate + ?Sized>(
    store: &S,
    scan: ScanId,
    idx: usize,
    lookback: usize,
) -> Result<Option<crate::DeviceHistory>, HistoryError> {
    // `scan` is the last of the series, so each of its devices ends the
    // one track whose last sighting is it, at its own position.
    let found = place_history(store, scan, lookback)?
        .into_iter()
        .find(|h| h.last_seen.scan == scan && h.current.idx == idx);
    Ok(found)
}
