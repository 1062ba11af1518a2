//! A sensor's side of the estate server: a finished local scan is cut into
//! batches ([`batch`]), written to a spool on disk ([`spool`]), and sent to
//! `camaudit serve` ([`link`]) with retries and backoff ([`retry`]) until
//! the server has acknowledged each one. A batch leaves the spool only when
//! the server has it (or refuses it for good), and a batch's id depends
//! only on the scan, so a retry, a second run or a run after a crash sends
//! the same ids and the server stores each batch once: a sensor that loses
//! its link loses nothing. The wire format is [`wire`]; how a sensor is
//! run is in `docs/push.md`.

pub mod batch;
pub mod link;
pub mod retry;
pub mod spool;
pub mod wire;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use camaudit_store::{BatchId, ScanId, ScanStatus, Store, StoreError};

pub use batch::{Limits, Origin};
pub use link::{Answer, BadServerUrl, BadToken, Link, ServerUrl, Timeouts, Token};
pub use retry::Backoff;
pub use spool::{Spool, Wait};

/// Why a push could not go on.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("reading scan {scan} from the store: {source}")]
    Store { scan: ScanId, source: StoreError },
    #[error(
        "scan {scan} is {status}, not complete: finish it first (camaudit scan --resume {scan}), then send it with camaudit push --scan {scan}"
    )]
    NotComplete { scan: ScanId, status: ScanStatus },
    #[error("cannot write a batch: {0}")]
    Encode(serde_json::Error),
    /// One item alone is over the batch size limit.
    #[error("scan {scan} has {what} of {bytes} bytes, more than a batch may hold ({limit} bytes)")]
    TooLarge {
        scan: ScanId,
        what: &'static str,
        bytes: usize,
        limit: usize,
    },
    #[error("spool: cannot {op} {}: {source}", path.display())]
    Spool {
        op: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the spool {} is in use by another camaudit; wait for it to finish, or give this one its own --spool DIR",
        .0.display()
    )]
    SpoolBusy(PathBuf),
    #[error("--push-ca {}: {reason} (give the CA's certificate in PEM)", path.display())]
    Ca { path: PathBuf, reason: String },
}

/// How one run behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub limits: Limits,
    pub backoff: Backoff,
    /// The longest a run keeps trying; then what is not sent stays spooled.
    pub budget: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            limits: Limits::default(),
            backoff: Backoff::default(),
            budget: Duration::from_secs(120),
        }
    }
}

/// What happened to a scan given to the spool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spooled {
    pub scan: ScanId,
    pub batches: usize,
    /// The scan was in the spool already (from a run that did not finish
    /// sending it): it was not written again.
    pub already: bool,
}

/// Cuts a complete stored scan into batches and puts them in the spool,
/// all of them or (on any error) none.
pub fn spool_scan(
    spool: &Spool,
    store: &dyn Store,
    scan: ScanId,
    origin: &Origin,
    limits: &Limits,
) -> Result<Spooled, PushError> {
    let record = store
        .scan(scan)
        .map_err(|source| PushError::Store { scan, source })?;
    let key = batch::scan_key(origin, &record, limits);
    if spool.has_scan(&key)? {
        return Ok(Spooled {
            scan,
            batches: 0,
            already: true,
        });
    }
    let mut staged = spool.stage(&key)?;
    batch::cut(store, scan, origin, limits, &mut |b| staged.write(&b))?;
    let batches = staged.commit()?;
    Ok(Spooled {
        scan,
        batches,
        already: false,
    })
}

/// What one run of sending achieved.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// Batches the server stored now.
    pub stored: usize,
    /// Batches the server had already (a retry whose answer was lost).
    pub duplicates: usize,
    /// Batches refused for good, now in the spool's `rejected/`.
    pub rejected: Vec<PathBuf>,
    /// Batches still in the spool.
    pub left: usize,
    /// Why the run stopped before the spool was empty.
    pub stop: Option<Stop>,
}

/// Why a run stopped with batches left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The run's time was up; the last failure.
    OutOfTime(String),
    /// The server refused the token or its scope.
    Forbidden(String),
    /// The address, TLS or the server is wrong.
    Broken(String),
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::OutOfTime(why) => write!(f, "out of time; last: {why}"),
            Stop::Forbidden(why) => write!(
                f,
                "the server refused the token: {why} (check --token-file or CAMAUDIT_TOKEN, and that the token is a sensor token for this --site)"
            ),
            Stop::Broken(why) => f.write_str(why),
        }
    }
}

/// What a run reports as it goes, for a progress display.
pub trait Events {
    /// A batch the server has now (stored or duplicate); `done` of `total`.
    fn sent(&self, _id: &BatchId, _done: usize, _total: usize) {}
    /// An attempt failed and another follows after `wait`.
    fn retrying(&self, _id: &BatchId, _why: &str, _wait: Duration) {}
    /// The server refused a batch for good.
    fn rejected(&self, _id: &BatchId, _answer: &str) {}
}

/// Reports nothing.
pub struct Quiet;
impl Events for Quiet {}

/// Sends every spooled batch, oldest first, each until the server answers
/// for it or the run's time is up.
pub fn send_spool(
    spool: &Spool,
    link: &Link,
    settings: &Settings,
    events: &dyn Events,
) -> Result<Report, PushError> {
    let mut run = Run {
        link,
        settings,
        events,
        deadline: Instant::now() + settings.budget,
        jitter: retry::Jitter::new(),
    };
    let queued = spool.queued()?;
    let total = queued.len();
    let mut report = Report {
        left: total,
        ..Report::default()
    };
    for batch in &queued {
        let body = spool.read(batch)?;
        match run.deliver(&batch.id, &body) {
            Delivery::Taken(outcome) => {
                spool.acknowledge(batch)?;
                match outcome {
                    wire::AckOutcome::Stored => report.stored += 1,
                    wire::AckOutcome::Duplicate => report.duplicates += 1,
                }
                report.left -= 1;
                events.sent(&batch.id, total - report.left, total);
            }
            Delivery::Refused { status, answer } => {
                let text = format!("batch {} refused with HTTP {status}: {answer}\n", batch.id);
                report.rejected.push(spool.reject(batch, &text)?);
                report.left -= 1;
                events.rejected(&batch.id, &answer);
            }
            Delivery::Stopped(stop) => {
                report.stop = Some(stop);
                return Ok(report);
            }
        }
    }
    Ok(report)
}

/// What became of one batch.
enum Delivery {
    Taken(wire::AckOutcome),
    Refused {
        status: u16,
        answer: String,
    },
    /// Nothing more can be sent this run.
    Stopped(Stop),
}

/// One run's sending: its link, its deadline and its waits.
struct Run<'a> {
    link: &'a Link,
    settings: &'a Settings,
    events: &'a dyn Events,
    deadline: Instant,
    jitter: retry::Jitter,
}

impl Run<'_> {
    /// Sends one batch until the server answers for it, waiting between
    /// attempts, within the run's time.
    fn deliver(&mut self, id: &BatchId, body: &[u8]) -> Delivery {
        let mut failures = 0;
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Delivery::Stopped(Stop::OutOfTime(format!(
                    "the run's {}s were up before batch {id} was sent",
                    self.settings.budget.as_secs()
                )));
            }
            let (why, after) = match self.link.post_within(id, body, left) {
                Answer::Taken(ack) => return Delivery::Taken(ack.outcome),
                Answer::Refused { status, answer } => {
                    return Delivery::Refused {
                        status,
                        answer: with_hint(status, answer),
                    };
                }
                Answer::Forbidden { answer, .. } => {
                    return Delivery::Stopped(Stop::Forbidden(answer));
                }
                Answer::Broken(why) => return Delivery::Stopped(Stop::Broken(why)),
                Answer::Later { why, after } => (why, after),
            };
            let wait =
                after.unwrap_or_else(|| self.settings.backoff.wait(failures, &mut self.jitter));
            if Instant::now() + wait >= self.deadline {
                let why = match after {
                    Some(after) => format!("{why} (the server asked to wait {}s)", after.as_secs()),
                    None => why,
                };
                return Delivery::Stopped(Stop::OutOfTime(why));
            }
            self.events.retrying(id, &why, wait);
            std::thread::sleep(wait);
            failures = failures.saturating_add(1);
        }
    }
}

/// A refusal's answer, with what to do when the sensor can fix it.
fn with_hint(status: u16, answer: String) -> String {
    match status {
        413 => format!(
            "{answer} (the server takes smaller bodies: send the scan again in smaller batches, camaudit push --scan N --push-batch-size 1MiB)"
        ),
        _ => answer,
    }
}

/// Spools a scan, then sends the whole spool (older scans first).
pub fn push_scan(
    spool: &Spool,
    store: &dyn Store,
    scan: ScanId,
    origin: &Origin,
    link: &Link,
    settings: &Settings,
    events: &dyn Events,
) -> Result<(Spooled, Report), PushError> {
    let spooled = spool_scan(spool, store, scan, origin, &settings.limits)?;
    let report = send_spool(spool, link, settings, events)?;
    Ok((spooled, report))
}
