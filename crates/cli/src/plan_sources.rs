//! Where `camaudit plan` gets its devices: the store's latest scan (with
//! every vantage-point scan in it as proof of reachability), a devices
//! JSONL file, or a checked asset register.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{Context, Result, bail};
use camaudit_check::{Checker, Role, Verdict};
use camaudit_identify::Engine;
use camaudit_model::{Device, KevStatus};
use camaudit_pipeline::scan::{ScanParams, Vantage};
use camaudit_policy::{Asset, Reachability, ScanProof};
use camaudit_store::{Location, Scan, ScanId, ScanKind, ScanStatus};
use time::format_description::well_known::Rfc3339;

/// A devices file line longer than this is refused (a device with all its
/// evidence is a few kilobytes).
const MAX_LINE: u64 = 16 << 20;

/// Evidence fields that name a host the device contacted.
const CONTACT_FIELDS: &[&str] = &["dns.query", "tls.sni", "http.request.host"];

/// Devices and the scans that reached them.
pub struct Sourced {
    pub assets: Vec<Asset>,
    /// The devices behind `assets`, in the same order (none for a register).
    pub devices: Vec<Device>,
    pub reach: Reachability,
    /// "scan 4 of camaudit.db (2026-11-30T10:00:00Z)", for the summary.
    pub described: String,
}

/// Which scans of a store to read devices from.
pub enum Choice {
    /// The newest scan, whatever its state.
    Latest,
    /// The newest scan that finished.
    LatestComplete,
    /// These scans, their devices merged (a device in several: the newest).
    These(Vec<i64>),
    /// The latest scan of each site of this organisation of an estate
    /// store (as the server's device pages read them), merged; only that
    /// organisation's scans count for captures, reachability and the
    /// comparison, so another organisation's devices never enter its plan.
    Organisation(camaudit_store::Slug),
}

/// Devices read from a store, with what a report says about them.
pub struct FromStore {
    pub sourced: Sourced,
    /// The packet captures whose endpoints were read ("pcap scan 3"):
    /// without one, calling home is not measured.
    pub captures: Vec<String>,
    /// What the chosen scans are compared with, described ("scan 3 of
    /// camaudit.db (2026-11-30)"), and its devices: the newest finished
    /// scan of the same kind before them, or for an organisation each
    /// site's finished scan before its latest.
    pub previous: Option<(String, Vec<Device>)>,
}

/// The scans a read takes devices from, the scans in its scope (for
/// captures and reachability), and the scans it is compared with.
struct Picked {
    chosen: Vec<Scan>,
    scope: Vec<Scan>,
    previous: Vec<Scan>,
}

/// The chosen scans' devices (with the endpoints a capture in the store
/// saw them use), and reachability from every scan that recorded a
/// vantage point.
pub fn read_store(db: &Location, choice: &Choice, engine: &Engine) -> Result<FromStore> {
    if db.is_missing_file() {
        bail!("no scan store at {db}: run `camaudit scan … --db {db}` first, or give --devices");
    }
    let store = crate::store_arg::open(db)?;
    let picked = match choice {
        Choice::Organisation(slug) => match pick_organisation(db, slug)? {
            Some(picked) => picked,
            // A local store (scans made here, of no site): its latest.
            None => pick(store.as_ref(), &Choice::Latest, db)?,
        },
        _ => pick(store.as_ref(), choice, db)?,
    };
    let chosen = &picked.chosen;
    let mut devices = merged(store.as_ref(), chosen)?;
    let captures = attach_captures(store.as_ref(), &picked.scope, &mut devices)?;
    let reach = reachability(store.as_ref(), &picked.scope)?;
    let previous = match picked.previous.as_slice() {
        [] => None,
        before => Some((describe(before, db), merged(store.as_ref(), before)?)),
    };
    let described = chosen
        .iter()
        .map(|s| {
            format!(
                "{} {} of {} ({})",
                s.kind,
                s.id,
                db,
                s.started_at.format(&Rfc3339).unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    Ok(FromStore {
        sourced: Sourced {
            assets: devices.iter().map(|d| asset(d, None, engine)).collect(),
            devices,
            reach,
            described,
        },
        captures,
        previous,
    })
}

/// The devices of `scans` (oldest first), merged: a device seen in several
/// is the newest sighting.
fn merged(store: &dyn camaudit_store::Store, scans: &[Scan]) -> Result<Vec<Device>> {
    let mut devices: Vec<Device> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for s in scans {
        for d in store.devices(s.id)? {
            match identity(&d).and_then(|k| seen.get(&k).copied()) {
                Some(i) => devices[i] = d,
                None => {
                    if let Some(k) = identity(&d) {
                        seen.insert(k, devices.len());
                    }
                    devices.push(d);
                }
            }
        }
    }
    Ok(devices)
}

/// "scan 3 of camaudit.db (2026-11-30)", or "scans 3, 5 of …" for several.
fn describe(scans: &[Scan], db: &Location) -> String {
    let ids: Vec<String> = scans.iter().map(|s| s.id.to_string()).collect();
    let newest = scans.iter().map(|s| s.started_at).max();
    let date = newest.map(|t| t.date().to_string()).unwrap_or_default();
    match scans {
        [one] => format!("{} {} of {db} ({date})", one.kind, one.id),
        _ => format!("scans {} of {db} (up to {date})", ids.join(", ")),
    }
}

/// A local store's choice: the scans named, or the newest; compared with
/// the newest finished scan of the same kind before them.
fn pick(store: &dyn camaudit_store::Store, choice: &Choice, db: &Location) -> Result<Picked> {
    let scans = store.scans()?;
    let chosen = choose(store, &scans, choice, db)?;
    let previous = match chosen.iter().map(|s| s.id).min() {
        Some(first) => scans
            .iter()
            .rev()
            .find(|s| s.id < first && s.status == ScanStatus::Complete && s.kind == chosen[0].kind)
            .cloned()
            .into_iter()
            .collect(),
        None => Vec::new(),
    };
    Ok(Picked {
        chosen,
        scope: scans,
        previous,
    })
}

/// An organisation's sites' latest scans, each compared with the finished
/// scan of its site before it. `None` when no scan of the store belongs to
/// any site (a local store, whose scans the organisation's plan reads).
fn pick_organisation(db: &Location, slug: &camaudit_store::Slug) -> Result<Option<Picked>> {
    let store = crate::store_arg::open_estate(db)?;
    let org = crate::estate_arg::organisation(store.as_ref(), slug, db)?;
    let mut picked = Picked {
        chosen: Vec::new(),
        scope: Vec::new(),
        previous: Vec::new(),
    };
    for site in store.sites(Some(org.id))? {
        let Some(latest) = store.latest_scan(site.id)? else {
            continue;
        };
        let scans = store.site_scans(site.id)?;
        let before = scans
            .iter()
            .rev()
            .find(|s| {
                s.status == ScanStatus::Complete
                    && (s.started_at, s.id) < (latest.started_at, latest.id)
            })
            .cloned();
        picked.previous.extend(before);
        picked.scope.extend(scans);
        picked.chosen.push(latest);
    }
    if picked.chosen.is_empty() {
        let any_site_scan = store
            .scans()?
            .iter()
            .map(|s| store.scan_site(s.id))
            .collect::<Result<Vec<_>, _>>()?
            .iter()
            .any(Option::is_some);
        if !any_site_scan {
            return Ok(None);
        }
        bail!(
            "organisation {slug} has no scans in {db} yet: its sensors send them with `camaudit scan … --push URL --site SITE`"
        );
    }
    for list in [&mut picked.chosen, &mut picked.scope, &mut picked.previous] {
        list.sort_by_key(|s| (s.started_at, s.id));
    }
    Ok(Some(picked))
}

fn choose(
    store: &dyn camaudit_store::Store,
    scans: &[Scan],
    choice: &Choice,
    db: &Location,
) -> Result<Vec<Scan>> {
    let newest = |complete: bool| {
        scans
            .iter()
            .rev()
            .find(|s| !complete || s.status == ScanStatus::Complete)
            .cloned()
            .with_context(|| {
                if scans.is_empty() {
                    format!("{db} holds no scans yet: run `camaudit scan … --db {db}` first")
                } else {
                    format!("{db} holds no finished scan: finish one (`camaudit scan --resume ID --db {db}`) or name it with --scan")
                }
            })
    };
    Ok(match choice {
        Choice::Latest => vec![newest(false)?],
        Choice::LatestComplete => vec![newest(true)?],
        Choice::Organisation(slug) => {
            bail!("organisation {slug}'s scans are read from its sites, not chosen here")
        }
        Choice::These(ids) => {
            let mut out = Vec::new();
            for &id in ids {
                if !out.iter().any(|s: &Scan| s.id.0 == id) {
                    out.push(store.scan(ScanId(id))?);
                }
            }
            out.sort_by_key(|s| s.id);
            out
        }
    })
}

/// What makes two scans' sightings one device here: the MAC, else the
/// address.
fn identity(d: &Device) -> Option<String> {
    match (d.mac, d.addr) {
        (Some(m), _) => Some(format!("mac {m}")),
        (None, Some(a)) => Some(format!("addr {a}")),
        (None, None) => None,
    }
}

/// Gives each device without endpoints those a packet capture in the
/// store saw it use (the newest capture first), and names the captures.
fn attach_captures(
    store: &dyn camaudit_store::Store,
    scans: &[Scan],
    devices: &mut [Device],
) -> Result<Vec<String>> {
    let mut captures = Vec::new();
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, d) in devices.iter().enumerate() {
        let keys = [
            d.mac.map(|m| format!("mac {m}")),
            d.addr.map(|a| format!("addr {a}")),
        ];
        for k in keys.into_iter().flatten() {
            index.entry(k).or_default().push(i);
        }
    }
    for s in scans.iter().rev().filter(|s| s.kind == ScanKind::Pcap) {
        captures.push(format!("pcap scan {}", s.id));
        for seen in store.devices(s.id)? {
            if seen.endpoints.is_empty() {
                continue;
            }
            // A capture sees addresses; its MAC, when it has one, decides.
            let key = match (seen.mac, seen.addr) {
                (Some(m), _) => format!("mac {m}"),
                (None, Some(a)) => format!("addr {a}"),
                (None, None) => continue,
            };
            for &i in index.get(&key).into_iter().flatten() {
                if devices[i].endpoints.is_empty() {
                    devices[i].endpoints = seen.endpoints.clone();
                }
            }
        }
    }
    Ok(captures)
}

/// Which devices each scan with a recorded vantage point reached.
fn reachability(store: &dyn camaudit_store::Store, scans: &[Scan]) -> Result<Reachability> {
    let mut reach = Reachability::default();
    for s in scans {
        let params: ScanParams = serde_json::from_value(s.params.clone()).unwrap_or_default();
        let Some(vantage) = params.vantage else {
            continue;
        };
        let at = s.started_at.format(&Rfc3339).unwrap_or_default();
        for d in store.devices(s.id)? {
            let proof = ScanProof {
                scan: format!("scan {}", s.id),
                at: Some(at.clone()),
                zone: vantage.zone,
                site: vantage.site.clone(),
                ports: d.open_ports.clone(),
            };
            reach.record(d.mac.map(|m| m.to_string()).as_deref(), d.addr, proof);
        }
    }
    Ok(reach)
}

/// Where a devices line says its scan was run from: the store's vantage
/// fields, and the scan's id and start when the scan wrote them.
#[derive(serde::Deserialize)]
struct LineVantage {
    #[serde(flatten)]
    vantage: Vantage,
    #[serde(default)]
    scan: Option<i64>,
    #[serde(default)]
    started_at: Option<String>,
}

/// A devices JSONL file (the output of identify, scan, import, pcap). A
/// line's `vantage` (written by `camaudit scan --format jsonl` when the
/// scan recorded one) is proof of what that scan reached; `assumed` is the
/// vantage of lines without one (`plan --from-zone`).
pub fn from_devices(path: &Path, assumed: Option<&Vantage>, engine: &Engine) -> Result<Sourced> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut reader = BufReader::new(file);
    let mut assets = Vec::new();
    let mut devices = Vec::new();
    let mut reach = Reachability::default();
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        line.clear();
        number += 1;
        let n = reader
            .by_ref()
            .take(MAX_LINE + 1)
            .read_until(b'\n', &mut line)
            .with_context(|| format!("{}:{number}: reading", path.display()))?;
        if n == 0 {
            break;
        }
        if n as u64 > MAX_LINE {
            bail!(
                "{}:{number}: a line over 16 MiB is not a device",
                path.display()
            );
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let value: serde_json::Value = serde_json::from_slice(&line)
            .with_context(|| format!("{}:{number}: not JSON: expected one device per line (camaudit identify --format jsonl)", path.display()))?;
        let device: Device = serde_json::from_value(value.clone()).with_context(|| {
            format!(
                "{}:{number}: not a device in camaudit's schema (docs/device-schema.md)",
                path.display()
            )
        })?;
        if let Some(proof) = line_proof(&value, assumed, path, number)? {
            reach.record(
                device.mac.map(|m| m.to_string()).as_deref(),
                device.addr,
                ScanProof {
                    ports: device.open_ports.clone(),
                    ..proof
                },
            );
        }
        assets.push(asset(&device, Some(&value), engine));
        devices.push(device);
    }
    Ok(Sourced {
        described: format!("{} devices from {}", assets.len(), path.display()),
        assets,
        devices,
        reach,
    })
}

/// The scan a devices line says reached it: its own `vantage`, else the
/// one assumed for the file. Ports are the caller's to fill in.
fn line_proof(
    value: &serde_json::Value,
    assumed: Option<&Vantage>,
    path: &Path,
    number: usize,
) -> Result<Option<ScanProof>> {
    let proof = |v: &Vantage, scan: String, at: Option<String>| ScanProof {
        scan,
        at,
        zone: v.zone,
        site: v.site.clone(),
        ports: Vec::new(),
    };
    match value.get("vantage") {
        Some(v) if !v.is_null() => {
            let line: LineVantage = serde_json::from_value(v.clone()).with_context(|| {
                format!(
                    "{}:{number}: `vantage` is not {{zone, site, sensor_addr}} with a zone of core, isolated-cctv, guest or internet-facing",
                    path.display()
                )
            })?;
            let named = match line.scan {
                Some(id) => format!("scan {id} (line {number} of {})", path.display()),
                None => format!("the scan recorded on line {number} of {}", path.display()),
            };
            Ok(Some(proof(&line.vantage, named, line.started_at)))
        }
        _ => Ok(assumed.map(|v| {
            proof(
                v,
                format!("the scan of {} (plan --from-zone)", path.display()),
                None,
            )
        })),
    }
}

/// A device as an asset, with the hosts its evidence shows it contacting
/// that the registry lists as a maker's cloud or P2P service, or that a
/// fingerprint rule reads as a maker's own domain (an EZVIZ camera looking
/// up `euauth.ezvizlife.com`).
fn asset(d: &Device, json: Option<&serde_json::Value>, engine: &Engine) -> Asset {
    let owned;
    let json = match json {
        Some(j) => Some(j),
        None => {
            // Fields newer sources add (`endpoints`) are read from the
            // device's own serialisation, whatever the model's version.
            owned = serde_json::to_value(d).ok();
            owned.as_ref()
        }
    };
    let mut a = Asset::of_device(d, json);
    let registry = engine.registry();
    for e in d
        .evidence
        .iter()
        .filter(|e| CONTACT_FIELDS.contains(&e.field.as_str()))
    {
        let host = e.value.trim().trim_end_matches('.').to_ascii_lowercase();
        let makers_host = e.asserts.manufacturer.is_some() && e.rule.is_some();
        let cloud = makers_host || !registry.endpoints_for_host(&host).is_empty();
        if cloud && !a.endpoints.contains(&host) {
            a.endpoints.push(host);
        }
    }
    a
}

/// A checked asset register: each line an asset, placed by its site
/// column, its type read by policy from its model or description.
pub fn from_register(path: &Path, sheet: Option<&str>, engine: &Engine) -> Result<Sourced> {
    let table = camaudit_check::read_path(path, sheet)?;
    let report = Checker::new(engine).check(table)?;
    let site = report.columns.get(Role::Site);
    let quantity = report.columns.get(Role::Quantity);
    let description = report.columns.get(Role::Description);
    let cell = |cells: &[String], i: Option<usize>| {
        i.and_then(|i| cells.get(i))
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
    };
    let assets = report
        .lines
        .iter()
        .map(|l| {
            let o = &l.outcome;
            Asset {
                id: format!("{} row {}", report.file, l.line),
                addr: None,
                mac: None,
                site_cell: cell(&l.cells, site),
                manufacturer: o.maker.as_ref().map(ToString::to_string),
                label: o.label.as_ref().map(ToString::to_string),
                model: o.model.clone(),
                // The type is read by policy from the model grammar or
                // these words (`[[device_type]]`, data/policy/controls.toml).
                description: cell(&l.cells, description),
                firmware: None,
                device_type: None,
                covered: o.verdict == Verdict::Covered,
                covered_by: o.covered_by.clone(),
                kev_affected: o
                    .kev
                    .iter()
                    .filter(|k| k.status == KevStatus::Affected)
                    .map(|k| k.cve.clone())
                    .collect(),
                endpoints: Vec::new(),
                cleartext_accounts: Vec::new(),
                capabilities: Vec::new(),
                open_ports: Vec::new(),
                quantity: cell(&l.cells, quantity)
                    .and_then(|q| q.parse().ok())
                    .filter(|&q| q > 0)
                    .unwrap_or(1),
            }
        })
        .collect::<Vec<_>>();
    Ok(Sourced {
        described: format!("{} lines of {}", assets.len(), report.file),
        assets,
        devices: Vec::new(),
        reach: Reachability::default(),
    })
}
