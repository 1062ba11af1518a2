//! Opening the store `--db` names, with an error that says which one.

use anyhow::{Context, Result};
use camaudit_store::{EstateStore, Location, Store, StoreError};

/// Opens (creating or migrating) the store at `db`.
pub fn open(db: &Location) -> Result<Box<dyn Store + Send>> {
    match camaudit_store::open(db) {
        Ok(store) => Ok(store),
        // Already names the server (without its password) and what to check.
        Err(e @ StoreError::Connect { .. }) => Err(e.into()),
        Err(e) => Err(e).with_context(|| format!("opening the store {db}")),
    }
}

/// Opens the store at `db` with its estate (organisations, sites), for
/// commands that need to know which site a scan belongs to.
pub fn open_estate(db: &Location) -> Result<Box<dyn EstateStore>> {
    match camaudit_store::open_estate(db) {
        Ok(store) => Ok(store),
        Err(e @ StoreError::Connect { .. }) => Err(e.into()),
        Err(e) => Err(e).with_context(|| format!("opening the store {db}")),
    }
}
