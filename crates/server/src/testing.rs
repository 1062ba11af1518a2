//! For tests of the server and of what is built on it (the dashboard),
//! behind the `testing` feature: a seeded estate behind a real store (a SQLite file in a temporary
//! directory, or a database on a throwaway PostgreSQL cluster) and the
//! server's router over it, called without a socket (`oneshot`).
//!
//! Two organisations, each with sites, a sensor scan of real devices
//! (`examples/council-devices.jsonl`) and a saved plan, and a token of
//! every kind, so that each test can cross the lines it is about.

use std::path::PathBuf;
use std::sync::Arc;

use crate::{AppState, Limits};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use camaudit_model::{Device, Observation};
use camaudit_store::{
    BatchId, BatchOutcome, EstateStore, Location, NewOrganisation, NewSite, OrgId, PlanId, ScanId,
    ScanKind, Sector, SensorBatch, SiteId, TokenScope,
};
use camaudit_testkit::postgres::{self, PgCluster};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;
use tower::ServiceExt;

pub const T0: OffsetDateTime = datetime!(2026-11-30 09:00 UTC);
/// Small enough that a test can go over it cheaply.
pub const MAX_BODY: usize = 256 * 1024;

pub struct Tokens {
    pub admin: String,
    pub viewer_a: String,
    pub viewer_b: String,
    pub sensor_a1: String,
    pub sensor_b1: String,
    pub expired: String,
    pub revoked: String,
}

pub struct Fixture {
    pub location: Location,
    /// What the router serves; a test of the dashboard makes its own
    /// router over it ([`Fixture::with_router`]).
    pub app: AppState,
    pub router: Router,
    pub tokens: Tokens,
    pub org_a: OrgId,
    pub org_b: OrgId,
    pub site_a1: SiteId,
    pub site_a2: SiteId,
    pub site_b1: SiteId,
    pub scan_a1: ScanId,
    pub scan_b1: ScanId,
    pub plan_a: PlanId,
    pub plan_b: PlanId,
    /// Devices stored for each of site a1 and b1.
    pub devices: Vec<Device>,
    dir: Option<PathBuf>,
    _cluster: Option<Arc<PgCluster>>,
}

/// One answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} answered a body that is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The error code of an error answer.
    pub fn code(&self) -> String {
        let j = self.json();
        j["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("not an error answer: {j}"))
            .to_owned()
    }
}

/// When [`Fixture::save_council_plans`] saves: after the placeholder plans
/// (saved at [`T0`]), so the real plan is each organisation's latest.
pub const PLANNED_AT: OffsetDateTime = datetime!(2026-11-30 10:00 UTC);

/// What `camaudit plan --format json` wrote for the example council, with
/// its board report (`tests/data/council-plan.json`). Regenerate it from
/// the repository's root when the plan's or the board's shape changes:
/// `camaudit plan --estate examples/estate.toml --devices examples/council-devices.jsonl --from 2027-01-01 --format json --quiet > crates/server/tests/data/council-plan.json`
pub fn council_plan() -> Value {
    serde_json::from_str(include_str!("../tests/data/council-plan.json"))
        .expect("tests/data/council-plan.json is JSON")
}

/// The board report inside [`council_plan`].
pub fn council_board() -> camaudit_report::BoardReport {
    serde_json::from_value(council_plan()["board"].clone()).expect("the plan holds a board report")
}

pub fn council_devices() -> Vec<Device> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/council-devices.jsonl"
    );
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

pub fn council_observations() -> Vec<Observation> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/council-observations.jsonl"
    );
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A batch as a sensor sends it.
pub fn batch_json(id: &str, site: &str, scan_ref: &str, devices: &[Device]) -> Value {
    json!({
        "id": id,
        "site": site,
        "scan": {"ref": scan_ref, "kind": "scan", "started_at": "2026-12-01T10:00:00Z",
                 "finished_at": "2026-12-01T10:05:00Z", "params": {"vantage": {"zone": "cctv"}}},
        "observations": council_observations().into_iter().take(5).collect::<Vec<_>>(),
        "devices": devices,
    })
}

impl Fixture {
    pub fn sqlite(name: &str) -> Fixture {
        let dir =
            std::env::temp_dir().join(format!("camaudit-server-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let location = Location::Sqlite(dir.join("estate.db"));
        Fixture::seeded(location, Some(dir), None)
    }

    /// `None` when no PostgreSQL server can be started (the test skips, or
    /// fails under CAMAUDIT_REQUIRE_PEERS=1).
    pub fn postgres(name: &str) -> Option<Fixture> {
        let cluster = postgres::cluster()?;
        let url = cluster.create_database(&name.to_ascii_lowercase());
        Some(Fixture::seeded(
            Location::Postgres(url),
            None,
            Some(cluster),
        ))
    }

    pub fn limits() -> Limits {
        Limits {
            max_body: MAX_BODY,
            // Tests not about the rate send bursts no real client does (300
            // garbage bodies in a row); tests/rate_limit.rs sets its own.
            rate: crate::rate::RateLimit {
                per_second: 100_000,
                burst: 100_000,
            },
            ..Limits::default()
        }
    }

    fn seeded(
        location: Location,
        dir: Option<PathBuf>,
        cluster: Option<Arc<PgCluster>>,
    ) -> Fixture {
        let mut store = camaudit_store::open_estate(&location).unwrap();
        let s = &mut *store;
        let org = |s: &mut dyn EstateStore, slug: &str, sector| {
            s.create_organisation(&NewOrganisation {
                slug: slug.parse().unwrap(),
                name: format!("{slug} council"),
                sector,
                created_at: T0,
            })
            .unwrap()
        };
        let org_a = org(s, "leeds", Sector::Council);
        let org_b = org(s, "york", Sector::Council);
        let site = |s: &mut dyn EstateStore, org, slug: &str| {
            s.create_site(&NewSite {
                org,
                slug: slug.parse().unwrap(),
                name: slug.to_owned(),
                created_at: T0,
            })
            .unwrap()
        };
        let site_a1 = site(s, org_a, "civic-centre");
        let site_a2 = site(s, org_a, "depot");
        let site_b1 = site(s, org_b, "civic-centre");
        let mut token = |scope: TokenScope, expires: Option<OffsetDateTime>| {
            let (secret, new) = camaudit_auth::generate(scope, "test", T0, expires);
            let id = s.create_token(&new).unwrap();
            (secret.to_string(), id)
        };
        let now = OffsetDateTime::now_utc();
        let (admin, _) = token(TokenScope::Admin, None);
        let (viewer_a, _) = token(TokenScope::Viewer { org: org_a }, None);
        let (viewer_b, _) = token(TokenScope::Viewer { org: org_b }, None);
        let (sensor_a1, _) = token(
            TokenScope::Sensor {
                org: org_a,
                sites: vec![site_a1],
            },
            None,
        );
        let (sensor_b1, _) = token(
            TokenScope::Sensor {
                org: org_b,
                sites: vec![site_b1],
            },
            None,
        );
        let (expired, _) = token(
            TokenScope::Viewer { org: org_a },
            Some(now - time::Duration::hours(1)),
        );
        let (revoked, revoked_id) = token(TokenScope::Viewer { org: org_a }, None);
        s.revoke_token(revoked_id, now).unwrap();
        let devices = council_devices();
        let ingest = |s: &mut dyn EstateStore, id: &str, site| {
            let outcome = s
                .ingest_batch(
                    &SensorBatch {
                        id: id.parse::<BatchId>().unwrap(),
                        site,
                        scan_ref: format!("seed/{id}"),
                        kind: ScanKind::Scan,
                        started_at: T0,
                        finished_at: Some(T0 + time::Duration::minutes(5)),
                        params: json!({}),
                        observations: council_observations(),
                        devices: devices.clone(),
                    },
                    T0,
                )
                .unwrap();
            match outcome {
                BatchOutcome::Stored { scan } => scan,
                BatchOutcome::Duplicate { .. } => panic!("a fresh store had the batch"),
            }
        };
        let scan_a1 = ingest(s, "seed-a1", site_a1);
        let scan_b1 = ingest(s, "seed-b1", site_b1);
        let findings = |org: &str| json!([{"control": "no-covered-on-core", "org": org}]);
        let plan_a = s
            .save_plan(org_a, &findings("leeds"), &json!({"actions": []}), T0)
            .unwrap();
        let plan_b = s
            .save_plan(org_b, &findings("york"), &json!({"actions": []}), T0)
            .unwrap();
        drop(store);
        let engine = camaudit_identify::Engine::builtin().unwrap();
        let app = AppState::open(location.clone(), engine, &Fixture::limits()).unwrap();
        Fixture {
            router: crate::router(app.clone(), &Fixture::limits()),
            app,
            location,
            tokens: Tokens {
                admin,
                viewer_a,
                viewer_b,
                sensor_a1,
                sensor_b1,
                expired,
                revoked,
            },
            org_a,
            org_b,
            site_a1,
            site_a2,
            site_b1,
            scan_a1,
            scan_b1,
            plan_a,
            plan_b,
            devices,
            dir,
            _cluster: cluster,
        }
    }

    /// Saves [`council_plan`] for both organisations as `plan --save` does
    /// (its findings apart, the rest as the plan), at [`PLANNED_AT`]: each
    /// organisation's latest plan is then a real one, with its board
    /// report.
    pub fn save_council_plans(&self) -> (PlanId, PlanId) {
        let mut plan = council_plan();
        let findings = plan
            .as_object_mut()
            .and_then(|m| m.remove("findings"))
            .expect("the plan has findings");
        let mut store = self.store();
        let mut save = |org| store.save_plan(org, &findings, &plan, PLANNED_AT).unwrap();
        (save(self.org_a), save(self.org_b))
    }

    /// The same estate behind another router (the dashboard's).
    pub fn with_router(mut self, make: impl FnOnce(AppState, &Limits) -> Router) -> Fixture {
        self.router = make(self.app.clone(), &Fixture::limits());
        self
    }

    /// The store, opened beside the server, to see what a request wrote.
    pub fn store(&self) -> Box<dyn EstateStore> {
        camaudit_store::open_estate(&self.location).unwrap()
    }

    pub async fn request(&self, req: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(req).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str, token: Option<&str>) -> Answer {
        let mut req = Request::builder().method(Method::GET).uri(uri);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.request(req.body(Body::empty()).unwrap()).await
    }

    pub async fn post_bytes(&self, uri: &str, token: Option<&str>, body: Vec<u8>) -> Answer {
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.request(req.body(Body::from(body)).unwrap()).await
    }

    pub async fn post_batch(&self, token: &str, batch: &Value) -> Answer {
        self.post_bytes(
            "/api/v1/batches",
            Some(token),
            serde_json::to_vec(batch).unwrap(),
        )
        .await
    }

    /// How many scans and devices the store holds for a site.
    pub fn stored(&self, site: SiteId) -> (usize, usize) {
        let store = self.store();
        let scans = store.site_scans(site).unwrap();
        let devices = scans
            .iter()
            .map(|s| store.devices(s.id).unwrap().len())
            .sum();
        (scans.len(), devices)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Declares each named async test function (taking a [`Fixture`]) once per
/// backend: `sqlite::NAME` and `postgres::NAME`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::common::Fixture::sqlite(stringify!($name))).await;
            })+
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                if let Some(fixture) = super::common::Fixture::postgres(stringify!($name)) {
                    super::$name(fixture).await;
                }
            })+
        }
    };
}

/// The same, SQLite only (for what does not depend on the backend).
#[macro_export]
macro_rules! on_sqlite {
    ($($name:ident),+ $(,)?) => {
        mod sqlite_only {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::common::Fixture::sqlite(stringify!($name))).await;
            })+
        }
    };
}
