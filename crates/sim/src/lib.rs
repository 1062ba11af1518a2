//! camaudit's estate simulator: an estate of emulated cameras, recorders
//! and decoys on loopback addresses, each answering as the real firmware does,
//! with an answer key (`--truth`) for grading a scan.
//!
//! The simulator is the scanner's test oracle, so it shares no protocol code
//! with `camaudit-probe`: every protocol here is written from the documented
//! behaviour of real devices (sources in `docs/sim.md`). Shared with the rest
//! of camaudit are only the model types and the truth vocabulary
//! ([`camaudit_model::TruthRecord`]).
//!
//! * [`plan`] lays the estate out from the seed without touching the network.
//! * [`run`] serves it until the shutdown future resolves; [`run_blocking`]
//!   does the same on its own runtime until Ctrl-C or SIGTERM.
//!
//! Safety: the simulator binds only addresses inside 127.0.0.0/8, unless it
//! was told to enter a network namespace the caller made (`--netns`), in
//! which case every socket is created inside that namespace.

// The modules form a DAG (layout in docs/sim.md): protocol handlers depend on
// `context`, `estate` and the shared helpers below them, never on `server`,
// which sits on top and only wires sockets to handlers.
#[cfg(feature = "args")]
pub mod args;
mod auth;
mod background;
mod bind;
mod catalog;
mod config;
mod context;
mod dahua_rpc;
mod date;
mod dhip;
mod error;
mod estate;
pub mod faults;
mod http;
mod markup;
mod message;
mod net;
mod onvif;
mod rtsp;
mod sadp;
mod server;
mod tcp_banners;
mod tls;
mod truth;
mod wsd;

use std::future::Future;

use camaudit_model::TruthRecord;

pub use background::Background;
pub use catalog::{Family, Firmware, PROFILES, Profile, Udp, WebFlavor};
pub use config::{Accounts, BindPolicy, Cidr, SimConfig};
pub use context::{DEFAULT_PASSWORD, DEFAULT_USERNAME};
pub use error::SimError;
pub use estate::{Device, Estate};
pub use faults::Fault;
pub use server::Summary;

/// The estate `config` describes, as its answer key: deterministic from the
/// seed, no sockets.
pub fn plan(config: &SimConfig) -> Result<Vec<TruthRecord>, SimError> {
    let estate = estate::layout(config.base, config.devices, config.seed, config.faults)?;
    Ok(estate.devices.iter().map(Device::truth).collect())
}

/// The full estate (devices with serials, MACs and faults), for tests.
pub fn estate(config: &SimConfig) -> Result<Estate, SimError> {
    estate::layout(config.base, config.devices, config.seed, config.faults)
}

/// Serves the estate until `shutdown` resolves, then closes every socket.
pub async fn run(
    config: SimConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<Summary, SimError> {
    server::run(config, shutdown).await
}

/// Serves the estate on a runtime of its own until Ctrl-C or SIGTERM.
pub fn run_blocking(config: SimConfig) -> Result<Summary, SimError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let shutdown = async {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(_) => {
                        let _ = tokio::signal::ctrl_c().await;
                        return;
                    }
                };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        };
        run(config, shutdown).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_is_deterministic_and_covers_every_profile() {
        let cfg = SimConfig {
            devices: 300,
            faults: 0.2,
            ..SimConfig::default()
        };
        let a = plan(&cfg).unwrap();
        assert_eq!(a, plan(&cfg).unwrap());
        assert_eq!(a.len(), 300);
        let est = estate(&cfg).unwrap();
        for p in PROFILES {
            assert!(
                est.devices.iter().any(|d| d.profile.key == p.key),
                "{}",
                p.key
            );
        }
        let other = plan(&SimConfig {
            seed: 2,
            ..cfg.clone()
        })
        .unwrap();
        assert_ne!(a, other);
        // Faults are named, and none is given to an empty address.
        let faulted = a.iter().filter(|t| t.fault.is_some()).count();
        assert!(faulted > 20 && faulted < 100, "{faulted}");
        // MACs are unique.
        let mut macs: Vec<_> = a.iter().filter_map(|t| t.mac).collect();
        let n = macs.len();
        macs.sort();
        macs.dedup();
        assert_eq!(macs.len(), n);
    }

    #[test]
    fn a_full_slash_16_fits() {
        let cfg = SimConfig {
            devices: 65536,
            ..SimConfig::default()
        };
        let t = plan(&cfg).unwrap();
        assert_eq!(t.len(), 65536);
        assert_eq!(t[0].addr.to_string(), "127.77.0.0");
        assert!(
            plan(&SimConfig {
                devices: 65537,
                ..cfg
            })
            .is_err()
        );
    }
}
