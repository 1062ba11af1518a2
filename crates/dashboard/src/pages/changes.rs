//! `GET /changes`: what changed at each site of an organisation between
//! its two latest scans (by start time), read as `GET /api/v1/diff` reads
//! a diff: new, gone and changed devices, replacements at the same address
//! (a covered device swapped for a rebrand of the same maker), covered
//! devices that came back, coverage that changed, firmware up- and
//! downgrades, each device linked to its page.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use camaudit_history::{
    Change, ChangeKind, Diff, DiffCounts, DiffOptions, HistoryError, Replacement, ReplacementKind,
    Sighting, diff_scans_with,
};
use camaudit_server::AppState;
use camaudit_server::pool::Views;
use camaudit_store::{EstateStore, OrgId, Organisation, Scan, ScanStatus, Site, StoreError};

use super::words::{DeviceAt, verdict_words};
use super::{Chosen, OrgParam, OrgPicker, PageQuery};
use crate::layout::{Layout, Nav, PageError, render};
use crate::session::Person;

/// Devices listed per kind and site; the rest are counted, and
/// `camaudit diff` lists them all.
const LISTED: usize = 200;

#[derive(Template)]
#[template(path = "changes.html")]
struct ChangesPage {
    layout: Layout,
    /// The organisation shown (`None`: the server has none yet).
    org: Option<Organisation>,
    picker: Option<OrgPicker>,
    sites: Vec<SiteChanges>,
    totals: DiffCounts,
    compared: usize,
}

/// One site and what its scans say.
pub struct SiteChanges {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub state: SiteState,
    /// A newer scan still arriving, not compared until it is complete.
    pub arriving: Option<ScanLine>,
}

pub enum SiteState {
    NoScan,
    OneScan(ScanLine),
    /// The two scans could not be compared (told in words).
    NotCompared(String),
    Compared(Box<Compared>),
}

/// A scan as the page names it.
pub struct ScanLine {
    pub id: i64,
    pub when: String,
    /// Still arriving from its sensor.
    pub unfinished: bool,
}

/// The diff of a site's two latest scans, as the page shows it.
pub struct Compared {
    pub from: ScanLine,
    pub to: ScanLine,
    pub counts: DiffCounts,
    /// What a person looks for first, worst first.
    pub notable: Vec<Event>,
    pub new: Listed<DeviceLine>,
    pub gone: Listed<DeviceLine>,
    pub replaced: Listed<ReplacedLine>,
    pub changed: Listed<ChangedLine>,
}

/// The first [`LISTED`] items of a list and how many more there are.
pub struct Listed<T> {
    pub items: Vec<T>,
    pub more: usize,
}

impl<T> Listed<T> {
    fn of(all: impl Iterator<Item = T>) -> Listed<T> {
        let mut items = Vec::new();
        let mut more = 0;
        for item in all {
            if items.len() < LISTED {
                items.push(item);
            } else {
                more += 1;
            }
        }
        Listed { items, more }
    }
}

/// One event in a sentence: what it is, the device (linked), and the rest
/// of the sentence.
pub struct Event {
    /// "Swapped for a rebrand", "Came back", …
    pub what: &'static str,
    /// Whether it is bad news (marked in words and in colour).
    pub alarm: bool,
    pub device: DeviceLine,
    pub words: String,
}

/// A device of one scan, linked to its page.
pub struct DeviceLine {
    pub at: DeviceAt,
    /// "annke (made by hikvision) DS-2CD… at 10.20.1.11".
    pub what: String,
    pub covered: bool,
    pub verdict: String,
}

pub struct ReplacedLine {
    pub addr: String,
    pub before: DeviceLine,
    pub after: DeviceLine,
    pub words: &'static str,
    pub alarm: bool,
}

pub struct ChangedLine {
    pub device: DeviceLine,
    /// "firmware 5.5.0 → 5.7.3 (an upgrade)", one entry per field.
    pub fields: Vec<String>,
    pub kinds: Vec<&'static str>,
}

pub async fn page(
    State(app): State<AppState>,
    person: Person,
    PageQuery(q): PageQuery<OrgParam>,
) -> Result<Response, PageError> {
    let Chosen { who, org, picker } = Chosen::read(&app, &person, q.org).await?;
    let sites = match &org {
        Some(p) => {
            let id = p.id;
            app.pool.run(move |store| site_changes(store, id)).await?
        }
        None => Vec::new(),
    };
    let mut totals = DiffCounts::default();
    let mut compared = 0;
    for s in &sites {
        if let SiteState::Compared(c) = &s.state {
            compared += 1;
            add(&mut totals, &c.counts);
        }
    }
    let layout = Layout::new(
        &person,
        Nav::Changes,
        "What changed since the last scan",
        who,
    );
    Ok(render(&ChangesPage {
        layout,
        org,
        picker,
        sites,
        totals,
        compared,
    }))
}

fn add(total: &mut DiffCounts, c: &DiffCounts) {
    total.new += c.new;
    total.new_covered += c.new_covered;
    total.gone += c.gone;
    total.gone_covered += c.gone_covered;
    total.changed += c.changed;
    total.replaced += c.replaced;
    total.rebrand_swaps += c.rebrand_swaps;
    total.came_back += c.came_back;
    total.no_longer_covered += c.no_longer_covered;
    total.now_covered += c.now_covered;
    total.unchanged += c.unchanged;
}

/// Every site of `org`, its two latest scans compared as the API's diff
/// compares them.
fn site_changes(store: &mut dyn EstateStore, org: OrgId) -> Result<Vec<SiteChanges>, StoreError> {
    let mut out = Vec::new();
    for site in store.sites(Some(org))? {
        let scans = store.site_scans(site.id)?;
        let (previous, latest) = latest_two(scans.clone());
        let arriving = latest.as_ref().and_then(|l| arriving_after(&scans, l));
        let state = match (previous, latest) {
            (_, None) => SiteState::NoScan,
            (None, Some(only)) => SiteState::OneScan(scan_line(&only)),
            (Some(a), Some(b)) => {
                let diff = diff_scans_with(
                    store.as_store(),
                    Some(store.as_estate()),
                    a.id,
                    b.id,
                    &DiffOptions::default(),
                );
                match diff {
                    Ok(d) => SiteState::Compared(Box::new(compared(&site, &a, &b, &d))),
                    Err(HistoryError::Store { source, .. }) => return Err(source),
                    Err(e) => SiteState::NotCompared(e.to_string()),
                }
            }
        };
        out.push(SiteChanges {
            id: site.id.0,
            name: site.name,
            slug: site.slug.to_string(),
            state,
            arriving,
        });
    }
    Ok(out)
}

/// The scan a site's picture is now and the one it is compared with, as
/// the store picks a site's latest scan (docs/store.md): by start time
/// (ties: the later stored), so a capture pushed late does not pass for
/// the newest, and complete scans first, so a scan still arriving neither
/// hides nor stands for a complete one. Only while a site has no complete
/// scan is its latest unfinished one shown.
pub fn latest_two(mut scans: Vec<Scan>) -> (Option<Scan>, Option<Scan>) {
    scans.sort_by_key(|s| (s.started_at, s.id));
    let (mut complete, mut unfinished): (Vec<Scan>, Vec<Scan>) = scans
        .into_iter()
        .partition(|s| s.status == ScanStatus::Complete);
    match complete.pop() {
        Some(latest) => (complete.pop(), Some(latest)),
        None => {
            let latest = unfinished.pop();
            (unfinished.pop(), latest)
        }
    }
}

/// The newest scan started after `latest` and not complete yet.
fn arriving_after(scans: &[Scan], latest: &Scan) -> Option<ScanLine> {
    scans
        .iter()
        .filter(|s| s.status != ScanStatus::Complete)
        .filter(|s| (s.started_at, s.id) > (latest.started_at, latest.id))
        .max_by_key(|s| (s.started_at, s.id))
        .map(scan_line)
}

fn scan_line(s: &Scan) -> ScanLine {
    ScanLine {
        id: s.id.0,
        when: camaudit_report::timestamp(s.started_at),
        unfinished: s.status != ScanStatus::Complete,
    }
}

/// The page's view of one diff (pure: for tests).
pub fn compared(site: &Site, from: &Scan, to: &Scan, d: &Diff) -> Compared {
    let before = |s: &Sighting| device_line(site, from, s);
    let after = |s: &Sighting| device_line(site, to, s);
    let in_replacement_after = |s: &Sighting| d.replaced.iter().any(|r| r.after.idx == s.idx);
    let in_replacement_before = |s: &Sighting| d.replaced.iter().any(|r| r.before.idx == s.idx);
    let came_back = |s: &Sighting| d.came_back.iter().any(|r| r.device.idx == s.idx);
    Compared {
        from: scan_line(from),
        to: scan_line(to),
        counts: d.counts.clone(),
        notable: notable(d, &before, &after),
        // As the counts count them: a replacement's devices and a device
        // that came back are listed once, under those headings.
        new: Listed::of(
            d.new
                .iter()
                .filter(|s| !in_replacement_after(s) && !came_back(s))
                .map(after),
        ),
        gone: Listed::of(
            d.gone
                .iter()
                .filter(|s| !in_replacement_before(s))
                .map(before),
        ),
        replaced: Listed::of(d.replaced.iter().map(|r| ReplacedLine {
            addr: r.addr.to_string(),
            before: before(&r.before),
            after: after(&r.after),
            words: replacement_words(r.kind),
            alarm: replacement_alarm(r.kind),
        })),
        changed: Listed::of(d.changed.iter().map(|c| ChangedLine {
            device: after(&c.after),
            fields: c.fields.iter().map(field_words).collect(),
            kinds: c.kinds.iter().map(|k| change_words(*k)).collect(),
        })),
    }
}

fn device_line(site: &Site, scan: &Scan, s: &Sighting) -> DeviceLine {
    DeviceLine {
        at: DeviceAt {
            site: site.id.0,
            scan: scan.id.0,
            idx: s.idx,
        },
        what: describe(s),
        covered: s.is_covered(),
        verdict: verdict_words(s.verdict, &s.covered_by),
    }
}

/// "Annke (made by Hikvision) DS-2CD2385G1-I at 10.10.8.21": the brand a
/// person sees and, when it is another, who made it.
fn describe(s: &Sighting) -> String {
    let name = camaudit_report::display_name;
    let brand = match (&s.label, &s.manufacturer) {
        (Some(l), Some(m)) if l != m => format!("{} (made by {})", name(l), name(m)),
        (_, Some(m)) => name(m),
        (Some(l), None) => format!("{} (maker not proven)", name(l)),
        (None, None) => "Unknown maker".to_owned(),
    };
    let model = s
        .model
        .as_deref()
        .map(|m| format!(" {m}"))
        .unwrap_or_default();
    let at = s.addr.map(|a| format!(" at {a}")).unwrap_or_default();
    format!("{brand}{model}{at}")
}

/// The events a security officer looks for, worst first: covered makers
/// that stayed under another name or came back, covered devices that
/// arrived, coverage that changed, firmware that went back.
fn notable(
    d: &Diff,
    before: &dyn Fn(&Sighting) -> DeviceLine,
    after: &dyn Fn(&Sighting) -> DeviceLine,
) -> Vec<Event> {
    let mut out = Vec::new();
    for r in d
        .replaced
        .iter()
        .filter(|r| r.kind == ReplacementKind::SwappedForRebrandOfSameMaker)
    {
        out.push(swap_event(r, before, after));
    }
    for back in &d.came_back {
        out.push(Event {
            what: "Came back",
            alarm: true,
            device: after(&back.device),
            words: format!(
                "is covered and was seen here before (last in scan {}, {}), then was gone: it is back.",
                back.last_seen_in,
                camaudit_report::timestamp(back.last_seen_at)
            ),
        });
    }
    let returned = |s: &Sighting| d.came_back.iter().any(|r| r.device.idx == s.idx);
    let replacing = |s: &Sighting| d.replaced.iter().any(|r| r.after.idx == s.idx);
    for s in d
        .new
        .iter()
        .filter(|s| s.is_covered() && !returned(s) && !replacing(s))
    {
        out.push(Event {
            what: "New covered device",
            alarm: true,
            device: after(s),
            words: "was not in the previous scan.".to_owned(),
        });
    }
    for c in &d.changed {
        out.extend(change_events(c, after));
    }
    out
}

fn swap_event(
    r: &Replacement,
    before: &dyn Fn(&Sighting) -> DeviceLine,
    after: &dyn Fn(&Sighting) -> DeviceLine,
) -> Event {
    let was = before(&r.before);
    Event {
        what: "Swapped for a rebrand",
        alarm: true,
        device: after(&r.after),
        words: format!(
            "replaced {}: the same covered maker under another brand name, so the covered equipment is still there.",
            was.what
        ),
    }
}

fn change_events(c: &Change, after: &dyn Fn(&Sighting) -> DeviceLine) -> Vec<Event> {
    let mut out = Vec::new();
    let firmware = || {
        c.fields
            .iter()
            .find(|f| f.field == camaudit_history::ChangedField::Firmware)
            .map(field_words)
            .unwrap_or_default()
    };
    for k in &c.kinds {
        let (what, alarm, words) = match k {
            ChangeKind::NowCovered => (
                "Now covered",
                true,
                "is the same device as before, now read as covered.".to_owned(),
            ),
            ChangeKind::NoLongerCovered => (
                "No longer covered",
                false,
                "is the same device as before, now read as a maker no regime covers: its attribution changed; it was not removed.".to_owned(),
            ),
            ChangeKind::FirmwareDowngrade => (
                "Firmware downgrade",
                true,
                format!("went back to older firmware ({}): a downgrade can bring back fixed vulnerabilities.", firmware()),
            ),
            ChangeKind::FirmwareUpgrade => (
                "Firmware upgrade",
                false,
                format!("was updated ({}).", firmware()),
            ),
            _ => continue,
        };
        out.push(Event {
            what,
            alarm,
            device: after(&c.after),
            words,
        });
    }
    out
}

fn field_words(f: &camaudit_history::FieldChange) -> String {
    let side = |v: &Option<String>| v.clone().unwrap_or_else(|| "unknown".to_owned());
    format!(
        "{} {} → {}",
        f.field.as_str().replace('-', " "),
        side(&f.before),
        side(&f.after)
    )
}

fn replacement_words(k: ReplacementKind) -> &'static str {
    match k {
        ReplacementKind::SwappedForRebrandOfSameMaker => {
            "covered device replaced by another brand of the same covered maker"
        }
        ReplacementKind::SameCoveredMaker => "covered device replaced by another of the same maker",
        ReplacementKind::AnotherCoveredMaker => {
            "covered device replaced by one of another covered maker"
        }
        ReplacementKind::CoveredReplacedByNotCovered => {
            "covered device replaced by one of a maker no regime covers"
        }
        ReplacementKind::CoveredReplacedByUnconfirmed => {
            "covered device replaced by one whose maker is not proven yet"
        }
        ReplacementKind::NotCoveredReplacedByCovered => "replaced by a covered device",
        ReplacementKind::Replaced => "replaced; neither is covered",
    }
}

fn replacement_alarm(k: ReplacementKind) -> bool {
    matches!(
        k,
        ReplacementKind::SwappedForRebrandOfSameMaker
            | ReplacementKind::SameCoveredMaker
            | ReplacementKind::AnotherCoveredMaker
            | ReplacementKind::NotCoveredReplacedByCovered
    )
}

fn change_words(k: ChangeKind) -> &'static str {
    match k {
        ChangeKind::Moved => "moved to another address",
        ChangeKind::NoLongerCovered => "no longer read as covered",
        ChangeKind::NowCovered => "now read as covered",
        ChangeKind::NoLongerIdentified => "maker no longer proven",
        ChangeKind::FirmwareUpgrade => "firmware upgrade",
        ChangeKind::FirmwareDowngrade => "firmware downgrade",
        ChangeKind::FirmwareChanged => "firmware changed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use camaudit_store::{ScanId, ScanKind};
    use time::macros::datetime;

    fn scan(id: i64, day: u8, status: ScanStatus) -> Scan {
        let started_at = datetime!(2026-12-01 09:00 UTC) + time::Duration::days(i64::from(day));
        Scan {
            id: ScanId(id),
            kind: ScanKind::Scan,
            started_at,
            finished_at: None,
            status,
            targets: Vec::new(),
            exclude: Vec::new(),
            params: serde_json::Value::Null,
            total_addresses: 0,
            chunk_size: 0,
            chunks_total: 0,
        }
    }

    fn ids(pair: (Option<Scan>, Option<Scan>)) -> (Option<i64>, Option<i64>) {
        (pair.0.map(|s| s.id.0), pair.1.map(|s| s.id.0))
    }

    #[test]
    fn the_latest_two_are_by_start_time_and_complete_first() {
        use ScanStatus::{Complete, Running};
        assert_eq!(ids(latest_two(Vec::new())), (None, None));
        assert_eq!(ids(latest_two(vec![scan(1, 0, Complete)])), (None, Some(1)));
        // Stored last, started first: not the latest.
        let late_old = vec![
            scan(1, 1, Complete),
            scan(2, 2, Complete),
            scan(3, 0, Complete),
        ];
        assert_eq!(ids(latest_two(late_old)), (Some(1), Some(2)));
        // A scan still arriving neither hides nor replaces a complete one.
        let arriving = vec![
            scan(1, 0, Complete),
            scan(2, 1, Complete),
            scan(3, 2, Running),
        ];
        assert_eq!(ids(latest_two(arriving)), (Some(1), Some(2)));
        let only_running = vec![scan(1, 0, Running), scan(2, 1, Running)];
        assert_eq!(ids(latest_two(only_running)), (Some(1), Some(2)));
    }
}
