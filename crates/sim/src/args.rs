//! The simulator's command-line arguments, for the binaries that run it
//! (`camaudit-sim`, `camaudit sim`): clap's view of [`SimConfig`], behind
//! the `args` feature so the library builds without clap. Defaults come from
//! [`SimConfig::default`], so the two cannot drift apart.

use std::path::PathBuf;

use crate::config::{Accounts, BindPolicy, Cidr, SimConfig};

/// Everything `camaudit sim` takes; flatten it into a binary's arguments
/// and turn it into a [`SimConfig`] with `into()`.
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Number of devices (1 to 65,536).
    #[arg(long, default_value_t = SimConfig::default().devices)]
    pub devices: u32,
    /// Network the devices live on; must lie in 127.0.0.0/8 unless --netns.
    #[arg(long = "base", default_value_t = SimConfig::default().base)]
    pub base: Cidr,
    /// Seed of the estate's mix: the same seed gives the same estate.
    #[arg(long, default_value_t = SimConfig::default().seed)]
    pub seed: u64,
    /// Share (0–1) of devices that are hostile or broken.
    #[arg(long, default_value_t = SimConfig::default().faults)]
    pub faults: f64,
    /// Write the answer key here, one JSON line per device.
    #[arg(long)]
    pub truth: Option<PathBuf>,
    /// Write this file once every device listens (removed on exit).
    #[arg(long)]
    pub ready_file: Option<PathBuf>,
    /// Enter this network namespace (made by the caller, /var/run/netns/NAME)
    /// before creating any socket.
    #[arg(long)]
    pub netns: Option<String>,
    /// Socket layout.
    #[arg(long = "bind", value_enum, default_value_t = SimConfig::default().bind.into())]
    pub bind: BindArg,
    /// Offset added to every well-known port (0 serves 80, 554, 8000 …;
    /// 10000 serves 10080, 10554 …), for running without privileges.
    #[arg(long, default_value_t = SimConfig::default().port_offset)]
    pub port_offset: u16,
    /// Answer multicast discovery (SADP, WS-Discovery, DHIP): join the
    /// groups on `--multicast-interface` (default `lo`).
    #[arg(long, default_value_t = false)]
    pub multicast: bool,
    /// The interface the discovery groups are joined on, e.g. the veth a
    /// scanner reaches the namespace through (default `lo`, which needs
    /// the MULTICAST flag: `ip link set lo multicast on`).
    #[arg(long, requires = "multicast")]
    pub multicast_interface: Option<String>,
    /// Print nothing but errors (the ready line still goes to --ready-file).
    #[arg(long, default_value_t = false)]
    pub quiet: bool,
    /// The user name every device accepts.
    #[arg(long, default_value_t = Accounts::default().username)]
    pub username: String,
    /// Read the password every device accepts from this environment
    /// variable (the built-in lab password when unset).
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// ONVIF on the device at this address takes only a PasswordText token
    /// and refuses every digest (repeatable): a test for scanners.
    #[arg(long, value_name = "ADDR")]
    pub onvif_password_text_only: Vec<std::net::Ipv4Addr>,
}

/// `--bind`: the values of [`BindPolicy`] as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BindArg {
    /// Per-address when the file-descriptor limit allows, else shared.
    Auto,
    /// One socket per device and port, bound to the device's own address.
    PerAddress,
    /// One socket per port for the whole estate, dispatched by the local
    /// address of each connection or datagram. In the host namespace the
    /// socket is bound to the `lo` device (`SO_BINDTODEVICE`), so only this
    /// host can reach it; inside `--netns` it serves the namespace.
    Shared,
}

impl From<BindPolicy> for BindArg {
    fn from(p: BindPolicy) -> Self {
        match p {
            BindPolicy::Auto => BindArg::Auto,
            BindPolicy::PerAddress => BindArg::PerAddress,
            BindPolicy::Shared => BindArg::Shared,
        }
    }
}

impl From<BindArg> for BindPolicy {
    fn from(a: BindArg) -> Self {
        match a {
            BindArg::Auto => BindPolicy::Auto,
            BindArg::PerAddress => BindPolicy::PerAddress,
            BindArg::Shared => BindPolicy::Shared,
        }
    }
}

impl From<SimArgs> for SimConfig {
    fn from(a: SimArgs) -> Self {
        SimConfig {
            devices: a.devices,
            base: a.base,
            seed: a.seed,
            faults: a.faults,
            truth: a.truth,
            ready_file: a.ready_file,
            netns: a.netns,
            bind: a.bind.into(),
            port_offset: a.port_offset,
            multicast: a.multicast,
            multicast_interface: a.multicast_interface,
            quiet: a.quiet,
            accounts: Accounts {
                username: a.username,
                password: a
                    .password_env
                    .and_then(|v| std::env::var(v).ok())
                    .unwrap_or_else(|| Accounts::default().password),
                password_text_only: a.onvif_password_text_only,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        sim: SimArgs,
    }

    fn parse(args: &[&str]) -> Result<SimConfig, clap::Error> {
        Cli::try_parse_from(std::iter::once("sim").chain(args.iter().copied()))
            .map(|c| c.sim.into())
    }

    #[test]
    fn no_arguments_give_the_library_defaults() {
        assert_eq!(parse(&[]).unwrap(), SimConfig::default());
    }

    #[test]
    fn every_argument_reaches_the_config() {
        let c = parse(&[
            "--devices=7",
            "--base=127.9.1.0/24",
            "--seed=3",
            "--faults=0.5",
            "--truth=t.jsonl",
            "--ready-file=r",
            "--netns=ns",
            "--bind=per-address",
            "--port-offset=20000",
            "--multicast",
            "--multicast-interface=veth0",
            "--quiet",
            "--username=audit",
            "--onvif-password-text-only=127.9.1.5",
        ])
        .unwrap();
        let want = SimConfig {
            devices: 7,
            base: "127.9.1.0/24".parse().unwrap(),
            seed: 3,
            faults: 0.5,
            truth: Some("t.jsonl".into()),
            ready_file: Some("r".into()),
            netns: Some("ns".into()),
            bind: BindPolicy::PerAddress,
            port_offset: 20000,
            multicast: true,
            multicast_interface: Some("veth0".into()),
            quiet: true,
            accounts: Accounts {
                username: "audit".into(),
                password_text_only: vec![std::net::Ipv4Addr::new(127, 9, 1, 5)],
                ..Accounts::default()
            },
        };
        assert_eq!(c, want);
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(parse(&["--bind=bogus"]).is_err());
        assert!(parse(&["--base=10.0.0.0/33"]).is_err());
        assert!(
            parse(&["--multicast-interface=lo"]).is_err(),
            "requires --multicast"
        );
    }
}
