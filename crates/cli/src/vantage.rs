//! `camaudit scan --from-zone/--from-site/--estate`: where the scan is run
//! from, recorded with it (`camaudit_pipeline::scan::Vantage`).

use std::net::{IpAddr, UdpSocket};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use camaudit_pipeline::scan::Vantage;
use camaudit_policy::{Estate, Zone};

/// The vantage flags of `camaudit scan`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct VantageArgs {
    /// The zone this scan is run from (core, isolated-cctv, guest, internet-facing): a covered device that answers a scan from core is connected to core.
    #[arg(long, value_name = "ZONE", value_parser = parse_zone)]
    pub from_zone: Option<Zone>,
    /// The estate site this scan is run from (its id in the estate file).
    #[arg(long, value_name = "SITE")]
    pub from_site: Option<String>,
    /// Estate file: checks --from-site, or places this machine's own address to find the vantage.
    #[arg(long, value_name = "FILE")]
    pub estate: Option<PathBuf>,
}

pub(crate) fn parse_zone(s: &str) -> Result<Zone, String> {
    s.parse()
        .map_err(|e: camaudit_policy::UnknownZone| e.to_string())
}

impl VantageArgs {
    /// The vantage the flags give, if any. `targets` are the scan's (the
    /// first tells which of this machine's addresses the scan goes out of).
    pub fn vantage(&self, targets: &[String]) -> Result<Option<Vantage>> {
        let estate = match &self.estate {
            Some(p) => Some(Estate::read(p)?),
            None => None,
        };
        if let (Some(site), Some(estate)) = (&self.from_site, &estate)
            && !estate.sites.iter().any(|s| &s.id == site)
        {
            bail!(
                "--from-site {site:?} is not a site of {} (its site ids: {})",
                estate.file,
                estate
                    .sites
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }

        match (self.from_zone, &self.from_site, estate) {
            (Some(zone), site, _) => Ok(Some(Vantage {
                zone,
                site: site.clone(),
                sensor_addr: None,
            })),
            (None, Some(_), _) => {
                bail!("--from-site needs --from-zone (the site's zone this scan runs from)")
            }
            (None, None, Some(estate)) => derive(&estate, targets).map(Some),
            (None, None, None) => Ok(None),
        }
    }
}

/// The site and zone of the address this machine would send from.
fn derive(estate: &Estate, targets: &[String]) -> Result<Vantage> {
    let first = targets
        .first()
        .and_then(|t| first_address(t))
        .context("--estate: the first target is not an address, so this machine's own address toward it is unknown: give --from-zone")?;
    let own = own_address_towards(first).with_context(|| {
        format!("--estate: finding this machine's address toward {first}: give --from-zone")
    })?;
    let (site, net) = estate.network_of(own).with_context(|| {
        format!(
            "--estate: this machine's address {own} is on no network of {}: give --from-zone (and --from-site)",
            estate.file
        )
    })?;
    let site = &estate.sites[site];
    Ok(Vantage {
        zone: site.networks[net].zone,
        site: Some(site.id.clone()),
        sensor_addr: Some(own),
    })
}

/// The first address a target spec names ("10.0.0.0/24", "10.0.0.5-20").
fn first_address(spec: &str) -> Option<IpAddr> {
    let head = spec.split(['/', '-']).next()?.trim();
    head.parse().ok()
}

/// The local address the routing table picks for `to`. Connecting a UDP
/// socket sends nothing: it only binds the route.
fn own_address_towards(to: IpAddr) -> std::io::Result<IpAddr> {
    let bind: &str = if to.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" };
    let socket = UdpSocket::bind(bind)?;
    socket.connect((to, 9))?;
    Ok(socket.local_addr()?.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_addresses_of_target_specs() {
        assert_eq!(first_address("10.1.2.0/24"), "10.1.2.0".parse().ok());
        assert_eq!(first_address("10.1.2.5-20"), "10.1.2.5".parse().ok());
        assert_eq!(first_address("camera.example"), None);
    }

    #[test]
    fn the_own_address_toward_loopback_is_loopback() {
        let own = own_address_towards("127.0.0.1".parse().unwrap()).unwrap();
        assert!(own.is_loopback());
    }
}
