//! `camaudit history`: each device of one place followed through its stored
//! scans (first and last seen, each change of address, firmware, maker or
//! label). The history is `camaudit-history`'s; rendering is
//! `camaudit-report`'s `write_timelines`, which `camaudit diff` does not
//! print (a diff compares two scans; this follows every scan of a place).

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::{Context, Result, bail};
use camaudit_history::{ChangedField, DeviceHistory, DiffOptions, place_history};
use camaudit_model::Mac;
use camaudit_store::{EstateStore, Location, Scan, ScanId, Slug};

use crate::cmd_identify::write_to;
use crate::estate_arg::{self, IfMissing};
use crate::output::Format;

#[derive(clap::Args)]
#[command(
    about = "Follow each device of a site (or of a scan's targets) through its stored scans: first and last seen, and every change",
    long_about = "Follow each device of one place through the scans stored for it: when it was first and last seen, how many scans saw it, what is known of it now, and each change of address, MAC, firmware, model, maker, label, coverage or device type with the scan that first saw it. Devices no longer seen are listed too (their last sighting says when they went).\n\nThe place is an estate site (--site, its latest scan: the latest complete one by start time), the place of one scan (--scan: the site it was pushed to, or the site it was run from, or its targets), or without either the place of the store's latest scan. At most --lookback scans before that one are read. A device is recognised from scan to scan by its MAC, or its serial number with its maker; only where neither is known, by address, maker and model (docs/diff.md). The same history is served as GET /api/v1/devices/{site}/{scan}/{idx}/history.",
    after_help = "Examples:
  camaudit history                                  # the latest scan's place, in camaudit.db
  camaudit history --db estate.db --site leeds/civic-centre
  camaudit history --db estate.db --site civic-centre --org leeds --device 58:50:ed:1f:e3:85
  camaudit history --scan 12 --device 10.10.8.21 --format json
  camaudit history --db postgres://camaudit@db/estate --site leeds/depot --format csv -o depot.csv

The CSV has one row per change (a device without changes has one row with empty change columns)."
)]
pub struct Args {
    #[arg(long, default_value = "camaudit.db", value_name = "PATH|URL", help = estate_arg::DB_HELP)]
    db: Location,
    /// The scan to follow its place's devices up to (default: the site's latest scan, or the store's).
    #[arg(long, value_name = "ID", conflicts_with = "site")]
    scan: Option<i64>,
    /// An estate site, as ORG/SITE or SITE with --org: up to its latest scan.
    #[arg(long, value_name = "[ORG/]SITE")]
    site: Option<String>,
    /// The site's organisation (or write --site ORG/SITE).
    #[arg(long, value_name = "ORG", requires = "site")]
    org: Option<Slug>,
    /// Only the device with this MAC, serial number or address (an address it had before counts).
    #[arg(long, value_name = "MAC|SERIAL|IP")]
    device: Option<DeviceKey>,
    /// At most this many scans before the last are read.
    #[arg(long, default_value_t = DiffOptions::default().lookback, value_name = "N")]
    lookback: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write to this file instead of standard output (written whole or not at all).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// No summary line on standard error (machine formats).
    #[arg(short, long)]
    quiet: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let store = estate_arg::open(&args.db, IfMissing::Refuse)?;
    let (scan, place) = last_scan(&*store, &args)?;
    let mut histories = place_history(&*store, scan.id, args.lookback)
        .with_context(|| format!("reading the history of {place} in {}", args.db))?;
    if let Some(key) = &args.device {
        histories.retain(|h| key.names(h));
        if histories.is_empty() {
            bail!(
                "no device with {key} in the history of {place} up to scan {}: run without --device to list them",
                scan.id
            );
        }
    }
    write_to(args.output.as_deref(), |out| {
        Ok(camaudit_report::write_timelines(
            out,
            &histories,
            args.format.into(),
        )?)
    })?;
    if !args.quiet && (args.format != Format::Table || args.output.is_some()) {
        eprintln!("camaudit: {}", summary(&histories, &place, scan.id));
    }
    Ok(ExitCode::SUCCESS)
}

/// The scan the history ends with, and its place in words.
fn last_scan(store: &dyn EstateStore, args: &Args) -> Result<(Scan, String)> {
    let db = &args.db;
    if let Some(given) = &args.site {
        let (org, site) = estate_arg::org_and_site(given, args.org.clone())?;
        let org = estate_arg::organisation(store, &org, db)?;
        let site = estate_arg::site(store, &org, &site, db)?;
        let place = format!("site {}/{}", org.slug, site.slug);
        let scan = store
            .latest_scan(site.id)
            .with_context(|| format!("reading the scans of {place} in {db}"))?
            .with_context(|| {
                format!(
                    "{place} has no scans yet: its sensor sends them with --push (docs/push.md)"
                )
            })?;
        return Ok((scan, place));
    }
    let mut scans = store
        .scans()
        .with_context(|| format!("reading the scans of {db}"))?;
    scans.sort_by_key(|s| (s.started_at, s.id));
    let scan = match args.scan.map(ScanId) {
        Some(id) => scans.into_iter().find(|s| s.id == id).with_context(|| {
            format!("no scan {id} in {db}: `camaudit history` without --scan follows the latest")
        })?,
        None => scans.pop().with_context(|| {
            format!("no scans in {db} yet: record one with `camaudit scan`, `import` or `pcap`")
        })?,
    };
    let place =
        site_name(store, scan.id).unwrap_or_else(|| format!("the place of scan {}", scan.id));
    Ok((scan, place))
}

/// "site leeds/civic-centre" for a scan pushed to an estate site.
fn site_name(store: &dyn EstateStore, scan: ScanId) -> Option<String> {
    let site = store.site(store.scan_site(scan).ok()??).ok()??;
    let orgs = store.organisations().ok()?;
    let org = orgs.iter().find(|o| o.id == site.org)?;
    Some(format!("site {}/{}", org.slug, site.slug))
}

fn summary(histories: &[DeviceHistory], place: &str, last: ScanId) -> String {
    let changed = histories.iter().filter(|h| !h.changes.is_empty()).count();
    let gone = histories
        .iter()
        .filter(|h| h.last_seen.scan != last)
        .count();
    let devices = if histories.len() == 1 {
        "1 device".to_owned()
    } else {
        format!("{} devices", histories.len())
    };
    format!(
        "{devices} of {place} up to scan {last}: {changed} changed, {gone} not seen in scan {last}"
    )
}

/// What `--device` names a device by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceKey {
    Addr(IpAddr),
    Mac(Mac),
    /// Compared without regard to case.
    Serial(String),
}

impl FromStr for DeviceKey {
    type Err = String;

    fn from_str(s: &str) -> Result<DeviceKey, String> {
        let s = s.trim();
        if let Ok(addr) = s.parse::<IpAddr>() {
            return Ok(DeviceKey::Addr(addr));
        }
        if let Ok(mac) = s.parse::<Mac>() {
            return Ok(DeviceKey::Mac(mac));
        }
        let printable = s.chars().all(|c| c.is_ascii_graphic());
        if s.is_empty() || s.len() > 128 || !printable {
            return Err(
                "give a MAC (58:50:ed:1f:e3:85), an IP address or a serial number (up to 128 printable characters)"
                    .to_owned(),
            );
        }
        Ok(DeviceKey::Serial(s.to_owned()))
    }
}

impl fmt::Display for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceKey::Addr(a) => write!(f, "address {a}"),
            DeviceKey::Mac(m) => write!(f, "MAC {m}"),
            DeviceKey::Serial(s) => write!(f, "serial number {s}"),
        }
    }
}

impl DeviceKey {
    /// Whether the history is of the device this names: its MAC or serial
    /// now, or an address it has or had.
    fn names(&self, h: &DeviceHistory) -> bool {
        match self {
            DeviceKey::Mac(m) => h.current.mac == Some(*m),
            DeviceKey::Serial(s) => h
                .current
                .serial
                .as_deref()
                .is_some_and(|own| own.eq_ignore_ascii_case(s)),
            DeviceKey::Addr(a) => {
                let text = a.to_string();
                h.current.addr == Some(*a)
                    || h.changes.iter().any(|c| {
                        c.field == ChangedField::Address && c.before.as_deref() == Some(&text)
                    })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DeviceKey;

    #[test]
    fn a_device_is_named_by_address_mac_or_serial() {
        assert!(matches!("10.10.8.21".parse(), Ok(DeviceKey::Addr(_))));
        assert!(matches!("58:50:ED:1F:E3:85".parse(), Ok(DeviceKey::Mac(_))));
        assert_eq!(
            "DS-2CD2385G1-I20200414AAWRE33842150".parse(),
            Ok(DeviceKey::Serial(
                "DS-2CD2385G1-I20200414AAWRE33842150".into()
            ))
        );
        for bad in ["", "a b", &"x".repeat(129)] {
            assert!(bad.parse::<DeviceKey>().is_err(), "{bad:?}");
        }
    }
}
