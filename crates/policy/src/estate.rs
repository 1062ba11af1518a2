//! The estate file: organisation → sites → networks, with the cost table
//! and the defaults the schedule starts from (`docs/estate.md`).
//!
//! The file is read in two steps: `toml` and serde check the shape (unknown
//! keys and zones are refused there, with the line), then [`Estate::parse`]
//! checks what serde cannot: CIDRs, sites without networks, overlapping
//! networks of different sites, ties that name no network. Every error names
//! the file and the line.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::net::IpAddr;
use std::ops::Range;
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::place::NetworkIndex;

/// A problem in an estate (or controls) file: which file, which line, what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", .line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct FileError {
    pub file: String,
    /// 1-based, when the problem has a place in the file.
    pub line: Option<usize>,
    pub message: String,
}

impl FileError {
    pub(crate) fn at(file: &str, text: &str, span: Option<Range<usize>>, message: String) -> Self {
        FileError {
            file: file.to_owned(),
            line: span.map(|s| camaudit_model::text::line_of_offset(text, s.start).0),
            message,
        }
    }

    pub(crate) fn toml(file: &str, text: &str, e: &toml::de::Error) -> Self {
        FileError::at(file, text, e.span(), e.message().trim().to_owned())
    }
}

/// How much harm a covered device does on a site: the directive's
/// "sensitive sites" against the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sensitivity {
    Sensitive,
    Standard,
}

impl Sensitivity {
    pub fn as_str(self) -> &'static str {
        match self {
            Sensitivity::Sensitive => "sensitive",
            Sensitivity::Standard => "standard",
        }
    }
}

/// What a network is for. The directive's test is the core network: a
/// covered device must not be connected to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Zone {
    /// The organisation's own network: staff desktops, servers, email.
    Core,
    /// A CCTV network with no route to core or the internet.
    IsolatedCctv,
    /// Visitors' and public Wi-Fi.
    Guest,
    /// Reachable from the internet (a DMZ, a public address).
    InternetFacing,
}

const ZONE_NAMES: &str = "core, isolated-cctv, guest, internet-facing";

impl Zone {
    pub const ALL: [Zone; 4] = [
        Zone::Core,
        Zone::IsolatedCctv,
        Zone::Guest,
        Zone::InternetFacing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Zone::Core => "core",
            Zone::IsolatedCctv => "isolated-cctv",
            Zone::Guest => "guest",
            Zone::InternetFacing => "internet-facing",
        }
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown zone name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown zone {0:?}: expected one of {ZONE_NAMES}")]
pub struct UnknownZone(pub String);

impl FromStr for Zone {
    type Err = UnknownZone;
    fn from_str(s: &str) -> Result<Self, UnknownZone> {
        Zone::ALL
            .into_iter()
            .find(|z| z.as_str() == s)
            .ok_or_else(|| UnknownZone(s.to_owned()))
    }
}

/// One network of a site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Network {
    pub cidr: IpNet,
    pub vlan: Option<u16>,
    pub zone: Zone,
    /// What the network is called locally ("CCTV VLAN", "staff LAN").
    pub name: Option<String>,
}

/// When installers may work on a site: days of the week, hours, and
/// optionally only some months (a school in its holidays).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessWindow {
    /// Day names, `mon`…`sun`.
    pub days: Vec<Weekday>,
    /// `HH:MM-HH:MM`, local time.
    #[serde(default = "all_day")]
    pub hours: String,
    /// Months 1–12 when the window applies; empty = every month.
    #[serde(default)]
    pub months: Vec<u8>,
}

fn all_day() -> String {
    "00:00-24:00".to_owned()
}

/// A day of the week as the estate file names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

/// A recorder whose cameras are replaced with it: the cameras on these
/// addresses or networks move when the recorder does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tie {
    pub recorder: IpAddr,
    pub cameras: Vec<IpNet>,
}

/// A site: a building or complex with its networks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Site {
    /// Short, unique; how registers and `--from-site` name it.
    pub id: String,
    pub name: String,
    pub postcode: Option<String>,
    pub location: Option<String>,
    pub region: Option<String>,
    pub sensitivity: Sensitivity,
    /// School, hospital-ward, police, laboratory, data-centre…
    pub categories: Vec<String>,
    pub access: Vec<AccessWindow>,
    pub networks: Vec<Network>,
    pub ties: Vec<Tie>,
}

impl Site {
    /// Whether a register's site cell names this site (its id or name,
    /// case and spacing aside).
    pub fn is_named(&self, cell: &str) -> bool {
        let key = site_key(cell);
        !key.is_empty() && (key == site_key(&self.id) || key == site_key(&self.name))
    }
}

fn site_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The cost and time of one kind of work on one device.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Work {
    /// Equipment and materials, in the estate's currency.
    #[serde(default)]
    pub cost: f64,
    /// Installer hours on site.
    #[serde(default)]
    pub hours: f64,
}

/// What work costs: replacement per device type, the other actions per
/// device, and one call-out per site visit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Costs {
    /// Per site visit, whatever is done there.
    pub callout: f64,
    /// Per installer hour.
    pub hourly_rate: f64,
    /// Replacement by device type (`camera`, `nvr`, …), with `default`
    /// for types not listed.
    pub replace: BTreeMap<String, Work>,
    pub disconnect: Work,
    pub update_firmware: Work,
    pub verify: Work,
}

impl Costs {
    /// The replacement work for a device type (`None` = unknown type).
    pub fn replacement(&self, device_type: Option<&str>) -> Work {
        device_type
            .and_then(|t| self.replace.get(t))
            .or_else(|| self.replace.get("default"))
            .copied()
            .unwrap_or(Work {
                cost: 0.0,
                hours: 0.0,
            })
    }
}

/// Defaults for the schedule; flags override them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub budget_per_quarter: Option<f64>,
    /// Installer hours per week across the estate.
    pub installer_hours_per_week: Option<f64>,
    /// Installer hours per week by region, where the estate has regional teams.
    #[serde(default)]
    pub regional_hours_per_week: BTreeMap<String, f64>,
}

/// A parsed, checked estate.
#[derive(Debug, Clone)]
pub struct Estate {
    /// How errors and reports name the file.
    pub file: String,
    pub organisation: String,
    pub currency: String,
    pub sites: Vec<Site>,
    pub costs: Costs,
    pub defaults: Defaults,
    /// A controls overlay named by the estate, relative to the estate file.
    pub controls: Option<String>,
    pub(crate) index: NetworkIndex,
}

// ---- the file's shape, as serde reads it --------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEstate {
    organisation: RawOrganisation,
    #[serde(default)]
    defaults: Defaults,
    #[serde(default)]
    costs: Option<Spanned<RawCosts>>,
    #[serde(default)]
    controls: Option<String>,
    #[serde(default, rename = "site")]
    sites: Vec<Spanned<RawSite>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrganisation {
    name: String,
    #[serde(default = "default_currency")]
    currency: String,
}

fn default_currency() -> String {
    "GBP".to_owned()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCosts {
    #[serde(default)]
    callout: f64,
    #[serde(default)]
    hourly_rate: f64,
    #[serde(default)]
    replace: BTreeMap<String, Work>,
    #[serde(default)]
    disconnect: Option<Work>,
    #[serde(default)]
    update_firmware: Option<Work>,
    #[serde(default)]
    verify: Option<Work>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    id: Spanned<String>,
    name: String,
    #[serde(default)]
    postcode: Option<String>,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    region: Option<String>,
    sensitivity: Sensitivity,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    access: Vec<AccessWindow>,
    #[serde(default, rename = "network")]
    networks: Vec<Spanned<RawNetwork>>,
    #[serde(default, rename = "tie")]
    ties: Vec<Spanned<RawTie>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNetwork {
    cidr: Spanned<String>,
    #[serde(default)]
    vlan: Option<u16>,
    zone: Zone,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTie {
    recorder: Spanned<String>,
    cameras: Vec<Spanned<String>>,
}

// ---- checking ----------------------------------------------------------

/// The default work when the estate's cost table leaves a kind out: a
/// disconnection is a port change (half an hour, nothing bought), a
/// firmware update an hour, an inspection an hour.
const DEFAULT_DISCONNECT: Work = Work {
    cost: 0.0,
    hours: 0.5,
};
const DEFAULT_FIRMWARE: Work = Work {
    cost: 0.0,
    hours: 1.0,
};
const DEFAULT_VERIFY: Work = Work {
    cost: 0.0,
    hours: 1.0,
};

struct Checker<'a> {
    file: &'a str,
    text: &'a str,
}

impl Checker<'_> {
    fn err(&self, span: Range<usize>, message: String) -> FileError {
        FileError::at(self.file, self.text, Some(span), message)
    }

    fn cidr(&self, s: &Spanned<String>) -> Result<IpNet, FileError> {
        let text = s.get_ref().trim();
        let net = IpNet::from_str(text)
            .or_else(|_| IpAddr::from_str(text).map(IpNet::from))
            .map_err(|_| {
                self.err(
                    s.span(),
                    format!(
                        "bad CIDR {text:?}: write a network such as 10.20.0.0/24 (or one address)"
                    ),
                )
            })?;
        if net.trunc() != net {
            return Err(self.err(
                s.span(),
                format!(
                    "CIDR {text} has host bits set: did you mean {}?",
                    net.trunc()
                ),
            ));
        }
        Ok(net)
    }

    fn site(&self, raw: Spanned<RawSite>) -> Result<(Site, Vec<Range<usize>>), FileError> {
        let span = raw.span();
        let raw = raw.into_inner();
        let id = raw.id.get_ref().trim().to_owned();
        if id.is_empty() {
            return Err(self.err(raw.id.span(), "a site's id must not be empty".into()));
        }
        if raw.networks.is_empty() {
            return Err(self.err(
                span,
                format!(
                    "site {id:?} has no networks: add a [[site.network]] with its cidr and zone"
                ),
            ));
        }
        for w in &raw.access {
            check_window(w).map_err(|m| self.err(span.clone(), format!("site {id:?}: {m}")))?;
        }
        let mut networks = Vec::with_capacity(raw.networks.len());
        let mut cidr_spans = Vec::with_capacity(raw.networks.len());
        for n in raw.networks {
            let n = n.into_inner();
            cidr_spans.push(n.cidr.span());
            networks.push(Network {
                cidr: self.cidr(&n.cidr)?,
                vlan: n.vlan,
                zone: n.zone,
                name: n.name,
            });
        }
        let mut ties = Vec::with_capacity(raw.ties.len());
        for t in raw.ties {
            ties.push(self.tie(&id, &networks, t)?);
        }
        let site = Site {
            id,
            name: raw.name,
            postcode: raw.postcode,
            location: raw.location,
            region: raw.region,
            sensitivity: raw.sensitivity,
            categories: raw.categories,
            access: raw.access,
            networks,
            ties,
        };
        Ok((site, cidr_spans))
    }

    fn tie(&self, site: &str, networks: &[Network], t: Spanned<RawTie>) -> Result<Tie, FileError> {
        let t = t.into_inner();
        let recorder_text = t.recorder.get_ref().trim();
        let recorder = IpAddr::from_str(recorder_text).map_err(|_| {
            self.err(
                t.recorder.span(),
                format!("tie: recorder {recorder_text:?} is not an address"),
            )
        })?;
        if !networks.iter().any(|n| n.cidr.contains(&recorder)) {
            return Err(self.err(
                t.recorder.span(),
                format!("tie: recorder {recorder} is on none of site {site:?}'s networks"),
            ));
        }
        let cameras = t
            .cameras
            .iter()
            .map(|c| self.cidr(c))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Tie { recorder, cameras })
    }
}

fn check_window(w: &AccessWindow) -> Result<(), String> {
    if w.days.is_empty() {
        return Err("an access window needs at least one day".into());
    }
    if let Some(m) = w.months.iter().find(|m| !(1..=12).contains(*m)) {
        return Err(format!("access window month {m} is not 1-12"));
    }
    parse_hours(&w.hours)
        .map(|_| ())
        .ok_or_else(|| format!("access hours {:?}: write HH:MM-HH:MM", w.hours))
}

/// `"08:00-17:30"` → minutes from midnight, start before end.
pub fn parse_hours(s: &str) -> Option<(u16, u16)> {
    let (a, b) = s.split_once('-')?;
    let minutes = |t: &str| -> Option<u16> {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
    };
    let (a, b) = (minutes(a)?, minutes(b)?);
    (a < b).then_some((a, b))
}

impl Estate {
    /// Reads an estate from its text; `file` is how errors name it.
    pub fn parse(file: &str, text: &str) -> Result<Estate, FileError> {
        let raw: RawEstate = toml::from_str(text).map_err(|e| FileError::toml(file, text, &e))?;
        let check = Checker { file, text };
        if raw.sites.is_empty() {
            return Err(FileError::at(
                file,
                text,
                None,
                "no sites: add at least one [[site]] with its networks".into(),
            ));
        }
        let mut seen = HashSet::new();
        let mut sites = Vec::with_capacity(raw.sites.len());
        let mut spans = Vec::with_capacity(raw.sites.len());
        for s in raw.sites {
            let id_span = s.get_ref().id.span();
            let (site, cidr_spans) = check.site(s)?;
            if !seen.insert(site.id.clone()) {
                return Err(check.err(id_span, format!("site id {:?} is used twice", site.id)));
            }
            spans.push(cidr_spans);
            sites.push(site);
        }
        let index = NetworkIndex::build(&sites).map_err(|clash| {
            check.err(
                spans[clash.site][clash.network].clone(),
                format!(
                    "site {:?}: network {} overlaps {} of site {:?}: a network belongs to one site",
                    sites[clash.site].id, clash.cidr, clash.other_cidr, sites[clash.other_site].id
                ),
            )
        })?;
        let costs = match raw.costs {
            None => costs_from(RawCosts::empty()),
            Some(c) => {
                let span = c.span();
                let c = costs_from(c.into_inner());
                check_costs(&c).map_err(|m| check.err(span, m))?;
                c
            }
        };
        Ok(Estate {
            file: file.to_owned(),
            organisation: raw.organisation.name,
            currency: raw.organisation.currency,
            sites,
            costs,
            defaults: raw.defaults,
            controls: raw.controls,
            index,
        })
    }

    /// Reads an estate file.
    pub fn read(path: &std::path::Path) -> Result<Estate, FileError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| FileError {
            file: file.clone(),
            line: None,
            message: format!("cannot read the estate file: {e}"),
        })?;
        Estate::parse(&file, &text)
    }

    /// The site with this id, or whose id or name a register cell gives
    /// (case, spacing and punctuation aside), or whose name the cell
    /// begins when no other site's does ("Police Liaison Office" for
    /// "Police Liaison Office, Bridge Street").
    pub fn site_named(&self, cell: &str) -> Option<usize> {
        let exact = self
            .sites
            .iter()
            .position(|s| s.id == cell)
            .or_else(|| self.sites.iter().position(|s| s.is_named(cell)));
        exact.or_else(|| {
            let key = site_key(cell);
            let mut starting = self
                .sites
                .iter()
                .enumerate()
                .filter(|(_, s)| key.len() >= 4 && site_key(&s.name).starts_with(&key));
            match (starting.next(), starting.next()) {
                (Some((i, _)), None) => Some(i),
                _ => None,
            }
        })
    }

    /// The network holding `addr` (longest prefix), as (site, network).
    pub fn network_of(&self, addr: IpAddr) -> Option<(usize, usize)> {
        self.index.lookup(addr)
    }
}

impl RawCosts {
    fn empty() -> RawCosts {
        RawCosts {
            callout: 0.0,
            hourly_rate: 0.0,
            replace: BTreeMap::new(),
            disconnect: None,
            update_firmware: None,
            verify: None,
        }
    }
}

fn costs_from(c: RawCosts) -> Costs {
    Costs {
        callout: c.callout,
        hourly_rate: c.hourly_rate,
        replace: c.replace,
        disconnect: c.disconnect.unwrap_or(DEFAULT_DISCONNECT),
        update_firmware: c.update_firmware.unwrap_or(DEFAULT_FIRMWARE),
        verify: c.verify.unwrap_or(DEFAULT_VERIFY),
    }
}

fn check_costs(c: &Costs) -> Result<(), String> {
    let named = [
        ("callout", c.callout),
        ("hourly_rate", c.hourly_rate),
        ("disconnect.cost", c.disconnect.cost),
        ("disconnect.hours", c.disconnect.hours),
        ("update_firmware.cost", c.update_firmware.cost),
        ("update_firmware.hours", c.update_firmware.hours),
        ("verify.cost", c.verify.cost),
        ("verify.hours", c.verify.hours),
    ];
    let replace = c
        .replace
        .iter()
        .flat_map(|(k, w)| [(k, w.cost), (k, w.hours)]);
    for (name, v) in named
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v))
        .chain(replace.map(|(k, v)| (format!("replace.{k}"), v)))
    {
        if !v.is_finite() || v < 0.0 {
            return Err(format!(
                "costs: {name} = {v}: costs and hours are 0 or more"
            ));
        }
    }
    Ok(())
}
