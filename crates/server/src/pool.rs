//! A few opened stores shared by the request handlers. The store is
//! synchronous, so each use runs on a blocking thread with a store of its
//! own; at most `size` run at once (one per PostgreSQL connection, or per
//! SQLite connection to the one file), and a request that cannot get one
//! within the wait is told to retry.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use camaudit_store::{Estate, EstateStore, Location, Store, StoreError, open_estate};
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// The store's views a handler passes on: the estate to `camaudit-auth`,
/// the scans to `camaudit-history`.
pub trait Views {
    fn as_estate(&self) -> &dyn Estate;
    fn as_store(&self) -> &dyn Store;
}

impl<'a> Views for dyn EstateStore + 'a {
    fn as_estate(&self) -> &dyn Estate {
        self
    }
    fn as_store(&self) -> &dyn Store {
        self
    }
}

/// The opened stores and the permits to use them.
pub struct StorePool {
    location: Location,
    idle: Mutex<Vec<Box<dyn EstateStore>>>,
    permits: Arc<Semaphore>,
    wait: Duration,
}

impl StorePool {
    /// Opens one store now, so that a wrong `--db` fails at start and not
    /// on the first request; the others are opened as they are needed.
    pub fn open(location: Location, size: usize, wait: Duration) -> Result<StorePool, StoreError> {
        let first = open_estate(&location)?;
        Ok(StorePool {
            location,
            idle: Mutex::new(vec![first]),
            permits: Arc::new(Semaphore::new(size.max(1))),
            wait,
        })
    }

    /// Runs `work` with a store of its own on a blocking thread. The store
    /// goes back to the pool inside that thread, so a request dropped by
    /// its client (or a timeout) never loses it; one that panicked is
    /// dropped and a fresh one opened next time.
    pub async fn run<T, F>(self: &Arc<Self>, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn EstateStore) -> Result<T, StoreError> + Send + 'static,
    {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| ApiError::busy("every store connection is busy; retry later"))?
            .map_err(|_| ApiError::busy("the server is shutting down"))?;
        let pool = Arc::clone(self);
        let joined = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut store = pool.take()?;
            let out = work(&mut *store);
            // A broken connection is not kept: the next use opens anew.
            if !matches!(
                out,
                Err(StoreError::Disconnected | StoreError::Connect { .. })
            ) {
                pool.give_back(store);
            }
            out
        })
        .await;
        match joined {
            Ok(result) => result.map_err(ApiError::from),
            Err(e) => {
                tracing::error!("a store task failed: {e}");
                Err(ApiError::internal("finish the request"))
            }
        }
    }

    fn take(&self) -> Result<Box<dyn EstateStore>, StoreError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match idle {
            Some(store) => Ok(store),
            None => open_estate(&self.location),
        }
    }

    fn give_back(&self, store: Box<dyn EstateStore>) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(store);
    }
}
