//! The sensor against a real HTTP server on 127.0.0.1: faults, a server
//! that is down, refusals, the size limit, and a pusher killed mid-run.

mod server;

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use camaudit_identify::Engine;
use camaudit_model::Observation;
use camaudit_pipeline::batch::{Batch, BatchSource, ingest};
use camaudit_push::batch::{self, Limits, Origin};
use camaudit_push::{
    Backoff, Events, Link, PushError, Quiet, Report, ServerUrl, Settings, Spool, Stop, Timeouts,
    Token, Wait, send_spool, spool_scan,
};
use camaudit_store::{BatchId, ScanId, ScanKind, SqliteStore, Store};
use server::{Fault, Options, TOKEN, TestServer};
use time::macros::datetime;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("camaudit-push-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn obs(addr: &str, field: &str, value: &str) -> Observation {
    Observation::new(addr.parse().unwrap(), Some(80), field, value).unwrap()
}

/// A complete import scan of `hosts` cameras (three observations each),
/// identified into devices by the built-in rules.
fn scan_of(db: &Path, hosts: u32) -> ScanId {
    let mut store = SqliteStore::open(db).unwrap();
    let mut observations = Vec::new();
    for h in 0..hosts {
        let addr = format!("10.9.{}.{}", h / 200, h % 200 + 1);
        observations.push(obs(&addr, "http.header.server", "App-webs/"));
        observations.push(obs(&addr, "http.title", &format!("camera {h}")));
        observations.push(obs(
            &addr,
            "onvif.device.serial",
            &format!("DS-2CD2043G0-I{h:08}"),
        ));
    }
    let engine = Engine::builtin().unwrap();
    let batch = Batch {
        source: BatchSource {
            kind: ScanKind::Import,
            name: "site.xml".into(),
            started_at: datetime!(2026-12-01 10:00:00 UTC),
            params: serde_json::json!({"vantage": {"zone": "core", "site": "town-hall"}}),
        },
        observations,
    };
    ingest(&mut store, &engine, batch).unwrap().scan
}

fn origin() -> Origin {
    Origin {
        sensor: "sensor-a".into(),
        site: "town-hall".parse().unwrap(),
    }
}

/// Small batches, so a small scan makes several.
fn small() -> Limits {
    Limits {
        observations: 7,
        devices: 3,
        bytes: 64 << 10,
    }
}

/// Short waits, so retries take milliseconds.
fn settings(budget: Duration) -> Settings {
    Settings {
        limits: small(),
        backoff: Backoff {
            first: Duration::from_millis(5),
            max: Duration::from_millis(50),
        },
        budget,
    }
}

fn link(url: &str) -> Link {
    Link::new(
        url.parse::<ServerUrl>().unwrap(),
        Token::new(TOKEN).unwrap(),
        None,
        Timeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(30),
        },
    )
    .unwrap()
}

/// The batches the scan cuts into, as the server should end up with them.
fn expected(db: &Path, scan: ScanId) -> Vec<batch::Batch> {
    let store = SqliteStore::open(db).unwrap();
    let mut all = Vec::new();
    batch::cut(&store, scan, &origin(), &small(), &mut |b| {
        all.push(b);
        Ok(())
    })
    .unwrap();
    all
}

/// The server holds each expected batch exactly once, with the scan's
/// observations and devices in order, and only the last batch finished.
fn assert_delivered_once(server: &TestServer, db: &Path, scan: ScanId) {
    let expected = expected(db, scan);
    let got = server.snapshot();
    let ids: Vec<&str> = expected.iter().map(|b| b.id.as_str()).collect();
    let stored: Vec<&str> = got.stored.keys().map(String::as_str).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(stored, sorted, "the server's batches are the scan's");
    assert!(
        got.stores.values().all(|&n| n == 1),
        "each stored once: {:?}",
        got.stores
    );
    let store = SqliteStore::open(db).unwrap();
    let mut observations = Vec::new();
    let mut devices = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let b = &got.stored[*id];
        assert_eq!(b.site.as_str(), "town-hall");
        assert_eq!(b.scan.kind, ScanKind::Import);
        assert_eq!(b.scan.params["vantage"]["zone"], "core");
        assert_eq!(b.scan.scan_ref, got.stored[ids[0]].scan.scan_ref);
        let last = i + 1 == ids.len();
        assert_eq!(b.scan.finished_at.is_some(), last, "finished_at on {id}");
        observations.extend(b.observations.iter().cloned());
        devices.extend(b.devices.iter().cloned());
    }
    assert_eq!(observations, store.observations(scan).unwrap());
    assert_eq!(devices, store.devices(scan).unwrap());
}

fn run(spool_dir: &Path, db: &Path, scan: ScanId, url: &str, settings: &Settings) -> Report {
    let spool = Spool::open(spool_dir, Wait::No).unwrap();
    let store = SqliteStore::open(db).unwrap();
    spool_scan(&spool, &store, scan, &origin(), &settings.limits).unwrap();
    send_spool(&spool, &link(url), settings, &Quiet).unwrap()
}

fn queued(spool_dir: &Path) -> usize {
    Spool::open(spool_dir, Wait::No)
        .unwrap()
        .queued()
        .unwrap()
        .len()
}

/// A port on 127.0.0.1 that nothing listens on (just now).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn every_batch_arrives_once_through_resets_503s_and_429s() {
    let dir = temp_dir("faults");
    let db = dir.join("sensor.db");
    let scan = scan_of(&db, 9);
    let batches = expected(&db, scan).len();
    assert!(batches >= 5, "the scan makes several batches ({batches})");

    let server = TestServer::start(Options::default());
    server.fail_next(&[
        Fault::Reset,
        Fault::Unavailable,
        Fault::Reset,
        Fault::TooMany(0),
        Fault::Unavailable,
    ]);
    let report = run(
        &dir.join("spool"),
        &db,
        scan,
        &server.url(),
        &settings(Duration::from_secs(60)),
    );

    assert_eq!(report.stop, None, "{report:?}");
    assert_eq!(
        (report.stored, report.duplicates, report.left),
        (batches, 0, 0)
    );
    let got = server.snapshot();
    assert_eq!((got.faults_left, got.resets), (0, 2), "every fault was met");
    assert_eq!(
        got.posts.len(),
        batches + 3,
        "3 failed answers, then each batch once"
    );
    assert_delivered_once(&server, &db, scan);
    assert_eq!(queued(&dir.join("spool")), 0, "the spool is empty");
}

#[test]
fn a_server_down_for_the_whole_run_leaves_every_batch_spooled_for_the_next() {
    let dir = temp_dir("down");
    let db = dir.join("sensor.db");
    let spool = dir.join("spool");
    let scan = scan_of(&db, 6);
    let batches = expected(&db, scan).len();

    let down = format!("http://127.0.0.1:{}", closed_port());
    let report = run(
        &spool,
        &db,
        scan,
        &down,
        &settings(Duration::from_millis(300)),
    );
    // Out of time either way: after failing to reach the server, or (on a
    // loaded machine) before the first attempt once spooling took the
    // whole budget. What matters is that nothing is lost.
    assert!(
        matches!(&report.stop, Some(Stop::OutOfTime(why))
            if why.contains("cannot reach") || why.contains("were up before")),
        "{report:?}"
    );
    assert_eq!((report.stored, report.left), (0, batches));
    assert_eq!(queued(&spool), batches);

    // The next run (camaudit push) sends them; spooling the same scan again
    // adds nothing.
    let server = TestServer::start(Options::default());
    let report = run(
        &spool,
        &db,
        scan,
        &server.url(),
        &settings(Duration::from_secs(60)),
    );
    assert_eq!(
        (report.stored, report.left, report.stop),
        (batches, 0, None)
    );
    assert_delivered_once(&server, &db, scan);
    assert_eq!(queued(&spool), 0);
}

/// Starts a server on `port` at the third retry: a link that comes back.
struct ComesUp {
    port: u16,
    retries: Cell<u32>,
    server: std::cell::RefCell<Option<TestServer>>,
}

impl Events for ComesUp {
    fn retrying(&self, _id: &BatchId, _why: &str, _wait: Duration) {
        self.retries.set(self.retries.get() + 1);
        if self.retries.get() == 3 {
            *self.server.borrow_mut() = Some(TestServer::start(Options {
                port: self.port,
                ..Options::default()
            }));
        }
    }
}

#[test]
fn a_server_that_comes_up_during_the_run_gets_every_batch_once() {
    let dir = temp_dir("comes-up");
    let db = dir.join("sensor.db");
    let scan = scan_of(&db, 6);
    let port = closed_port();
    let events = ComesUp {
        port,
        retries: Cell::new(0),
        server: Default::default(),
    };
    let spool = Spool::open(&dir.join("spool"), Wait::No).unwrap();
    let store = SqliteStore::open(&db).unwrap();
    let settings = settings(Duration::from_secs(60));
    spool_scan(&spool, &store, scan, &origin(), &settings.limits).unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let report = send_spool(&spool, &link(&url), &settings, &events).unwrap();
    assert_eq!(report.stop, None, "{report:?}");
    assert!(events.retries.get() >= 3);
    let server = events.server.borrow();
    let server = server.as_ref().expect("the server came up");
    assert_delivered_once(server, &db, scan);
}

#[test]
fn a_refused_batch_goes_to_rejected_with_the_answer_and_is_not_retried() {
    let dir = temp_dir("refused");
    let db = dir.join("sensor.db");
    let spool_dir = dir.join("spool");
    let scan = scan_of(&db, 6);
    let all = expected(&db, scan);
    let refused = all[1].id.as_str().to_owned();

    let server = TestServer::start(Options::default());
    server.refuse(&refused);
    let report = run(
        &spool_dir,
        &db,
        scan,
        &server.url(),
        &settings(Duration::from_secs(60)),
    );

    assert_eq!(
        (report.stored, report.left, report.stop.clone()),
        (all.len() - 1, 0, None)
    );
    assert_eq!(report.rejected.len(), 1, "{report:?}");
    let got = server.snapshot();
    assert_eq!(
        got.posts.iter().filter(|p| **p == refused).count(),
        1,
        "sent once, never again"
    );
    assert!(!got.stored.contains_key(&refused));
    let kept = std::fs::read(&report.rejected[0]).unwrap();
    assert_eq!(kept, all[1].body, "the refused batch is kept whole");
    let mut error_file = report.rejected[0].clone().into_os_string();
    error_file.push(".error.txt");
    let error = std::fs::read_to_string(error_file).unwrap();
    assert!(
        error.contains("HTTP 400 bad_value: observation 3: the field is not known"),
        "{error}"
    );

    // A later run (camaudit push) does not send it again.
    let spool = Spool::open(&spool_dir, Wait::No).unwrap();
    let report = send_spool(
        &spool,
        &link(&server.url()),
        &settings(Duration::from_secs(60)),
        &Quiet,
    )
    .unwrap();
    assert_eq!(report, Report::default());
    assert_eq!(server.snapshot().posts.len(), got.posts.len());
}

#[test]
fn a_wrong_token_stops_the_run_and_keeps_every_batch() {
    let dir = temp_dir("token");
    let db = dir.join("sensor.db");
    let scan = scan_of(&db, 3);
    let batches = expected(&db, scan).len();
    let server = TestServer::start(Options::default());
    let spool = Spool::open(&dir.join("spool"), Wait::No).unwrap();
    let store = SqliteStore::open(&db).unwrap();
    let settings = settings(Duration::from_secs(60));
    spool_scan(&spool, &store, scan, &origin(), &settings.limits).unwrap();
    let wrong = Link::new(
        server.url().parse().unwrap(),
        Token::new("cam_not-the-token").unwrap(),
        None,
        Timeouts::default(),
    )
    .unwrap();
    let report = send_spool(&spool, &wrong, &settings, &Quiet).unwrap();
    assert!(
        matches!(&report.stop, Some(Stop::Forbidden(why)) if why.contains("401")),
        "{report:?}"
    );
    assert_eq!(report.left, batches);
    assert_eq!(server.snapshot().posts.len(), 1, "one try, then stop");
    assert_eq!(spool.queued().unwrap().len(), batches);
}

#[test]
fn a_retry_after_past_the_budget_stops_the_run_without_another_request() {
    let dir = temp_dir("retry-after");
    let db = dir.join("sensor.db");
    let scan = scan_of(&db, 3);
    let server = TestServer::start(Options::default());
    server.fail_next(&[Fault::TooMany(3600)]);
    let report = run(
        &dir.join("spool"),
        &db,
        scan,
        &server.url(),
        &settings(Duration::from_secs(30)),
    );
    assert!(
        matches!(&report.stop, Some(Stop::OutOfTime(why)) if why.contains("asked to wait 3600s")),
        "{report:?}"
    );
    assert_eq!(server.snapshot().posts.len(), 1);
}

#[test]
fn no_batch_is_over_the_byte_limit() {
    let dir = temp_dir("bytes");
    let db = dir.join("sensor.db");
    let mut store = SqliteStore::open(&db).unwrap();
    // Observations of very different sizes, up to 3 KiB each.
    let observations: Vec<Observation> = (0..60)
        .map(|i| {
            let value = "x".repeat((i * 397) % 3000 + 1);
            obs(&format!("10.1.0.{}", i % 20 + 1), "http.title", &value)
        })
        .collect();
    let engine = Engine::builtin().unwrap();
    let source = BatchSource {
        kind: ScanKind::Scan,
        name: "sweep".into(),
        started_at: datetime!(2026-12-01 10:00:00 UTC),
        params: serde_json::json!({}),
    };
    let scan = ingest(
        &mut store,
        &engine,
        Batch {
            source,
            observations,
        },
    )
    .unwrap()
    .scan;
    let limits = Limits {
        observations: 5_000,
        devices: 1_000,
        bytes: 8 << 10,
    };
    let mut bodies = Vec::new();
    batch::cut(&store, scan, &origin(), &limits, &mut |b| {
        bodies.push(b.body);
        Ok(())
    })
    .unwrap();
    assert!(
        bodies.len() > 5,
        "the limit cut the scan ({})",
        bodies.len()
    );
    for body in &bodies {
        assert!(body.len() <= limits.bytes, "{} bytes", body.len());
    }

    let server = TestServer::start(Options {
        body_limit: limits.bytes,
        ..Options::default()
    });
    let spool = Spool::open(&dir.join("spool"), Wait::No).unwrap();
    spool_scan(&spool, &store, scan, &origin(), &limits).unwrap();
    let settings = Settings {
        limits,
        ..settings(Duration::from_secs(60))
    };
    let report = send_spool(&spool, &link(&server.url()), &settings, &Quiet).unwrap();
    assert_eq!(
        (report.stored, report.left),
        (bodies.len(), 0),
        "{report:?}"
    );
    assert!(server.snapshot().largest <= limits.bytes);

    // One observation bigger than a batch can hold is refused before
    // anything is spooled.
    let tiny = Limits {
        bytes: 2 << 10,
        ..limits
    };
    let err = spool_scan(&spool, &store, scan, &origin(), &tiny).unwrap_err();
    assert!(
        matches!(
            err,
            PushError::TooLarge {
                what: "an observation",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(spool.queued().unwrap().len(), 0);
}

#[test]
fn cutting_a_scan_again_gives_the_same_ids_and_bodies() {
    let dir = temp_dir("stable");
    let db = dir.join("sensor.db");
    let scan = scan_of(&db, 5);
    let a = expected(&db, scan);
    let b = expected(&db, scan);
    assert_eq!(a, b);
    let other_site = Origin {
        site: "library".parse().unwrap(),
        ..origin()
    };
    let store = SqliteStore::open(&db).unwrap();
    let mut ids = Vec::new();
    batch::cut(&store, scan, &other_site, &small(), &mut |b| {
        ids.push(b.id);
        Ok(())
    })
    .unwrap();
    assert!(
        ids.iter().all(|id| a.iter().all(|b| &b.id != id)),
        "another site, other ids"
    );
}

#[test]
fn a_half_written_scan_in_the_spool_is_cleared_and_never_sent() {
    let dir = temp_dir("half");
    let db = dir.join("sensor.db");
    let scan = scan_of(&db, 3);
    let spool_dir = dir.join("spool");
    {
        let spool = Spool::open(&spool_dir, Wait::No).unwrap();
        let mut staged = spool.stage("abc-1").unwrap();
        staged.write(&expected(&db, scan)[0]).unwrap();
        // Dropped without commit: as if killed.
    }
    let spool = Spool::open(&spool_dir, Wait::No).unwrap();
    assert_eq!(spool.queued().unwrap().len(), 0);
    assert_eq!(std::fs::read_dir(spool_dir.join("tmp")).unwrap().count(), 0);
}

#[test]
fn a_second_pusher_on_the_same_spool_is_told_it_is_busy() {
    let dir = temp_dir("busy");
    let _first = Spool::open(&dir, Wait::No).unwrap();
    let err = Spool::open(&dir, Wait::No).unwrap_err();
    assert!(matches!(err, PushError::SpoolBusy(_)), "{err}");
}

const CHILD_ENV: &str = "CAMAUDIT_PUSH_TEST_CHILD";

/// The pusher the kill test starts as a separate process and kills.
#[test]
#[ignore = "run by pusher_killed_mid_run_then_rerun_delivers_everything_once"]
fn child_pusher() {
    let Ok(args) = std::env::var(CHILD_ENV) else {
        return;
    };
    let [db, spool, url, scan]: [&str; 4] = args
        .split('\n')
        .collect::<Vec<_>>()
        .try_into()
        .expect("db, spool, url, scan");
    let scan = ScanId(scan.parse().unwrap());
    run(
        Path::new(spool),
        Path::new(db),
        scan,
        url,
        &settings(Duration::from_secs(120)),
    );
}

#[test]
fn pusher_killed_mid_run_then_rerun_delivers_everything_once() {
    let dir = temp_dir("kill");
    let db = dir.join("sensor.db");
    let spool = dir.join("spool");
    let scan = scan_of(&db, 9);
    let batches = expected(&db, scan).len();
    let server = TestServer::start(Options::default());
    // The fourth batch is stored, but its answer never comes: the pusher
    // dies not knowing.
    server.hold_after(Some(3));
    let args = [
        db.display().to_string(),
        spool.display().to_string(),
        server.url(),
        scan.0.to_string(),
    ]
    .join("\n");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_pusher", "--ignored", "--nocapture"])
        .env(CHILD_ENV, args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    server.wait_until("the fourth batch to be held", |s| s.held == 1);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(server.snapshot().stored.len(), 4);
    assert_eq!(
        queued(&spool),
        batches - 3,
        "the held batch is still spooled"
    );

    server.hold_after(None);
    let report = run(
        &spool,
        &db,
        scan,
        &server.url(),
        &settings(Duration::from_secs(60)),
    );
    assert_eq!(report.stop, None, "{report:?}");
    assert_eq!(
        (report.duplicates, report.stored),
        (1, batches - 4),
        "the held batch comes back as a duplicate"
    );
    assert_delivered_once(&server, &db, scan);
    assert_eq!(queued(&spool), 0);
}

#[test]
fn a_server_that_never_answers_cannot_hold_the_run_past_its_budget() {
    let dir = temp_dir("silent");
    let db = dir.join("sensor.db");
    let spool_dir = dir.join("spool");
    let scan = scan_of(&db, 3);
    let batches = expected(&db, scan).len();
    let server = TestServer::start(Options::default());
    server.hold_after(Some(0));
    let url = server.url();
    let (tx, rx) = std::sync::mpsc::channel();
    let spool_for_run = spool_dir.clone();
    let db_for_run = db.clone();
    std::thread::spawn(move || {
        let spool = Spool::open(&spool_for_run, Wait::No).unwrap();
        let store = SqliteStore::open(&db_for_run).unwrap();
        let settings = settings(Duration::from_secs(1));
        spool_scan(&spool, &store, scan, &origin(), &settings.limits).unwrap();
        // A request timeout far longer than the run: the budget must win.
        let patient = Link::new(
            url.parse().unwrap(),
            Token::new(TOKEN).unwrap(),
            None,
            Timeouts {
                connect: Duration::from_secs(5),
                request: Duration::from_secs(3600),
            },
        )
        .unwrap();
        let report = send_spool(&spool, &patient, &settings, &Quiet).unwrap();
        drop(spool);
        let _ = tx.send(report);
    });
    let report = rx
        .recv_timeout(Duration::from_secs(300))
        .expect("the run stops at its budget, not the request's timeout");
    assert!(
        matches!(report.stop, Some(Stop::OutOfTime(_))),
        "{report:?}"
    );
    assert_eq!(report.left, batches);
    assert_eq!(
        queued(&spool_dir),
        batches,
        "the unanswered batch stays spooled"
    );
}

#[test]
fn a_413_is_refused_with_a_hint_and_the_scan_sent_again_smaller_is_a_whole_other_scan() {
    let dir = temp_dir("too-big");
    let db = dir.join("sensor.db");
    let scan = scan_of(&db, 60);
    let server = TestServer::start(Options {
        body_limit: 20 << 10,
        ..Options::default()
    });
    let big = Settings {
        limits: Limits {
            observations: 5_000,
            devices: 1_000,
            bytes: 256 << 10,
        },
        ..settings(Duration::from_secs(60))
    };
    let spool_dir = dir.join("spool");
    let report = run(&spool_dir, &db, scan, &server.url(), &big);
    assert!(!report.rejected.is_empty(), "{report:?}");
    let mut error_file = report.rejected[0].clone().into_os_string();
    error_file.push(".error.txt");
    let error = std::fs::read_to_string(error_file).unwrap();
    assert!(
        error.contains("HTTP 413") && error.contains("--push-batch-size"),
        "{error}"
    );

    let smaller = Settings {
        limits: Limits {
            bytes: 16 << 10,
            ..big.limits
        },
        ..big
    };
    let report = run(&spool_dir, &db, scan, &server.url(), &smaller);
    assert_eq!(
        (report.left, report.rejected.len(), report.stop.clone()),
        (0, 0, None)
    );
    let got = server.snapshot();
    let refs: std::collections::BTreeSet<&str> = got
        .stored
        .values()
        .map(|b| b.scan.scan_ref.as_str())
        .collect();
    let observations: usize = got
        .stored
        .values()
        .filter(|b| {
            b.scan
                .scan_ref
                .ends_with(&format!("cut-5000-1000-{}", 16 << 10))
        })
        .map(|b| b.observations.len())
        .sum();
    let store = SqliteStore::open(&db).unwrap();
    assert_eq!(observations as u64, store.observation_count(scan).unwrap());
    // The second cut is a scan of its own at the server, complete: the
    // first cut's parts that fitted stay under the first reference, not
    // doubled into the second.
    let second: Vec<_> = got
        .stored
        .values()
        .filter(|b| {
            b.scan
                .scan_ref
                .ends_with(&format!("cut-5000-1000-{}", 16 << 10))
        })
        .collect();
    assert_eq!(refs.len(), 2, "{refs:?}");
    assert_eq!(
        second
            .iter()
            .filter(|b| b.scan.finished_at.is_some())
            .count(),
        1
    );
    let second_devices: usize = second.iter().map(|b| b.devices.len()).sum();
    assert_eq!(second_devices, store.devices(scan).unwrap().len());
}
