//! A device whose ONVIF takes only PasswordText, served by the estate
//! simulator on loopback (services moved up by 20,000, so no root is
//! needed): the scanner sends it a digest and nothing more, unless the
//! credential says `allow_plaintext = true`, and then the PasswordText goes
//! over TLS only. Judged from the scanner's audit log and observations.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use camaudit_model::Observation;
use camaudit_probe::audit::{AuditEntry, MemoryAudit};
use camaudit_probe::{Audit, Keyring, ScanConfig, Scanner, TargetSet};
use camaudit_sim::{Accounts, Background, Family, SimConfig};

const OFFSET: u16 = 20_000;
const PASSWORD: &str = "plain-only-pw-5e1d";

fn scan(addr: Ipv4Addr, allow_plaintext: bool) -> (Vec<Observation>, Vec<AuditEntry>) {
    let text = format!(
        "[[credential]]\nuser = \"audit\"\npassword_env = \"X\"\ncidrs = [\"{addr}\"]\nallow_plaintext = {allow_plaintext}\n"
    );
    let keyring =
        Keyring::parse(&text, Path::new("t.toml"), |_| Some(PASSWORD.to_owned())).expect("keyring");
    let sink = Arc::new(MemoryAudit::default());
    let config = ScanConfig {
        ports: vec![80, 443],
        rate: 2_000,
        connect_timeout: Duration::from_secs(2),
        io_timeout: Duration::from_secs(5),
        udp: false,
        credentials: Some(Arc::new(keyring)),
        audit: Audit::new(sink.clone()),
        port_offset: OFFSET,
        ..ScanConfig::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let obs = rt.block_on(async move {
        let targets = Arc::new(TargetSet::parse(&[addr.to_string()], &[]).expect("targets"));
        let scanner = Arc::new(Scanner::new(config).expect("scanner"));
        let (tx, mut rx) = tokio::sync::mpsc::channel(4);
        let run = {
            let s = scanner.clone();
            tokio::spawn(async move { s.run(targets, HashSet::new(), tx).await })
        };
        let mut obs = Vec::new();
        while let Some(r) = rx.recv().await {
            obs.extend(r.observations);
        }
        run.await.expect("join").expect("scan");
        obs
    });
    (obs, sink.entries())
}

#[test]
fn password_text_goes_only_over_tls_and_only_when_allowed() {
    let base = format!("127.79.{}.0/24", 10 + std::process::id() % 200);
    let dir = std::env::temp_dir().join(format!("camaudit-ptext-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let mut config = SimConfig {
        devices: 30,
        base: base.parse().expect("cidr"),
        seed: 5,
        port_offset: OFFSET,
        ready_file: Some(dir.join("ready")),
        quiet: true,
        ..SimConfig::default()
    };
    let estate = camaudit_sim::estate(&config).expect("estate");
    let device = estate
        .devices
        .iter()
        .find(|d| {
            matches!(d.family(), Family::Hikvision | Family::Dahua | Family::Axis)
                && d.serves_tcp(80)
                && d.serves_tcp(443)
        })
        .expect("an ONVIF device with HTTP and HTTPS");
    let addr = device.addr;
    config.accounts = Accounts {
        username: "audit".into(),
        password: PASSWORD.into(),
        password_text_only: vec![addr],
    };
    let sim = Background::start(config, Duration::from_secs(30)).expect("simulator");
    let requests = |audit: &[AuditEntry]| -> Vec<(u16, String, String)> {
        audit
            .iter()
            .filter(|e| e.protocol == "onvif" && e.target == IpAddr::V4(addr))
            .map(|e| (e.port, e.request.clone(), e.outcome.clone()))
            .collect()
    };
    let model = |obs: &[Observation]| obs.iter().any(|o| o.field.as_str() == "onvif.model");

    // Digest only: refused, and nothing else is tried.
    let (obs, audit) = scan(addr, false);
    let sent = requests(&audit);
    let http = 80 + OFFSET;
    assert!(
        sent.contains(&(
            http,
            "onvif GetDeviceInformation (authenticated, PasswordDigest)".into(),
            "400".into()
        )),
        "{sent:?}"
    );
    assert!(
        !sent.iter().any(|(_, r, _)| r.contains("PasswordText")),
        "{sent:?}"
    );
    assert!(!model(&obs), "read without the password in the clear?");

    // allow_plaintext: one PasswordText request, over the TLS port.
    let (obs, audit) = scan(addr, true);
    let sent = requests(&audit);
    let text: Vec<_> = sent
        .iter()
        .filter(|(_, r, _)| r.contains("PasswordText"))
        .collect();
    assert_eq!(
        text,
        [&(
            443 + OFFSET,
            "onvif GetDeviceInformation (authenticated, PasswordText over TLS)".to_owned(),
            "200".to_owned()
        )],
        "{sent:?}"
    );
    assert!(model(&obs), "the device answered over TLS");
    drop(sim);
    let _ = std::fs::remove_dir_all(&dir);
}
