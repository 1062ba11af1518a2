//! `camaudit org`, `site` and `token` through the binary, on a real store:
//! a token's secret is printed once and never stored (only its hash, which
//! `camaudit_auth::authenticate` finds), revocation and expiry take, and
//! bad names fail with what to do next. The flow runs on SQLite and on a
//! PostgreSQL server the test starts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use camaudit_auth::{AuthError, authenticate};
use camaudit_store::{Location, ScanKind, SensorBatch, TokenScope};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("camaudit-admin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Run {
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
    }
}

/// Runs `args` with `--db db`, expecting success; its standard output.
fn ok(dir: &Path, db: &str, args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.extend(["--db", db]);
    let r = run(dir, &all);
    assert_eq!(r.code, Some(0), "camaudit {all:?}: {}", r.stderr);
    r.stdout
}

/// Runs `args` with `--db db`, expecting exit 1 and one error line that
/// says `says`.
fn refused(dir: &Path, db: &str, args: &[&str], says: &str) {
    let mut all = args.to_vec();
    all.extend(["--db", db]);
    let r = run(dir, &all);
    assert_eq!(
        r.code,
        Some(1),
        "camaudit {all:?}: {}{}",
        r.stdout,
        r.stderr
    );
    assert!(
        r.stderr.contains(says),
        "camaudit {all:?} should say {says:?}: {}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn time(v: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(v.as_str().unwrap(), &Rfc3339).unwrap()
}

/// The whole administration flow on the store `db` names.
fn flow(dir: &Path, db: &str) {
    let location: Location = db.parse().unwrap();
    ok(
        dir,
        db,
        &[
            "org",
            "add",
            "leeds",
            "--name",
            "Leeds City Council",
            "--sector",
            "council",
        ],
    );
    ok(
        dir,
        db,
        &[
            "org",
            "add",
            "york",
            "--name",
            "City of York",
            "--sector",
            "police",
        ],
    );
    ok(
        dir,
        db,
        &[
            "site",
            "add",
            "leeds/civic-centre",
            "--name",
            "Civic Centre",
        ],
    );
    ok(
        dir,
        db,
        &[
            "site",
            "add",
            "depot",
            "--org",
            "leeds",
            "--name",
            "Highways Depot",
        ],
    );
    ok(
        dir,
        db,
        &["site", "add", "york/minster", "--name", "Minster Yard"],
    );

    let orgs = json(&ok(dir, db, &["org", "list", "--format", "json"]));
    let counts: Vec<(&str, &str, u64)> = orgs
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["slug"].as_str().unwrap(),
                o["sector"].as_str().unwrap(),
                o["sites"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(counts, [("leeds", "council", 2), ("york", "police", 1)]);
    let leeds_sites = ok(
        dir,
        db,
        &["site", "list", "--org", "leeds", "--format", "csv"],
    );
    let lines: Vec<&str> = leeds_sites.lines().collect();
    assert_eq!(lines[0], "id,org,slug,name,created_at,last_report_at");
    assert_eq!(lines.len(), 3, "{leeds_sites}");
    assert!(lines[1].contains(",leeds,civic-centre,Civic Centre,"));
    assert!(
        lines[1].ends_with(','),
        "never reported: empty last_report_at"
    );

    // A sensor token: the secret comes once, on stdout, alone.
    let mut args = vec!["token", "create", "--scope", "sensor", "--org", "leeds"];
    args.extend([
        "--site",
        "civic-centre",
        "--label",
        "civic sensor",
        "--expires",
        "90d",
    ]);
    let mut all = args.clone();
    all.extend(["--db", db]);
    let made = run(dir, &all);
    assert_eq!(made.code, Some(0), "{}", made.stderr);
    let secret = made.stdout.trim().to_owned();
    assert_eq!(made.stdout, format!("{secret}\n"));
    assert!(secret.starts_with("cam_") && secret.len() == 47, "{secret}");
    assert!(made.stderr.contains("shown this once"), "{}", made.stderr);

    // The secret is nowhere in what the store or the list shows.
    let listed = ok(dir, db, &["token", "list", "--format", "json"]);
    assert!(
        !listed.contains(&secret[12..]),
        "token list shows the secret"
    );
    if let Location::Sqlite(path) = &location {
        let file = std::fs::read(path).unwrap();
        let text = String::from_utf8_lossy(&file);
        assert!(
            !text.contains(&secret[12..]),
            "the store file holds the secret"
        );
    }
    let tokens = json(&listed);
    let t = &tokens[0];
    assert_eq!(t["prefix"].as_str(), Some(&secret[..12]));
    assert_eq!(
        (t["scope"].as_str(), t["org"].as_str()),
        (Some("sensor"), Some("leeds"))
    );
    assert_eq!(t["sites"], serde_json::json!(["civic-centre"]));
    assert_eq!(t["state"], "valid");
    assert_eq!(
        time(&t["expires_at"]) - time(&t["created_at"]),
        time::Duration::days(90)
    );

    // The server's check finds it by hash, with the sites it was issued for.
    let header = format!("Bearer {secret}");
    let store = camaudit_store::open_estate(&location).unwrap();
    let now = OffsetDateTime::now_utc();
    let token = authenticate(&*store, Some(&header), now).unwrap();
    let civic = store
        .site_by_slug(
            store
                .organisation_by_slug(&"leeds".parse().unwrap())
                .unwrap()
                .unwrap()
                .id,
            &"civic-centre".parse().unwrap(),
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        token.scope,
        TokenScope::Sensor {
            org: civic.org,
            sites: vec![civic.id]
        }
    );

    // A batch for the site shows as its last report time.
    let mut store = store;
    let reported = time::macros::datetime!(2026-11-30 10:15:00 UTC);
    let batch = SensorBatch {
        id: "civic-1".parse().unwrap(),
        site: civic.id,
        scan_ref: "sensor-a/1".into(),
        kind: ScanKind::Scan,
        started_at: reported,
        finished_at: Some(reported),
        params: serde_json::json!({}),
        observations: vec![],
        devices: vec![],
    };
    store.ingest_batch(&batch, reported).unwrap();
    drop(store);
    let sites = json(&ok(dir, db, &["site", "list", "--format", "json"]));
    let last: Vec<(&str, &Value)> = sites
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["slug"].as_str().unwrap(), &s["last_report_at"]))
        .collect();
    let at = Value::from("2026-11-30T10:15:00Z");
    assert_eq!(
        last,
        [
            ("civic-centre", &at),
            ("depot", &Value::Null),
            ("minster", &Value::Null)
        ]
    );

    // Viewer and admin tokens, as JSON for machines (the secret included).
    let viewer = json(&ok(
        dir,
        db,
        &[
            "token", "create", "--scope", "viewer", "--org", "york", "--format", "json",
        ],
    ));
    assert_eq!(viewer["scope"], "viewer");
    assert_eq!(viewer["org"], "york");
    let viewer_secret = viewer["secret"].as_str().unwrap().to_owned();
    let admin = json(&ok(
        dir,
        db,
        &["token", "create", "--scope", "admin", "--format", "json"],
    ));
    assert_eq!(
        (admin["scope"].as_str(), &admin["org"]),
        (Some("admin"), &Value::Null)
    );

    // Revoked: refused by the server's check, and listed as such.
    let id = t["id"].to_string();
    ok(dir, db, &["token", "revoke", &id]);
    let again = ok(dir, db, &["token", "revoke", &id]);
    assert!(again.is_empty());
    let store = camaudit_store::open_estate(&location).unwrap();
    let now = OffsetDateTime::now_utc();
    assert!(matches!(
        authenticate(&*store, Some(&header), now),
        Err(AuthError::Revoked { .. })
    ));
    // Revoking one token leaves the others working.
    assert!(authenticate(&*store, Some(&format!("Bearer {viewer_secret}")), now).is_ok());
    drop(store);
    let table = ok(dir, db, &["token", "list"]);
    let row = table.lines().nth(1).unwrap();
    assert!(
        row.starts_with(&format!("{id} ")) && row.ends_with("revoked"),
        "{table}"
    );

    // Mistakes: each one line that says what to do next.
    refused(
        dir,
        db,
        &[
            "org", "add", "leeds", "--name", "Again", "--sector", "council",
        ],
        "already exists",
    );
    refused(
        dir,
        db,
        &["site", "add", "leeds/depot", "--name", "Again"],
        "already has a site depot",
    );
    refused(
        dir,
        db,
        &["site", "add", "bradford/depot", "--name", "x"],
        "create it with `camaudit org add bradford",
    );
    refused(
        dir,
        db,
        &["site", "add", "depot", "--name", "x"],
        "add --org ORG",
    );
    refused(
        dir,
        db,
        &["site", "list", "--org", "bradford"],
        "camaudit org add bradford",
    );
    refused(
        dir,
        db,
        &["token", "create", "--scope", "sensor", "--org", "leeds"],
        "add --site SITE",
    );
    // York's site is not Leeds's: a sensor token cannot reach across.
    refused(
        dir,
        db,
        &[
            "token", "create", "--scope", "sensor", "--org", "leeds", "--site", "minster",
        ],
        "no site \"minster\" in organisation leeds",
    );
    refused(
        dir,
        db,
        &["token", "create", "--scope", "viewer"],
        "add --org ORG",
    );
    refused(
        dir,
        db,
        &["token", "create", "--scope", "admin", "--org", "leeds"],
        "drop --org",
    );
    refused(
        dir,
        db,
        &[
            "token",
            "create",
            "--scope",
            "viewer",
            "--org",
            "york",
            "--expires",
            "2020-01-01",
        ],
        "already past",
    );
    refused(
        dir,
        db,
        &["token", "revoke", "999"],
        "`camaudit token list` shows",
    );
    let count = json(&ok(dir, db, &["token", "list", "--format", "json"]));
    assert_eq!(
        count.as_array().unwrap().len(),
        3,
        "a refused create stored nothing"
    );
}

#[test]
fn administration_on_sqlite() {
    let dir = temp_dir("sqlite");
    flow(&dir, dir.join("estate.db").to_str().unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn administration_on_postgres() {
    let Some(cluster) = camaudit_testkit::postgres::cluster() else {
        return;
    };
    let url = cluster.create_database("admin");
    let dir = temp_dir("postgres");
    flow(&dir, &url);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_store_is_not_made_by_a_list_or_a_site() {
    let dir = temp_dir("missing");
    for args in [
        &["org", "list"][..],
        &["site", "list"],
        &["token", "list"],
        &["site", "add", "leeds/x", "--name", "X"],
        &["token", "create", "--scope", "viewer", "--org", "leeds"],
        &["token", "revoke", "1"],
    ] {
        refused(&dir, "nowhere.db", args, "no store at nowhere.db");
        assert!(!dir.join("nowhere.db").exists(), "{args:?} made the store");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_values_are_refused_by_the_flags() {
    let dir = temp_dir("flags");
    for (args, says) in [
        (
            &["org", "add", "Leeds", "--name", "x", "--sector", "council"][..],
            "not a valid name",
        ),
        (
            &["org", "add", "leeds", "--name", " ", "--sector", "council"],
            "give a name",
        ),
        (
            &["org", "add", "leeds", "--name", "x", "--sector", "charity"],
            "possible values: council, school, nhs-trust, police, department, other",
        ),
        (
            &["token", "create", "--scope", "root"],
            "possible values: sensor, viewer, admin",
        ),
        (
            &["token", "create", "--scope", "admin", "--expires", "soon"],
            "neither a number of days",
        ),
        (
            &["token", "create", "--scope", "admin", "--expires", "0d"],
            "give 1d to 3660d",
        ),
    ] {
        let r = run(&dir, args);
        assert_eq!(r.code, Some(2), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
    }
    assert!(!dir.join("camaudit.db").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_has_examples_and_is_unchanged() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/help");
    for command in [
        "org",
        "org add",
        "org list",
        "site",
        "site add",
        "site list",
        "token",
        "token create",
        "token list",
        "token revoke",
    ] {
        let mut args: Vec<&str> = command.split(' ').collect();
        args.push("--help");
        let r = run(&golden, &args);
        assert_eq!(r.code, Some(0), "{command}: {}", r.stderr);
        assert!(
            r.stdout.contains("Examples:\n  camaudit "),
            "{command} --help has no example"
        );
        let file = golden.join(format!("{}.txt", command.replace(' ', "-")));
        let expected =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(
            r.stdout,
            expected,
            "{command} --help (regenerate {})",
            file.display()
        );
    }
}
