//! A fresh, empty store on either backend, for tests that must hold on
//! both: a SQLite file in a temporary directory, or a new database on a
//! throwaway PostgreSQL cluster (see `camaudit_testkit::postgres`).

#![allow(dead_code)] // each test file uses its own part

use std::path::PathBuf;
use std::sync::Arc;

use camaudit_store::{EstateStore, Location, Store};
use camaudit_testkit::postgres::{self, PgCluster};

/// One empty store and what it takes to reopen it or reach under it.
pub struct Fresh {
    pub location: Location,
    /// For SQLite: the directory removed on drop.
    dir: Option<PathBuf>,
    /// For PostgreSQL: keeps the cluster running while the test needs it.
    cluster: Option<Arc<PgCluster>>,
}

impl Fresh {
    pub fn sqlite(name: &str) -> Fresh {
        let dir =
            std::env::temp_dir().join(format!("camaudit-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Fresh {
            location: Location::Sqlite(dir.join("store.db")),
            dir: Some(dir),
            cluster: None,
        }
    }

    /// `None` (the test skips, or fails under CAMAUDIT_REQUIRE_PEERS=1)
    /// when no PostgreSQL server can be started.
    pub fn postgres(name: &str) -> Option<Fresh> {
        let cluster = postgres::cluster()?;
        let url = cluster.create_database(&name.to_ascii_lowercase());
        Some(Fresh {
            location: Location::Postgres(url),
            dir: None,
            cluster: Some(cluster),
        })
    }

    /// Opens the store (again).
    pub fn open(&self) -> Box<dyn Store + Send> {
        match camaudit_store::open(&self.location) {
            Ok(s) => s,
            Err(e) => panic!("opening {}: {e}", self.location),
        }
    }

    /// Opens the store (again) with its estate.
    pub fn open_estate(&self) -> Box<dyn EstateStore> {
        match camaudit_store::open_estate(&self.location) {
            Ok(s) => s,
            Err(e) => panic!("opening {}: {e}", self.location),
        }
    }

    /// Runs SQL under the store's interface, as damage or an older or newer
    /// camaudit would.
    pub fn raw(&self, sql: &str) {
        match (&self.location, &self.cluster) {
            (Location::Sqlite(path), _) => {
                let c = rusqlite::Connection::open(path).unwrap();
                c.execute_batch(sql).unwrap();
            }
            (Location::Postgres(url), Some(cluster)) => {
                cluster.psql(url, sql);
            }
            (Location::Postgres(_), None) => unreachable!("a PostgreSQL store has its cluster"),
        }
    }

    /// The one value a raw query returns, as text.
    pub fn raw_value(&self, sql: &str) -> String {
        match (&self.location, &self.cluster) {
            (Location::Sqlite(path), _) => {
                let c = rusqlite::Connection::open(path).unwrap();
                c.query_row(sql, [], |r| r.get::<_, String>(0)).unwrap()
            }
            (Location::Postgres(url), Some(cluster)) => cluster.psql(url, sql),
            (Location::Postgres(_), None) => unreachable!("a PostgreSQL store has its cluster"),
        }
    }

    /// The location as `--db` would take it, password included, for a
    /// child process.
    pub fn location_for_child(&self) -> String {
        match &self.location {
            Location::Sqlite(path) => path.display().to_string(),
            Location::Postgres(url) => url.clone(),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.location, Location::Postgres(_))
    }
}

impl Drop for Fresh {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Declares each named test function (taking a [`Fresh`]) once per
/// backend: `sqlite::NAME` and `postgres::NAME`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name(super::common::Fresh::sqlite(stringify!($name)));
            })+
        }
        mod postgres {
            $(#[test]
            fn $name() {
                if let Some(fresh) = super::common::Fresh::postgres(stringify!($name)) {
                    super::$name(fresh);
                }
            })+
        }
    };
}
