//! `authenticate` against real stores: a SQLite file and a PostgreSQL
//! server the test starts (the same checks on both).

use camaudit_auth::{AuthError, authenticate, generate, sensor_scope};
use camaudit_store::{
    Estate, EstateStore, Location, NewOrganisation, NewSite, OrgId, Sector, SiteId, Token,
    TokenScope,
};
use time::OffsetDateTime;
use time::macros::datetime;

const CREATED: OffsetDateTime = datetime!(2027-01-01 09:00 UTC);
const EXPIRES: OffsetDateTime = datetime!(2027-04-01 00:00 UTC);

/// A SQLite store in a directory of its own, removed on drop.
struct TempSqlite {
    dir: std::path::PathBuf,
    location: Location,
}

impl TempSqlite {
    fn new(name: &str) -> TempSqlite {
        let dir = std::env::temp_dir().join(format!("camaudit-auth-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempSqlite {
            location: Location::Sqlite(dir.join("estate.db")),
            dir,
        }
    }
}

impl Drop for TempSqlite {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn open(location: &Location) -> Box<dyn EstateStore> {
    camaudit_store::open_estate(location).unwrap_or_else(|e| panic!("opening {location}: {e}"))
}

fn leeds_with_a_site(store: &mut dyn EstateStore) -> (OrgId, SiteId) {
    let org = store
        .create_organisation(&NewOrganisation {
            slug: "leeds".parse().unwrap(),
            name: "Leeds City Council".into(),
            sector: Sector::Council,
            created_at: CREATED,
        })
        .unwrap();
    let site = store
        .create_site(&NewSite {
            org,
            slug: "civic-centre".parse().unwrap(),
            name: "Civic Centre".into(),
            created_at: CREATED,
        })
        .unwrap();
    (org, site)
}

/// A token made and stored; its `Authorization` header value.
fn issue(
    store: &mut dyn EstateStore,
    scope: TokenScope,
    expires: Option<OffsetDateTime>,
) -> (String, Token) {
    let (secret, new) = generate(scope, "test", CREATED, expires);
    let id = store.create_token(&new).unwrap();
    let stored = store
        .tokens()
        .unwrap()
        .into_iter()
        .find(|t| t.id == id)
        .unwrap();
    (format!("Bearer {secret}"), stored)
}

fn check(
    estate: &dyn Estate,
    header: Option<&str>,
    now: OffsetDateTime,
) -> Result<Token, AuthError> {
    authenticate(estate, header, now)
}

fn suite(store: &mut dyn EstateStore) {
    let (org, site) = leeds_with_a_site(store);
    let sensor = sensor_scope(org, &[site]).unwrap();
    let (header, stored) = issue(store, sensor.clone(), Some(EXPIRES));
    let before = datetime!(2027-03-31 23:59:59 UTC);

    // The right secret lets its token in, with its scope, until expiry.
    let token = check(store, Some(&header), before).unwrap();
    assert_eq!(token, stored);
    assert_eq!(token.scope, sensor);

    // At exactly `expires_at` the token no longer lets anyone in.
    match check(store, Some(&header), EXPIRES) {
        Err(AuthError::Expired { id, at }) => {
            assert_eq!((id, at), (stored.id, EXPIRES));
        }
        other => panic!("expected Expired at expires_at, got {other:?}"),
    }

    // A well-formed secret that was never issued.
    let (stranger, _) = generate(TokenScope::Admin, "never stored", CREATED, None);
    assert!(matches!(
        check(store, Some(&format!("Bearer {stranger}")), before),
        Err(AuthError::Unknown)
    ));
    // The issued secret with one character changed.
    let mut altered = header.clone().into_bytes();
    let last = altered.len() - 1;
    altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    assert!(matches!(
        check(store, Some(&altered), before),
        Err(AuthError::Unknown)
    ));

    assert!(matches!(
        check(store, None, before),
        Err(AuthError::Missing)
    ));
    let secret = header.trim_start_matches("Bearer ");
    assert!(matches!(
        check(store, Some(&format!("Basic {secret}")), before),
        Err(AuthError::NotBearer)
    ));

    // Revoked: refused from then on, also before its expiry.
    let revoked_at = datetime!(2027-02-01 12:00 UTC);
    store.revoke_token(stored.id, revoked_at).unwrap();
    match check(store, Some(&header), before) {
        Err(AuthError::Revoked { id, at }) => assert_eq!((id, at), (stored.id, revoked_at)),
        other => panic!("expected Revoked, got {other:?}"),
    }

    // A token without expiry, and the other scopes, come back as issued.
    let (admin, _) = issue(store, TokenScope::Admin, None);
    let far = datetime!(2099-01-01 0:00 UTC);
    assert_eq!(
        check(store, Some(&admin), far).unwrap().scope,
        TokenScope::Admin
    );
    let (viewer, _) = issue(store, TokenScope::Viewer { org }, None);
    assert_eq!(
        check(store, Some(&viewer), far).unwrap().scope,
        TokenScope::Viewer { org }
    );
}

#[test]
fn authenticate_on_sqlite() {
    let db = TempSqlite::new("sqlite");
    let mut store = open(&db.location);
    suite(store.as_mut());
    // And after reopening: nothing lives only in memory.
    drop(store);
    let store = open(&db.location);
    assert_eq!(store.tokens().unwrap().len(), 3);
}

#[test]
fn authenticate_on_postgres() {
    let Some(cluster) = camaudit_testkit::postgres::cluster() else {
        return;
    };
    let location = Location::Postgres(cluster.create_database("auth"));
    let mut store = open(&location);
    suite(store.as_mut());
    drop(store);
    let store = open(&location);
    assert_eq!(store.tokens().unwrap().len(), 3);
}
