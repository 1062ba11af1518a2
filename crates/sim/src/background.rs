//! The simulator serving on a thread and runtime of its own, for a caller
//! that is not async (the demo, tests): started, waited on until its
//! sockets are bound, and stopped — every socket closed — when dropped.

use std::path::Path;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::{SimConfig, SimError, Summary};

/// A running simulator. Dropping it stops the simulator and waits for it.
pub struct Background {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<Summary, SimError>>>,
}

impl Background {
    /// Serves `config` and returns once its ready file appears (every
    /// listener bound), or the simulator's own error if it stopped first.
    /// `config.ready_file` must be set: it is how readiness is seen.
    pub fn start(config: SimConfig, timeout: Duration) -> Result<Background, SimError> {
        let ready = config
            .ready_file
            .clone()
            .ok_or_else(|| SimError::Config("a background simulator needs a ready file".into()))?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            rt.block_on(crate::run(config, async {
                let _ = stopped.await;
            }))
        });
        let mut running = Background {
            stop: Some(stop),
            thread: Some(thread),
        };
        running.wait_ready(&ready, timeout)?;
        Ok(running)
    }

    fn wait_ready(&mut self, ready: &Path, timeout: Duration) -> Result<(), SimError> {
        let deadline = Instant::now() + timeout;
        while !ready.exists() {
            if self.thread.as_ref().is_some_and(JoinHandle::is_finished) {
                return Err(match self.join() {
                    Some(Err(e)) => e,
                    _ => SimError::Config("the simulator stopped before serving".into()),
                });
            }
            if Instant::now() > deadline {
                return Err(SimError::Config(format!(
                    "the simulator was not ready within {} s",
                    timeout.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Stops the simulator and returns what it served.
    pub fn stop(mut self) -> Result<Summary, SimError> {
        self.join()
            .unwrap_or_else(|| Err(SimError::Config("the simulator thread panicked".into())))
    }

    fn join(&mut self) -> Option<Result<Summary, SimError>> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.thread.take().and_then(|t| t.join().ok())
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.join();
    }
}
