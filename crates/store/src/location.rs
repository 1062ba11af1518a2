//! Where a store is: what `--db` names.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::{Estate, PostgresStore, Result, SqliteStore, Store};

/// A store's place: a SQLite file, or a PostgreSQL database named by a
/// `postgres://` (or `postgresql://`) address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    /// The connection address as given (it may hold a password: show it
    /// with [`Location`]'s `Display`, which hides it).
    Postgres(String),
}

impl FromStr for Location {
    type Err = std::convert::Infallible;

    /// Anything that is not a PostgreSQL address is a file path (a file
    /// may be called `postgres`, but not `postgres://…`).
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let lower = s.get(..13).unwrap_or(s).to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            Ok(Location::Postgres(s.to_owned()))
        } else {
            Ok(Location::Sqlite(PathBuf::from(s)))
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(path) => path.display().fmt(f),
            Location::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

impl Location {
    /// Whether this is a SQLite file that does not exist yet (opening it
    /// would create an empty store).
    pub fn is_missing_file(&self) -> bool {
        matches!(self, Location::Sqlite(p) if !p.exists())
    }
}

/// Opens (creating or migrating if needed) the store at `location`.
pub fn open(location: &Location) -> Result<Box<dyn Store + Send>> {
    Ok(match location {
        Location::Sqlite(path) => Box::new(SqliteStore::open(path)?),
        Location::Postgres(url) => Box::new(PostgresStore::connect(url)?),
    })
}

/// A store that also keeps an estate (organisations, sites, tokens,
/// batches, plans): what an estate server opens. Both backends are one.
pub trait EstateStore: Store + Estate + Send {}

impl<T: Store + Estate + Send> EstateStore for T {}

/// Opens (creating or migrating if needed) the store at `location` with
/// its estate.
pub fn open_estate(location: &Location) -> Result<Box<dyn EstateStore>> {
    Ok(match location {
        Location::Sqlite(path) => Box::new(SqliteStore::open(path)?),
        Location::Postgres(url) => Box::new(PostgresStore::connect(url)?),
    })
}

/// `postgres://user:secret@host/db` shown as `postgres://user:***@host/db`,
/// so an error message or a log line never carries the password.
pub(crate) fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_address_is_told_from_a_file() {
        let pg: Location = "postgres://u@db.example/estate".parse().unwrap();
        assert_eq!(
            pg,
            Location::Postgres("postgres://u@db.example/estate".into())
        );
        let pg2: Location = "PostgreSQL://u@h/e".parse().unwrap();
        assert!(matches!(pg2, Location::Postgres(_)));
        let file: Location = "postgres.db".parse().unwrap();
        assert_eq!(file, Location::Sqlite("postgres.db".into()));
        let odd: Location = "./postgres:/x".parse().unwrap();
        assert!(matches!(odd, Location::Sqlite(_)));
    }

    #[test]
    fn a_password_is_never_shown() {
        let shown = Location::Postgres(
            "postgres://audit:s3cr:et@10.0.0.5:5432/estate?sslmode=require".into(),
        )
        .to_string();
        assert_eq!(
            shown,
            "postgres://audit:***@10.0.0.5:5432/estate?sslmode=require"
        );
        assert_eq!(
            without_password("postgres://audit@h/db"),
            "postgres://audit@h/db"
        );
        assert_eq!(without_password("postgres://h/db"), "postgres://h/db");
    }
}
