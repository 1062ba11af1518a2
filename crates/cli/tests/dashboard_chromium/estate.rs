//! The estate the walk runs on, built as an administrator and two sensors
//! would build it, with the real binary: two organisations of different
//! sectors and their sites, a token of every kind, a sensor of each
//! organisation pushing to `camaudit serve`, and a saved plan.
//!
//! - Harbridge Borough Council (a council, the example estate file's
//!   organisation): its town hall's sensor has two scans of the example
//!   council's devices (the first older, with two devices missing and one
//!   firmware older, so "what changed" has something to say), its depot's
//!   one scan of four devices; both are sent with `camaudit push --scan`.
//!   `camaudit plan --estate examples/estate.toml --save --org harbridge`
//!   plans from its sites' latest scans, on a budget that spreads the work
//!   over several quarters.
//! - Northshire Police (a police force): its headquarters' sensor runs
//!   `camaudit pcap --push` on a capture written by camaudit-pcapgen.

use std::path::{Path, PathBuf};

use camaudit_model::Device;
use camaudit_store::{NewScan, ScanKind, ScanStatus};
use time::macros::datetime;

use crate::api::Api;
use crate::common::{Serve, ok, token, token_file};

pub struct Site {
    pub id: i64,
    pub slug: &'static str,
    pub name: &'static str,
}

pub struct Org {
    pub id: i64,
    pub slug: &'static str,
    pub name: &'static str,
    pub sites: Vec<Site>,
}

pub struct Estate {
    pub serve: Serve,
    pub viewer_a: String,
    pub viewer_b: String,
    pub admin: String,
    pub a: Org,
    pub b: Org,
    /// The saved plan's id for organisation A.
    pub plan_a: i64,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const A: (&str, &str, &str) = ("harbridge", "Harbridge Borough Council", "council");
const A_SITES: [(&str, &str); 2] = [
    ("town-hall", "Harbridge Town Hall"),
    ("depot", "Harbridge Depot"),
];
const B: (&str, &str, &str) = ("northshire", "Northshire Police", "police");
const B_SITES: [(&str, &str); 1] = [("northshire-hq", "Northshire Police Headquarters")];

/// The secrets `camaudit token create` printed.
struct Tokens {
    sensor_a: String,
    sensor_b: String,
    viewer_a: String,
    viewer_b: String,
    admin: String,
}

pub fn build(dir: &Path) -> Estate {
    let tokens = administer(dir);
    let a_file = token_file(dir, "sensor-a-token", &tokens.sensor_a);
    let b_file = token_file(dir, "sensor-b-token", &tokens.sensor_b);
    let serve = Serve::start(dir);
    sensor_a_scans(dir);
    for (scan, site) in [("1", "town-hall"), ("2", "town-hall"), ("3", "depot")] {
        push(dir, &serve.url, &a_file, scan, site);
    }
    sensor_b_capture(dir, &serve.url, &b_file);

    let api = Api::new(&serve.url, &tokens.admin);
    let a = org(&api, A, &A_SITES);
    let b = org(&api, B, &B_SITES);
    let plan_a = save_plan(dir, &api, &a);
    Estate {
        serve,
        viewer_a: tokens.viewer_a,
        viewer_b: tokens.viewer_b,
        admin: tokens.admin,
        a,
        b,
        plan_a,
    }
}

/// What an administrator does first: the organisations, their sites and
/// everyone's tokens, in `estate.db`.
fn administer(dir: &Path) -> Tokens {
    for (slug, name, sector) in [A, B] {
        ok(
            dir,
            &[
                "org",
                "add",
                slug,
                "--name",
                name,
                "--sector",
                sector,
                "--db",
                "estate.db",
            ],
        );
    }
    for (org, sites) in [(A.0, &A_SITES[..]), (B.0, &B_SITES[..])] {
        for (slug, name) in sites {
            let place = format!("{org}/{slug}");
            ok(
                dir,
                &["site", "add", &place, "--name", name, "--db", "estate.db"],
            );
        }
    }
    Tokens {
        sensor_a: token(
            dir,
            &[
                "--scope",
                "sensor",
                "--org",
                A.0,
                "--site",
                "town-hall",
                "--site",
                "depot",
            ],
        ),
        sensor_b: token(
            dir,
            &["--scope", "sensor", "--org", B.0, "--site", "northshire-hq"],
        ),
        viewer_a: token(
            dir,
            &["--scope", "viewer", "--org", A.0, "--label", "alice"],
        ),
        viewer_b: token(dir, &["--scope", "viewer", "--org", B.0, "--label", "bob"]),
        admin: token(dir, &["--scope", "admin", "--label", "ops"]),
    }
}

/// `camaudit plan --save --org` for organisation A, which plans from its
/// own sites' latest scans; the saved plan's id.
fn save_plan(dir: &Path, api: &Api, a: &Org) -> i64 {
    let estate_file = root().join("examples/estate.toml");
    let said = ok(
        dir,
        &[
            "plan",
            "--estate",
            estate_file.to_str().unwrap(),
            "--db",
            "estate.db",
            "--from",
            "2027-01-01",
            // Less than the estate file's budget, so the work spreads over
            // several quarters and the plan's charts have a shape.
            "--budget-per-quarter",
            "2500",
            "--save",
            "--org",
            a.slug,
            "--quiet",
        ],
    );
    let plans = api.get(&format!("/api/v1/plans?org={}", a.id));
    plans["items"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("plan --save stored a plan ({said}): {plans}"))
}

/// The organisation `slug` and its sites, with the ids the server gave.
fn org(
    api: &Api,
    (slug, name, _): (&'static str, &'static str, &str),
    sites: &[(&'static str, &'static str)],
) -> Org {
    let orgs = api.get("/api/v1/organisations");
    let id = orgs["items"]
        .as_array()
        .and_then(|all| all.iter().find(|o| o["slug"] == slug))
        .and_then(|o| o["id"].as_i64())
        .unwrap_or_else(|| panic!("{slug} is among {orgs}"));
    let listed = api.get(&format!("/api/v1/sites?org={id}"));
    let sites = sites
        .iter()
        .map(|&(site, site_name)| Site {
            id: listed["items"]
                .as_array()
                .and_then(|all| all.iter().find(|s| s["slug"] == site))
                .and_then(|s| s["id"].as_i64())
                .unwrap_or_else(|| panic!("{site} is among {listed}")),
            slug: site,
            name: site_name,
        })
        .collect();
    Org {
        id,
        slug,
        name,
        sites,
    }
}

/// The example council's devices as the town hall's sensor saw them twice
/// and the depot's once, in the sensor's own store `sensor-a.db`.
fn sensor_a_scans(dir: &Path) {
    let text = std::fs::read_to_string(root().join("examples/council-devices.jsonl")).unwrap();
    let all: Vec<Device> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut earlier = all[..all.len() - 2].to_vec();
    if let Some(d) = earlier.iter_mut().find(|d| d.firmware.is_some()) {
        d.firmware = Some("V1.0.0 build 200101".to_owned());
    }
    let location = dir.join("sensor-a.db").to_str().unwrap().parse().unwrap();
    let mut store = camaudit_store::open(&location).unwrap();
    let scans = [
        (datetime!(2026-11-16 09:00 UTC), earlier),
        (datetime!(2026-11-30 09:00 UTC), all.clone()),
        (datetime!(2026-11-30 10:00 UTC), all[..4].to_vec()),
    ];
    for (at, devices) in scans {
        let id = store
            .create_scan(&NewScan {
                kind: ScanKind::Import,
                started_at: at,
                targets: vec!["examples/council-devices.jsonl".into()],
                exclude: vec![],
                params: serde_json::json!({}),
                total_addresses: 0,
                chunk_size: 0,
                chunks_total: 0,
            })
            .unwrap();
        store.set_devices(id, &devices).unwrap();
        store
            .set_status(id, ScanStatus::Complete, at + time::Duration::minutes(5))
            .unwrap();
    }
}

fn push(dir: &Path, url: &str, token_file: &Path, scan: &str, site: &str) {
    ok(
        dir,
        &[
            "push",
            "--to",
            url,
            "--scan",
            scan,
            "--site",
            site,
            "--db",
            "sensor-a.db",
            "--token-file",
            token_file.to_str().unwrap(),
        ],
    );
}

/// A capture of a simulated site's cameras, read by `camaudit pcap` at the
/// headquarters and pushed as it is read.
fn sensor_b_capture(dir: &Path, url: &str, token_file: &Path) {
    let capture = dir.join("headquarters.pcap");
    let settings = camaudit_pcapgen::Settings {
        seed: 11,
        devices: 24,
        ..camaudit_pcapgen::Settings::default()
    };
    let file = std::fs::File::create(&capture).unwrap();
    let (_, _, written) =
        camaudit_pcapgen::write_capture(&settings, std::io::BufWriter::new(file)).unwrap();
    written.into_inner().expect("the capture is written");
    ok(
        dir,
        &[
            "pcap",
            capture.to_str().unwrap(),
            "--db",
            "sensor-b.db",
            "--quiet",
            "--format",
            "json",
            "--push",
            url,
            "--site",
            "northshire-hq",
            "--token-file",
            token_file.to_str().unwrap(),
        ],
    );
}

/// What would give `org` away on another organisation's page: its name,
/// slug, and its sites' names and slugs.
pub fn names_of(org: &Org) -> Vec<&'static str> {
    let mut names = vec![org.name, org.slug];
    for s in &org.sites {
        names.push(s.name);
        names.push(s.slug);
    }
    names
}
