//! `camaudit plan --save --org ORG --db …`: the plan made from the store's
//! latest scan is stored for the organisation, and what is stored is what
//! `plan --format json` writes (its findings, and the rest as the plan), on
//! SQLite and on a real PostgreSQL server.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use camaudit_model::Device;
use camaudit_store::{Location, NewScan, ScanKind, ScanStatus};
use serde_json::Value;
use time::macros::datetime;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn camaudit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("camaudit runs")
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("camaudit-plansave-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The example council's devices as one finished scan of the store.
fn store_with_a_scan(db: &Location) {
    let text = std::fs::read_to_string(root().join("examples/council-devices.jsonl")).unwrap();
    let devices: Vec<Device> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut store = camaudit_store::open(db).unwrap();
    let id = store
        .create_scan(&NewScan {
            kind: ScanKind::Import,
            started_at: datetime!(2026-11-30 09:00 UTC),
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
        .set_status(id, ScanStatus::Complete, datetime!(2026-11-30 09:05 UTC))
        .unwrap();
}

fn ok(args: &[&str]) -> (String, String) {
    let o = camaudit(args);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "camaudit {args:?}: {err}");
    (out, err)
}

fn saved_plan_is_the_json_plan(db: &str) {
    let location: Location = db.parse().unwrap();
    store_with_a_scan(&location);
    let plan = [
        "plan",
        "--estate",
        "examples/estate.toml",
        "--db",
        db,
        "--from",
        "2027-01-01",
    ];

    // Saving needs the organisation in the estate store.
    let mut unknown = plan.to_vec();
    unknown.extend(["--save", "--org", "harbridge"]);
    let o = camaudit(&unknown);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("camaudit org add harbridge"), "{err}");

    ok(&[
        "org",
        "add",
        "harbridge",
        "--name",
        "Harbridge Borough Council",
        "--sector",
        "council",
        "--db",
        db,
    ]);
    let mut json_args = plan.to_vec();
    json_args.extend(["--format", "json"]);
    let (printed, _) = ok(&json_args);
    let mut save_args = json_args.clone();
    save_args.extend(["--save", "--org", "harbridge"]);
    let (printed_when_saving, said) = ok(&save_args);
    assert_eq!(
        printed_when_saving, printed,
        "saving changes nothing printed"
    );
    assert!(said.contains("saved plan 1 for harbridge"), "{said}");

    let printed: Value = serde_json::from_str(&printed).unwrap();
    let findings = &printed["findings"];
    assert!(
        findings.as_array().is_some_and(|f| !f.is_empty()),
        "the example has findings"
    );
    let store = camaudit_store::open_estate(&location).unwrap();
    let org = store
        .organisation_by_slug(&"harbridge".parse().unwrap())
        .unwrap()
        .unwrap();
    let plans = store.plans(org.id).unwrap();
    assert_eq!(plans.len(), 1);
    let stored = &plans[0];
    assert_eq!(&stored.findings, findings);
    let mut rest = printed.clone();
    rest.as_object_mut().unwrap().remove("findings");
    assert_eq!(stored.plan, rest);
    assert!(
        stored.plan["plan"]["optimised"].is_object(),
        "the schedule is in it"
    );
    // The board report of the plan is in it, as `camaudit report` makes it
    // from the same store, estate and day.
    let board: camaudit_report::BoardReport =
        serde_json::from_value(stored.plan["board"].clone()).expect("a board report");
    let (report, _) = ok(&[
        "report",
        "--estate",
        "examples/estate.toml",
        "--db",
        db,
        "--from",
        "2027-01-01",
        "--format",
        "json",
        "--quiet",
    ]);
    let report: camaudit_report::BoardReport = serde_json::from_str(&report).unwrap();
    assert_eq!(board, report);
    assert!(
        board.overview.covered_devices > 0,
        "the example has covered devices"
    );
    assert_eq!(store.plan(stored.id).unwrap().as_ref(), Some(stored));
    drop(store);

    // A table run saves too, and the newest plan comes first.
    let mut table_save = plan.to_vec();
    table_save.extend(["--save", "--org", "harbridge", "--quiet"]);
    let (_, said) = ok(&table_save);
    assert!(said.contains("saved plan 2 for harbridge"), "{said}");
    let store = camaudit_store::open_estate(&location).unwrap();
    let plans = store.plans(org.id).unwrap();
    assert_eq!(plans.iter().map(|p| p.id.0).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(plans[0].findings, plans[1].findings);
}

#[test]
fn a_saved_plan_is_the_json_plan_on_sqlite() {
    let dir = temp("sqlite");
    saved_plan_is_the_json_plan(dir.join("estate.db").to_str().unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_saved_plan_is_the_json_plan_on_postgres() {
    let Some(cluster) = camaudit_testkit::postgres::cluster() else {
        return;
    };
    saved_plan_is_the_json_plan(&cluster.create_database("plansave"));
}

#[test]
fn save_needs_a_store_and_an_organisation() {
    let base = [
        "plan",
        "--estate",
        "examples/estate.toml",
        "--from",
        "2027-01-01",
    ];
    for extra in [
        &[
            "--devices",
            "examples/council-devices.jsonl",
            "--save",
            "--org",
            "x",
        ][..],
        &["--db", "x.db", "--save"],
        &["--db", "x.db", "--org", "x"],
    ] {
        let mut args = base.to_vec();
        args.extend(extra);
        let o = camaudit(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("required") || err.contains("cannot be used"),
            "{args:?}: {err}"
        );
    }
}

/// Two organisations' sensors in one estate store: each organisation's
/// saved plan is made from its own sites' latest scans, even when the
/// store's newest scan is another organisation's.
#[test]
fn a_saved_plan_reads_only_its_organisations_sites() {
    use camaudit_store::{BatchId, NewOrganisation, NewSite, Sector, SensorBatch};
    let dir = temp("two-orgs");
    let db = dir.join("estate.db");
    let db_text = db.to_str().unwrap();
    let location = Location::Sqlite(db.clone());
    let text = std::fs::read_to_string(root().join("examples/council-devices.jsonl")).unwrap();
    let devices: Vec<Device> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut store = camaudit_store::open_estate(&location).unwrap();
    let t0 = datetime!(2026-11-30 09:00 UTC);
    let mut seed = |slug: &str, devices: &[Device], hours: i64| {
        let org = store
            .create_organisation(&NewOrganisation {
                slug: slug.parse().unwrap(),
                name: slug.to_owned(),
                sector: Sector::Council,
                created_at: t0,
            })
            .unwrap();
        let site = store
            .create_site(&NewSite {
                org,
                slug: "town-hall".parse().unwrap(),
                name: "Town Hall".into(),
                created_at: t0,
            })
            .unwrap();
        let started = t0 + time::Duration::hours(hours);
        store
            .ingest_batch(
                &SensorBatch {
                    id: format!("{slug}-1").parse::<BatchId>().unwrap(),
                    site,
                    scan_ref: format!("{slug}/1"),
                    kind: ScanKind::Scan,
                    started_at: started,
                    finished_at: Some(started + time::Duration::minutes(5)),
                    params: serde_json::json!({}),
                    observations: vec![],
                    devices: devices.to_vec(),
                },
                started,
            )
            .unwrap();
    };
    seed("harbridge", &devices, 0);
    // The other organisation's scan is the store's newest.
    seed("york", &devices[..3], 1);
    drop(store);
    let planned = |org: &str| {
        let (out, _) = ok(&[
            "plan",
            "--estate",
            "examples/estate.toml",
            "--db",
            db_text,
            "--from",
            "2027-01-01",
            "--format",
            "json",
            "--save",
            "--org",
            org,
            "--quiet",
        ]);
        let doc: Value = serde_json::from_str(&out).unwrap();
        doc["board"]["overview"]["devices"].as_u64().unwrap()
    };
    assert_eq!(planned("harbridge"), devices.len() as u64);
    assert_eq!(planned("york"), 3);
    let _ = std::fs::remove_dir_all(&dir);
}
