//! One page of the device list: the store read page by page with the API's
//! query, the plan's zone and severity applied, the matching devices
//! counted, and the rows of the asked page kept.

use std::collections::{BTreeMap, HashMap};

use camaudit_history::Sighting;
use camaudit_model::{Device, Verdict};
use camaudit_report::display_name;
use camaudit_server::access::Reader;
use camaudit_store::{
    DeviceCursor, DeviceQuery, Estate, EstateStore, OrgId, Organisation, Site, SiteDevice, SiteId,
    StoreError,
};

use super::filters::ListQuery;
use super::placed::{Placement, PlanState, Plans};

/// Devices read from the store at a time.
pub const CHUNK: u32 = 500;
/// The most devices one request reads to count a list: beyond, the page
/// says its count is of the first this many.
pub const MAX_READ: usize = 200_000;
/// Makers offered in the form's list.
const MAX_MAKERS: usize = 300;

/// What the list page shows.
pub struct Listing {
    pub orgs: Vec<Organisation>,
    pub sites: Vec<Site>,
    pub rows: Vec<Row>,
    /// Devices matching the filters (every page).
    pub matching: usize,
    /// Devices of the latest scans in scope, unfiltered.
    pub total: usize,
    /// Matching devices on the pages before this one.
    pub before: usize,
    /// Where the next page starts, if there is one.
    pub next: Option<DeviceCursor>,
    /// Whether every device was read (else the counts are of the first
    /// [`MAX_READ`]).
    pub complete: bool,
    /// Makers seen in scope: id → name, for the form.
    pub makers: BTreeMap<String, String>,
    /// Organisations whose latest plan cannot give zones and severities,
    /// with why, in words.
    pub plan_notes: Vec<String>,
    /// Whether the list asked for the plan (zone or severity).
    pub needs_plan: bool,
}

/// One device of the list.
pub struct Row {
    /// `{site}/{scan}/{idx}`.
    pub place: String,
    pub org: String,
    pub site: String,
    pub addr: String,
    pub maker: Option<String>,
    pub verdict: VerdictWords,
    pub covered_by: Vec<String>,
    /// The brand on the device when it is not the maker's.
    pub brand: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub severity: Option<&'static str>,
    pub zone: Option<String>,
    /// Why severity is not known: "no plan", "unclear".
    pub plan_gap: Option<&'static str>,
}

/// The registry's answer for a device in words, and the class that marks it
/// (the words carry the meaning; the colour only repeats it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerdictWords {
    pub words: &'static str,
    pub class: &'static str,
    pub covered: bool,
}

impl VerdictWords {
    pub fn of(d: &Device) -> VerdictWords {
        let (words, class) = match Sighting::of(0, d).verdict {
            Verdict::Covered => ("covered", "covered"),
            Verdict::LikelyCovered => ("likely covered", "covered"),
            Verdict::Disputed => ("disputed", "disputed"),
            Verdict::NotCovered => ("not covered", "not-covered"),
            Verdict::Unknown => ("maker not proven", "unknown"),
        };
        VerdictWords {
            words,
            class,
            covered: d.covered,
        }
    }
}

/// Reads the list page `q` asks for. `query` is the API's store query for
/// the same filters (its `after` and `limit` are set here).
pub fn read(
    store: &dyn EstateStore,
    reader: &Reader,
    q: &ListQuery,
    query: DeviceQuery,
) -> Result<Listing, StoreError> {
    let orgs: Vec<Organisation> = store
        .organisations()?
        .into_iter()
        .filter(|o| reader.sees(o.id))
        .collect();
    let sites = store.sites(query.org)?;
    let by_id: HashMap<SiteId, &Site> = sites.iter().map(|s| (s.id, s)).collect();
    let names: HashMap<OrgId, &str> = orgs.iter().map(|o| (o.id, o.name.as_str())).collect();
    let mut plans = Plans::default();
    let mut out = Collect::new(q);
    let complete = each_device(store, &query, |d| {
        let site = by_id.get(&d.site).copied();
        out.offer(store, &mut plans, d, site, &names)
    })?;
    let (total, makers, complete) = if q.is_filtered() {
        let all = DeviceQuery {
            org: query.org,
            ..DeviceQuery::default()
        };
        let mut total = 0;
        let mut makers = BTreeMap::new();
        let whole = each_device(store, &all, |d| {
            total += 1;
            note_maker(&mut makers, &d.device);
            Ok(())
        })?;
        (total, makers, complete && whole)
    } else {
        (out.matching, std::mem::take(&mut out.makers), complete)
    };
    let needs_plan = q.needs_plan();
    Ok(Listing {
        plan_notes: plan_notes(plans, &orgs),
        orgs,
        sites,
        rows: out.rows,
        matching: out.matching,
        total,
        before: out.before,
        next: out.next,
        complete,
        makers,
        needs_plan,
    })
}

/// Calls `each` with every device `query` selects, page by page; false
/// when it stopped at [`MAX_READ`].
fn each_device(
    store: &dyn EstateStore,
    query: &DeviceQuery,
    mut each: impl FnMut(&SiteDevice) -> Result<(), StoreError>,
) -> Result<bool, StoreError> {
    let mut query = DeviceQuery {
        after: None,
        limit: CHUNK,
        ..query.clone()
    };
    let mut read = 0;
    loop {
        let page = store.device_page(&query)?;
        for d in &page.items {
            each(d)?;
        }
        read += page.items.len();
        match page.next {
            Some(next) if read < MAX_READ => query.after = Some(next),
            Some(_) => return Ok(false),
            None => return Ok(true),
        }
    }
}

/// The matching devices as they are read: counted, and kept when on the
/// asked page.
struct Collect<'q> {
    q: &'q ListQuery,
    rows: Vec<Row>,
    last: Option<DeviceCursor>,
    matching: usize,
    before: usize,
    next: Option<DeviceCursor>,
    makers: BTreeMap<String, String>,
}

impl<'q> Collect<'q> {
    fn new(q: &'q ListQuery) -> Collect<'q> {
        Collect {
            q,
            rows: Vec::new(),
            last: None,
            matching: 0,
            before: 0,
            next: None,
            makers: BTreeMap::new(),
        }
    }

    fn offer(
        &mut self,
        estate: &dyn Estate,
        plans: &mut Plans,
        d: &SiteDevice,
        site: Option<&Site>,
        orgs: &HashMap<OrgId, &str>,
    ) -> Result<(), StoreError> {
        note_maker(&mut self.makers, &d.device);
        let at = DeviceCursor {
            site: d.site,
            scan: d.scan,
            idx: d.idx,
        };
        let on_page =
            self.q.after.is_none_or(|after| at > after) && self.rows.len() < self.rows_wanted();
        // The plan is read only when a filter or a row needs it.
        let state = if self.q.needs_plan() || on_page {
            Some(plans.get(estate, d.org)?)
        } else {
            None
        };
        let placement = match (state.and_then(PlanState::index), site) {
            (Some(index), Some(site)) => Some(index.place(&d.device, site)),
            _ => None,
        };
        if !self.q.admits(placement.as_ref()) {
            return Ok(());
        }
        self.matching += 1;
        if self.q.after.is_some_and(|after| at <= after) {
            self.before += 1;
        } else if on_page {
            let org = orgs.get(&d.org).copied().unwrap_or("");
            self.rows.push(row(d, site, org, state, placement.as_ref()));
            self.last = Some(at);
        } else if self.next.is_none() {
            self.next = self.last;
        }
        Ok(())
    }

    fn rows_wanted(&self) -> usize {
        usize::try_from(self.q.limit).unwrap_or(usize::MAX)
    }
}

fn note_maker(makers: &mut BTreeMap<String, String>, d: &Device) {
    if let Some(m) = &d.manufacturer
        && (makers.len() < MAX_MAKERS || makers.contains_key(m.as_str()))
    {
        makers
            .entry(m.as_str().to_owned())
            .or_insert_with(|| display_name(m));
    }
}

fn row(
    d: &SiteDevice,
    site: Option<&Site>,
    org: &str,
    state: Option<&PlanState>,
    placement: Option<&Placement<'_>>,
) -> Row {
    let dev = &d.device;
    let brand = dev
        .label_vendor
        .as_ref()
        .filter(|_| dev.is_rebrand())
        .map(display_name);
    let plan_gap = match (state, placement) {
        (_, Some(Placement::Ambiguous)) => {
            Some("unclear: the plan has this address at several sites")
        }
        (Some(PlanState::Ready(_)), _) => None,
        _ => Some("no plan"),
    };
    Row {
        place: format!("{}/{}/{}", d.site.0, d.scan.0, d.idx),
        org: org.to_owned(),
        site: site.map_or_else(|| format!("site {}", d.site.0), |s| s.name.clone()),
        addr: address(dev),
        maker: dev.manufacturer.as_ref().map(display_name),
        verdict: VerdictWords::of(dev),
        covered_by: dev.covered_by.clone(),
        brand,
        model: dev.model.clone(),
        firmware: dev.firmware.clone(),
        severity: placement.and_then(Placement::worst).map(|s| s.as_str()),
        zone: placement.and_then(Placement::zone).map(super::zone_text),
        plan_gap,
    }
}

/// How a device is named in lists: its address, else its MAC.
pub fn address(d: &Device) -> String {
    d.addr
        .map(|a| a.to_string())
        .or_else(|| d.mac.map(|m| m.to_string()))
        .unwrap_or_else(|| "no address".to_owned())
}

/// Each organisation whose latest plan cannot place its devices, in words.
fn plan_notes(plans: Plans, orgs: &[Organisation]) -> Vec<String> {
    let mut notes: Vec<String> = plans
        .into_states()
        .into_iter()
        .filter_map(|(org, state)| {
            let o = orgs.iter().find(|o| o.id == org)?;
            let how = format!(
                "camaudit plan --estate estate.toml --db … --save --org {}",
                o.slug.as_str()
            );
            match state {
                PlanState::Ready(_) => None,
                PlanState::Missing => Some(format!(
                    "{} has no plan yet: make one with “{how}”.",
                    o.name
                )),
                PlanState::Unusable { made, why, .. } => Some(format!(
                    "{}'s latest plan (saved {}) cannot place devices: {why}. Save a new one with “{how}”.",
                    o.name,
                    camaudit_report::timestamp(made)
                )),
            }
        })
        .collect();
    notes.sort();
    notes
}
