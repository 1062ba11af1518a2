//! Generated estates for tests and benchmarks: sites in regions with a
//! realistic mix of kinds (schools open to installers only in the
//! holidays, wards closed for a month, police, offices, depots), a few
//! large sites and many small, cameras and recorders with cameras tied to
//! them, unknown devices to verify, some devices on core networks (segment
//! now) and some with known exploited vulnerabilities (firmware update). Deterministic for a
//! seed, with a small generator of its own so no dependency is needed.

use time::{Date, Duration, Month};

use crate::problem::{
    AccessWindows, Action, ActionKind, Capacity, Constraints, DateRange, Device, DeviceId, Estate,
    Region, Site, SiteId, Urgency,
};
use crate::units::{Minutes, Pence, Risk};

/// The size of an estate to generate.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub sites: usize,
    pub devices: usize,
    pub regions: usize,
    pub seed: u64,
}

/// SplitMix64: small, fast and good enough to vary an estate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

#[derive(Clone, Copy)]
enum Kind {
    School,
    Ward,
    Police,
    Office,
    Depot,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::School => "school",
            Kind::Ward => "ward",
            Kind::Police => "police",
            Kind::Office => "office",
            Kind::Depot => "depot",
        }
    }

    /// Sensitive sites weigh each device's risk more.
    fn weight(self) -> f64 {
        match self {
            Kind::School | Kind::Ward => 2.0,
            Kind::Police => 3.0,
            Kind::Office => 1.0,
            Kind::Depot => 0.6,
        }
    }
}

fn pick_kind(rng: &mut Rng) -> Kind {
    match rng.range(0, 99) {
        0..=34 => Kind::School,
        35..=49 => Kind::Ward,
        50..=57 => Kind::Police,
        58..=84 => Kind::Office,
        _ => Kind::Depot,
    }
}

/// The first day plans made with [`constraints`] start on.
pub fn start() -> Date {
    Date::from_calendar_date(2027, Month::January, 1).unwrap_or(Date::MIN)
}

fn day(offset: u64) -> Date {
    start() + Duration::days(offset as i64)
}

fn access(kind: Kind, rng: &mut Rng) -> AccessWindows {
    match kind {
        Kind::School => {
            // Installers only in the holidays: Easter, summer, October
            // half-term and Christmas (as day ranges of each year).
            const HOLIDAYS: [(u64, u64); 4] = [(85, 98), (201, 243), (297, 303), (354, 364)];
            let open = (0..6)
                .flat_map(|year| HOLIDAYS.map(|(a, b)| (year * 365 + a, year * 365 + b)))
                .filter_map(|(a, b)| DateRange::new(day(a), day(b)).ok())
                .collect();
            AccessWindows {
                open,
                ..AccessWindows::default()
            }
        }
        Kind::Ward => {
            let from = rng.range(0, 300);
            AccessWindows {
                closed: DateRange::new(day(from), day(from + 27))
                    .into_iter()
                    .collect(),
                ..AccessWindows::default()
            }
        }
        // Escorted access for three hours a morning: longer jobs run on
        // over the next open days.
        Kind::Police => AccessWindows {
            minutes_per_day: Some(Minutes::hours(3)),
            ..AccessWindows::default()
        },
        Kind::Office | Kind::Depot => AccessWindows::default(),
    }
}

fn risk(v: f64) -> Risk {
    Risk::new(v).unwrap_or(Risk::ZERO)
}

fn action(kind: ActionKind, urgency: Urgency, pounds: u64, minutes: u32, after: f64) -> Action {
    Action {
        control: kind.name().to_owned(),
        kind,
        urgency,
        cost: Pence::pounds(pounds),
        minutes: Minutes(minutes),
        risk_after: risk(after),
    }
}

/// A covered camera or recorder: replace it, and before that disconnect it
/// now if it sits on a core network, update its firmware if it has a known
/// exploited vulnerability.
fn covered(rng: &mut Rng, weight: f64, recorder: bool) -> (f64, Vec<Action>) {
    let base = if recorder { 6.0 } else { 2.0 } * weight * (0.5 + rng.range(0, 100) as f64 / 100.0);
    let mut r = base;
    let mut actions = Vec::new();
    if rng.chance(0.15) {
        r *= 2.0; // reachable from a core network
        actions.push(action(
            ActionKind::Segment,
            Urgency::Now,
            25,
            20,
            base * 0.5,
        ));
    }
    if rng.chance(0.25) {
        r *= 1.5; // known exploited vulnerability in its firmware
        let urgency = if rng.chance(0.3) {
            Urgency::Now
        } else {
            Urgency::Planned
        };
        let fixes = vec!["CVE-2021-36260".to_owned()];
        actions.push(action(
            ActionKind::FirmwareUpdate { fixes },
            urgency,
            30,
            30,
            r * 0.6,
        ));
    }
    let (device_type, pounds, minutes) = if recorder {
        ("recorder", rng.range(1_500, 4_000), 240)
    } else if rng.chance(0.1) {
        ("ptz-camera", rng.range(1_000, 1_600), 180)
    } else {
        ("fixed-camera", rng.range(300, 700), 90)
    };
    let replace = ActionKind::Replace {
        device_type: device_type.to_owned(),
    };
    actions.push(action(replace, Urgency::Planned, pounds, minutes, 0.0));
    (r, actions)
}

/// An estate of the given shape.
pub fn estate(shape: Shape) -> Estate {
    let mut rng = Rng(shape.seed);
    let regions = shape.regions.max(1);
    let mut sites = Vec::with_capacity(shape.sites);
    let mut kinds = Vec::with_capacity(shape.sites);
    // Site sizes: a few large sites, many small (weights 1..=40, squared).
    let sizes: Vec<u64> = (0..shape.sites).map(|_| rng.range(1, 40).pow(2)).collect();
    let total: u64 = sizes.iter().sum::<u64>().max(1);
    for i in 0..shape.sites {
        let kind = pick_kind(&mut rng);
        kinds.push(kind);
        sites.push(Site {
            id: SiteId(format!("{}-{i:04}", kind.name())),
            region: Region(format!("region-{}", i % regions)),
            call_out: Pence::pounds(rng.range(80, 250)),
            access: access(kind, &mut rng),
        });
    }
    // Shares rounded down; the devices left over go one each to the first
    // sites, so no site swells with the remainder.
    let mut counts: Vec<usize> = sizes
        .iter()
        .map(|&w| (shape.devices as u64 * w / total) as usize)
        .collect();
    let left = shape.devices - counts.iter().sum::<usize>().min(shape.devices);
    for c in counts.iter_mut().take(left) {
        *c += 1;
    }
    let mut devices = Vec::with_capacity(shape.devices);
    for (i, site) in sites.iter().enumerate() {
        site_devices(&mut rng, site, kinds[i].weight(), counts[i], &mut devices);
    }
    Estate { sites, devices }
}

fn site_devices(rng: &mut Rng, site: &Site, weight: f64, count: usize, out: &mut Vec<Device>) {
    let mut recorder: Option<(DeviceId, bool)> = None;
    let mut made = 0;
    while made < count {
        let n = out.len();
        let id = DeviceId(format!("{}/dev-{n}", site.id));
        let (risk_now, actions, tied_to) = if made % 24 == 0 && count - made > 4 {
            let (r, a) = covered(rng, weight, true);
            recorder = Some((id.clone(), rng.chance(0.6)));
            (r, a, None)
        } else if rng.chance(0.05) {
            // Maker unknown: an inspection settles it.
            let r = 1.0 * weight;
            (
                r,
                vec![action(
                    ActionKind::Verify,
                    Urgency::Planned,
                    60,
                    30,
                    r * 0.2,
                )],
                None,
            )
        } else {
            let (r, a) = covered(rng, weight, false);
            let tie = recorder
                .as_ref()
                .filter(|(_, tied)| *tied)
                .map(|(id, _)| id.clone());
            (r, a, tie)
        };
        out.push(Device {
            id,
            site: site.id.clone(),
            risk: risk(risk_now),
            actions,
            tied_to,
        });
        made += 1;
    }
}

/// Constraints that let a generated estate be remediated in about four
/// years: a budget per quarter and installer hours per week per region.
pub fn constraints(estate: &Estate, regions: usize) -> Constraints {
    let cost: u64 = estate
        .devices
        .iter()
        .flat_map(|d| &d.actions)
        .map(|a| a.cost.0)
        .sum();
    let minutes: u64 = estate
        .devices
        .iter()
        .flat_map(|d| &d.actions)
        .map(|a| u64::from(a.minutes.0))
        .sum();
    let regions = regions.max(1);
    // At least enough for the largest recorder with its tied cameras twice
    // over, so every job fits some week.
    let largest = tied_minutes(estate);
    let weekly = (minutes / 200 / regions as u64).max(2 * largest).max(600) as u32;
    let capacity = Capacity::PerRegion {
        regions: (0..regions)
            .map(|r| (Region(format!("region-{r}")), Minutes(weekly)))
            .collect(),
        others: None,
    };
    Constraints::new(start(), Some(Pence((cost / 14).max(100_000))), capacity)
}

/// The installer minutes of the largest recorder replacement with its tied
/// cameras.
fn tied_minutes(estate: &Estate) -> u64 {
    let replace_minutes = |d: &Device| {
        d.actions
            .iter()
            .filter(|a| a.kind.is_replace())
            .map(|a| u64::from(a.minutes.0))
            .sum::<u64>()
    };
    let mut by_recorder: std::collections::HashMap<&DeviceId, u64> =
        std::collections::HashMap::new();
    for d in &estate.devices {
        let key = d.tied_to.as_ref().unwrap_or(&d.id);
        *by_recorder.entry(key).or_insert(0) += replace_minutes(d);
    }
    by_recorder.values().copied().max().unwrap_or(0)
}
