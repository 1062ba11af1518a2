//! Shared listeners inside a network namespace the test makes (and deletes):
//! one socket per port serves every device, dispatched by local address.
//! Needs root and `ip`; skipped with a message otherwise.

mod common;

use std::process::Command;

use common::{ip, run, slug, text};

struct Netns(String);

impl Netns {
    fn create() -> Option<Netns> {
        let name = format!("camsim-test-{}", std::process::id());
        let ok = Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            common::skip("cannot create a network namespace (needs root and iproute2)");
            return None;
        }
        let ns = Netns(name);
        let up = Command::new("ip")
            .args(["-n", &ns.0, "link", "set", "lo", "up"])
            .status();
        assert!(up.map(|s| s.success()).unwrap_or(false));
        Some(ns)
    }

    fn exec(&self, cmd: &[&str]) -> Option<std::process::Output> {
        let mut args = vec!["netns", "exec", self.0.as_str()];
        args.extend_from_slice(cmd);
        run("ip", &args)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "delete", &self.0])
            .status();
    }
}

#[test]
fn shared_listeners_in_a_namespace_serve_every_device() {
    let Some(ns) = Netns::create() else { return };
    let name = ns.0.clone();
    let est = common::start_with(|c| {
        c.devices = 600;
        // Not 127.77/16: the demo and benchmarks serve that in the host
        // namespace, which the leak check below would mistake for a leak.
        c.base = "127.79.0.0/16".parse().expect("cidr");
        c.netns = Some(name.clone());
        c.bind = camaudit_sim::BindPolicy::Shared;
    });
    let hik = est.find(|t| slug(&t.label_vendor) == "hikvision" && t.open_ports.contains(&8000));
    let out = ns
        .exec(&[
            "curl",
            "-s",
            "-i",
            "--max-time",
            "10",
            &format!("http://{}/", ip(hik)),
        ])
        .map(|o| text(&o))
        .unwrap_or_default();
    assert!(
        out.contains("Server:") && out.contains("/doc/page/login.asp"),
        "{out}"
    );
    // Dispatch by local address: every device answers as itself.
    for t in est
        .truth
        .iter()
        .filter(|t| slug(&t.manufacturer) == "dahua")
        .take(5)
    {
        let body = ns
            .exec(&[
                "curl",
                "-s",
                "--max-time",
                "10",
                "-X",
                "POST",
                "--data",
                "{\"id\":1}",
                &format!("http://{}/RPC2_Login", ip(t)),
            ])
            .map(|o| text(&o))
            .unwrap_or_default();
        let mac = t
            .mac
            .map(|m| m.0.iter().map(|b| format!("{b:02X}")).collect::<String>())
            .unwrap_or_default();
        assert!(body.contains(&mac), "{}: {body}", t.addr);
    }
    // A port the device does not serve is reset at once, and an empty
    // address answers nothing.
    let axis = est.find(|t| slug(&t.manufacturer) == "axis");
    let closed = ns
        .exec(&[
            "curl",
            "-s",
            "--max-time",
            "10",
            &format!("http://{}:8000/", ip(axis)),
        ])
        .expect("curl");
    assert_ne!(closed.status.code(), Some(0));
    let empty = est.find(|t| t.role == camaudit_model::TruthRole::Empty);
    let none = ns
        .exec(&[
            "curl",
            "-s",
            "--max-time",
            "10",
            &format!("http://{}/", ip(empty)),
        ])
        .expect("curl");
    assert_ne!(none.status.code(), Some(0));
    // Nothing of the estate is reachable from the host namespace.
    let host = run(
        "curl",
        &["-s", "--max-time", "5", &format!("http://{}/", ip(hik))],
    )
    .expect("curl");
    assert_ne!(
        host.status.code(),
        Some(0),
        "the estate leaked out of its namespace"
    );
    drop(est);
}
