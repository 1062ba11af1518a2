//! `--dry-run`: what a scan would send where, worked out without sending
//! anything. No scanner is built and no socket opened; only host names in
//! the target list are resolved (as the scan itself would).

use std::collections::HashMap;
use std::net::IpAddr;

use camaudit_probe::credentials::Protocol;
use camaudit_probe::scan::requests_for_port;
use camaudit_probe::udp::Proto;
use serde::Serialize;

use crate::PipelineError;
use crate::scan::ScanJob;

/// Targets beyond this many are not walked to count where each credential
/// would go (the count is then left out).
const MAX_COUNTED: u64 = 1 << 20;

/// The plan of a scan.
#[derive(Debug, Clone, Serialize)]
pub struct ScanPlan {
    pub targets: Vec<String>,
    pub exclude: Vec<String>,
    /// Addresses after exclusions.
    pub addresses: u64,
    /// The usual ports swept.
    pub ports: Vec<u16>,
    /// Lab use: added to every port contacted.
    pub port_offset: u16,
    pub rate: u32,
    pub concurrency: usize,
    pub timeout_ms: u64,
    pub retries: u32,
    /// First connection attempts (each filtered port is retried `retries` times).
    pub connect_attempts: u64,
    /// Unicast discovery datagrams, one per protocol per address.
    pub udp_datagrams: u64,
    /// Lower bound on the duration at `rate`, before stage 2.
    pub min_seconds: f64,
    /// Unicast UDP discovery sent to every target.
    pub udp: Vec<String>,
    /// Multicast discovery: the interface and the groups.
    pub multicast: Option<MulticastPlan>,
    /// What each port gets in stage 2 when it is open.
    pub probes: Vec<PortProbes>,
    pub credentials: Vec<CredentialPlan>,
    /// A credential from the old `user:password` file (any target gets it).
    pub unscoped_credentials: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MulticastPlan {
    pub interface: String,
    /// `group:port protocol`, sent once each with TTL 1.
    pub groups: Vec<String>,
    /// What happens to replies from non-targets.
    pub replies_from_non_targets: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct PortProbes {
    pub port: u16,
    pub requests: Vec<String>,
}

/// Where one credential would go. No password: only who and where.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialPlan {
    pub user: String,
    pub scope: String,
    pub protocols: Vec<Protocol>,
    pub allow_plaintext: bool,
    /// Targets this credential would be sent to (the most specific wins),
    /// when the target list is small enough to count.
    pub targets: Option<u64>,
}

/// Works out the plan of `job` without touching the network (beyond
/// resolving host names in the target list).
pub fn plan(job: &ScanJob) -> Result<ScanPlan, PipelineError> {
    let targets = camaudit_probe::TargetSet::parse(&job.targets, &job.exclude)?;
    if targets.is_empty() {
        return Err(PipelineError::NoTargets);
    }
    let p = &job.params;
    let addresses = targets.len();
    let connect_attempts = addresses * p.ports.len() as u64;
    let udp: Vec<String> = if p.udp {
        Proto::ALL
            .iter()
            .map(|u| {
                let (_, kind) = u.audit_name();
                format!("{kind} to UDP {}", u.port().saturating_add(p.port_offset))
            })
            .collect()
    } else {
        Vec::new()
    };
    let udp_datagrams = addresses * udp.len() as u64;
    let multicast = p.interface.as_ref().map(|iface| MulticastPlan {
        interface: iface.clone(),
        groups: Proto::ALL
            .iter()
            .map(|u| format!("{}:{} {}", u.group(), u.port(), u.audit_name().1))
            .collect(),
        replies_from_non_targets: "counted and ignored: never probed, never recorded as devices",
    });
    let probes = p
        .ports
        .iter()
        .map(|&port| PortProbes {
            port: port.saturating_add(p.port_offset),
            requests: requests_for_port(port),
        })
        .collect();
    let credentials = credential_plans(job, &targets);
    Ok(ScanPlan {
        targets: job.targets.clone(),
        exclude: job.exclude.clone(),
        addresses,
        ports: p.ports.clone(),
        port_offset: p.port_offset,
        rate: p.rate.max(1),
        concurrency: p.concurrency,
        timeout_ms: p.timeout_ms,
        retries: p.retries,
        connect_attempts,
        udp_datagrams,
        min_seconds: (connect_attempts + udp_datagrams) as f64 / f64::from(p.rate.max(1)),
        udp,
        multicast,
        probes,
        unscoped_credentials: job.credentials.as_ref().is_some_and(|k| k.is_unscoped()),
        credentials,
    })
}

fn credential_plans(job: &ScanJob, targets: &camaudit_probe::TargetSet) -> Vec<CredentialPlan> {
    let Some(keyring) = &job.credentials else {
        return Vec::new();
    };
    let counts: Option<HashMap<usize, u64>> = (targets.len() <= MAX_COUNTED).then(|| {
        let mut counts = HashMap::new();
        for addr in targets.iter() {
            if let Some(i) = winner(keyring, addr, targets) {
                *counts.entry(i).or_insert(0) += 1;
            }
        }
        counts
    });
    keyring
        .credentials()
        .iter()
        .enumerate()
        .map(|(i, c)| CredentialPlan {
            user: c.user.clone(),
            scope: c.scope.to_string(),
            protocols: c.protocols.clone(),
            allow_plaintext: c.allow_plaintext,
            targets: counts.as_ref().map(|m| m.get(&i).copied().unwrap_or(0)),
        })
        .collect()
}

/// The index of the credential `addr` would get for ONVIF.
fn winner(
    keyring: &camaudit_probe::Keyring,
    addr: IpAddr,
    targets: &camaudit_probe::TargetSet,
) -> Option<usize> {
    let chosen = keyring.for_target(addr, targets, Protocol::Onvif)?;
    keyring
        .credentials()
        .iter()
        .position(|c| std::ptr::eq(c, chosen))
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use camaudit_probe::{Audit, Keyring};

    use super::*;
    use crate::scan::{CtrlC, ScanParams};

    #[test]
    fn the_plan_counts_where_each_credential_would_go() {
        let keyring = Keyring::parse(
            "[[credential]]\nuser = \"estate\"\npassword_env = \"P\"\ncidrs = [\"10.0.0.0/24\"]\n\n[[credential]]\nuser = \"ward\"\npassword_env = \"P\"\ncidrs = [\"10.0.0.0/26\"]\n",
            Path::new("c.toml"),
            |_| Some("never-shown".to_owned()),
        )
        .unwrap();
        let job = ScanJob {
            targets: vec!["10.0.0.0/24".into()],
            exclude: vec!["10.0.0.200-10.0.0.254".into()],
            params: ScanParams {
                ports: vec![80, 8000],
                interface: Some("eth0".into()),
                ..ScanParams::default()
            },
            credentials: Some(Arc::new(keyring)),
            audit: Audit::default(),
            ctrl_c: CtrlC::Ignored,
        };
        let plan = plan(&job).unwrap();
        // .1–.199 (network address left out, .200–.254 excluded).
        assert_eq!(plan.addresses, 199);
        assert_eq!(plan.connect_attempts, 398);
        assert_eq!(plan.udp_datagrams, 199 * 4);
        // The /26 wins in .1–.63; the /24 gets .64–.199.
        assert_eq!(plan.credentials[1].targets, Some(63));
        assert_eq!(plan.credentials[0].targets, Some(136));
        assert!(plan.multicast.is_some());
        assert!(plan.probes[1].requests[0].contains("hiksdk"));
        let json = serde_json::to_string(&plan).unwrap();
        assert!(!json.contains("never-shown"), "{json}");
    }
}
