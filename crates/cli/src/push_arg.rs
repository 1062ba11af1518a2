//! `--push URL --site SLUG` on `scan`, `pcap` and `import`, and the flags
//! `camaudit push` shares with them: the finished scan goes to an estate
//! server through the spool (`camaudit_push`, docs/push.md).

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use camaudit_push::{
    Events, Limits, Link, Origin, Report, ServerUrl, Settings, Spool, Stop, Timeouts, Token, Wait,
};
use camaudit_store::{BatchId, Location, ScanId, Slug, Store};

/// The environment variable a token may come in instead of a file.
pub const TOKEN_ENV: &str = "CAMAUDIT_TOKEN";

/// The exit status of a run whose scan is stored but not all sent
/// (EX_TEMPFAIL: try again later, with `camaudit push`).
const EXIT_SPOOLED: u8 = 75;

/// The most of a token file that is read.
const TOKEN_FILE_LIMIT: u64 = 4096;

/// How to reach the server, for both `--push` and `camaudit push`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct LinkArgs {
    /// The estate server's site this sensor reports for (its slug, as `camaudit site add` made it).
    #[arg(long, value_name = "SLUG")]
    pub site: Option<Slug>,
    /// File holding the sensor token (else the CAMAUDIT_TOKEN environment variable). Keep it mode 600.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Spool directory: batches wait here until the server has them (default: the --db file's name + .spool, or ./camaudit.spool for PostgreSQL).
    #[arg(long, value_name = "DIR")]
    pub spool: Option<PathBuf>,
    /// Stop trying after this many seconds; what is not sent stays spooled for `camaudit push`.
    #[arg(long, default_value_t = 120, value_name = "SECONDS")]
    pub push_timeout: u64,
    /// Trust this CA certificate (PEM) for the server's https:// instead of the public web roots.
    #[arg(long, value_name = "FILE")]
    pub push_ca: Option<PathBuf>,
    /// Largest batch sent, e.g. 8MiB or 512KiB (64KiB to 32MiB); below the server's --max-body.
    #[arg(long, default_value = "8MiB", value_name = "SIZE", value_parser = parse_batch_size)]
    pub push_batch_size: usize,
    /// This sensor's name in the server's scan references (default: the host name).
    #[arg(long, value_name = "NAME")]
    pub sensor: Option<String>,
}

/// `--push URL` and its companions, on the commands that make a scan.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct PushArgs {
    /// Send the finished scan to this estate server (camaudit serve), e.g. https://camaudit.estate.internal:8443; needs --site and a token.
    #[arg(long, value_name = "URL", requires = "site")]
    pub push: Option<ServerUrl>,
    #[command(flatten)]
    pub link: LinkArgs,
}

/// Everything checked before the scan runs, so that a long scan does not
/// end in a missing token.
pub struct Pusher {
    link: Link,
    spool_dir: PathBuf,
    sensor: String,
    site: Option<Slug>,
    settings: Settings,
    /// How to run `camaudit push` for what is left.
    again: String,
}

impl PushArgs {
    /// The pusher, if `--push` was given.
    pub fn prepare(&self, db: &Location) -> Result<Option<Pusher>> {
        let Some(url) = &self.push else {
            return Ok(None);
        };
        if self.link.site.is_none() {
            bail!("--push needs --site SLUG: the server's site this sensor reports for");
        }
        Ok(Some(self.link.pusher(url.clone(), db)?))
    }
}

impl LinkArgs {
    pub fn spool_dir(&self, db: &Location) -> PathBuf {
        match (&self.spool, db) {
            (Some(dir), _) => dir.clone(),
            (None, Location::Sqlite(path)) => {
                let mut name = path.as_os_str().to_owned();
                name.push(".spool");
                PathBuf::from(name)
            }
            (None, Location::Postgres(_)) => PathBuf::from("camaudit.spool"),
        }
    }

    pub fn pusher(&self, url: ServerUrl, db: &Location) -> Result<Pusher> {
        if !url.is_https() && !url.is_loopback() {
            eprintln!(
                "camaudit: warning: {url} is plain http: the token and the scan cross the network unencrypted; use https://"
            );
        }
        let token = self.token()?;
        let link = Link::new(
            url.clone(),
            token,
            self.push_ca.as_deref(),
            Timeouts::default(),
        )?;
        let spool_dir = self.spool_dir(db);
        let mut again = format!("camaudit push --to {url} --spool {}", spool_dir.display());
        if let Some(f) = &self.token_file {
            again.push_str(&format!(" --token-file {}", f.display()));
        }
        if let Some(ca) = &self.push_ca {
            again.push_str(&format!(" --push-ca {}", ca.display()));
        }
        Ok(Pusher {
            link,
            spool_dir,
            sensor: self.sensor_name()?,
            site: self.site.clone(),
            settings: Settings {
                budget: Duration::from_secs(self.push_timeout),
                limits: Limits {
                    bytes: self.push_batch_size,
                    ..Limits::default()
                },
                ..Settings::default()
            },
            again,
        })
    }

    fn token(&self) -> Result<Token> {
        let (text, from) = match &self.token_file {
            Some(path) => (read_token_file(path)?, path.display().to_string()),
            None => match std::env::var(TOKEN_ENV) {
                Ok(t) => (t, TOKEN_ENV.to_owned()),
                Err(_) => bail!(
                    "no token: give --token-file FILE (the sensor token `camaudit token create --scope sensor` printed) or set {TOKEN_ENV}"
                ),
            },
        };
        Token::new(&text).with_context(|| format!("the token in {from}"))
    }

    fn sensor_name(&self) -> Result<String> {
        let name = match &self.sensor {
            Some(n) => n.clone(),
            None => host_name(),
        };
        let ok = (1..=64).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if !ok {
            bail!(
                "--sensor {name:?}: use 1 to 64 letters, digits, '.', '_' or '-' (it names this sensor at the server)"
            );
        }
        Ok(name)
    }
}

fn parse_batch_size(text: &str) -> Result<usize, String> {
    let n = crate::cmd_serve::parse_size(text)?;
    if (64 << 10..=32 << 20).contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "{text:?}: a batch is 64KiB to 32MiB (the server refuses bodies over its --max-body, 32MiB by default)"
        ))
    }
}

fn read_token_file(path: &Path) -> Result<String> {
    let file = std::fs::File::open(path).with_context(|| {
        format!(
            "cannot open the token file {}: check the path",
            path.display()
        )
    })?;
    warn_if_readable_by_all(path, &file);
    let mut text = String::new();
    file.take(TOKEN_FILE_LIMIT)
        .read_to_string(&mut text)
        .with_context(|| format!("reading the token file {}", path.display()))?;
    Ok(text)
}

fn warn_if_readable_by_all(path: &Path, file: &std::fs::File) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = file.metadata()
        && meta.permissions().mode() & 0o004 != 0
    {
        eprintln!(
            "camaudit: warning: the token file {} is readable by every user of this machine: chmod 600 it",
            path.display()
        );
    }
}

/// The host's name, or "sensor" if it cannot be read or is not a plain one.
fn host_name() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    let name = name.trim();
    if name.is_empty() || name.len() > 64 {
        "sensor".to_owned()
    } else {
        name.to_owned()
    }
}

impl Pusher {
    /// Spools the stored scan `scan` (if given) and sends the whole spool.
    /// The exit status: success when everything is sent, 75 when batches
    /// stay spooled, 1 when the server refused some.
    pub fn push(&self, store: Option<(&dyn Store, ScanId)>, quiet: bool) -> Result<ExitCode> {
        let spool = open_spool(&self.spool_dir)?;
        if let Some((store, scan)) = store {
            let Some(site) = &self.site else {
                bail!("sending scan {scan} needs --site SLUG: the server's site it is for");
            };
            let origin = Origin {
                sensor: self.sensor.clone(),
                site: site.clone(),
            };
            let spooled =
                camaudit_push::spool_scan(&spool, store, scan, &origin, &self.settings.limits)?;
            if !quiet && !spooled.already {
                eprintln!(
                    "camaudit: push: scan {scan} spooled as {} in {} for site {}",
                    batches(spooled.batches),
                    self.spool_dir.display(),
                    site
                );
            }
        }
        let display = PushDisplay::new(quiet);
        let report = camaudit_push::send_spool(&spool, &self.link, &self.settings, &display)?;
        display.finish();
        Ok(self.conclude(&report, quiet))
    }

    fn conclude(&self, report: &Report, quiet: bool) -> ExitCode {
        let url = self.link.url();
        if !quiet || report.stop.is_some() || !report.rejected.is_empty() {
            let already = match report.duplicates {
                0 => String::new(),
                n => format!(" ({n} the server had already)"),
            };
            eprintln!(
                "camaudit: push: {} sent to {url}{already}, {} refused, {} left in the spool",
                batches(report.stored + report.duplicates),
                report.rejected.len(),
                report.left
            );
        }
        if let Some(first) = report.rejected.first() {
            eprintln!(
                "camaudit: push: the server refused {} for good; kept in {} with its answer beside each (first: {}.error.txt), not to be sent again",
                batches(report.rejected.len()),
                self.spool_dir.join("rejected").display(),
                first.display()
            );
        }
        match &report.stop {
            None if report.rejected.is_empty() => ExitCode::SUCCESS,
            None => ExitCode::FAILURE,
            Some(stop) => {
                eprintln!("camaudit: push stopped: {stop}");
                eprintln!(
                    "camaudit: the scan is stored locally; {} wait in {}. Send them later with: {}",
                    batches(report.left),
                    self.spool_dir.display(),
                    self.again
                );
                match stop {
                    Stop::OutOfTime(_) => ExitCode::from(EXIT_SPOOLED),
                    Stop::Forbidden(_) | Stop::Broken(_) => ExitCode::FAILURE,
                }
            }
        }
    }
}

fn batches(n: usize) -> String {
    match n {
        1 => "1 batch".to_owned(),
        n => format!("{n} batches"),
    }
}

fn open_spool(dir: &Path) -> Result<Spool> {
    match Spool::open(dir, Wait::No) {
        Err(camaudit_push::PushError::SpoolBusy(_)) => {
            eprintln!(
                "camaudit: push: another camaudit is sending from {}; waiting for it",
                dir.display()
            );
            Ok(Spool::open(dir, Wait::Yes)?)
        }
        other => Ok(other?),
    }
}

/// The push's progress on standard error: a line redrawn on a terminal,
/// and a line for each retry and refusal.
struct PushDisplay {
    quiet: bool,
    tty: bool,
    drawn: std::cell::Cell<bool>,
}

impl PushDisplay {
    fn new(quiet: bool) -> PushDisplay {
        PushDisplay {
            quiet,
            tty: std::io::stderr().is_terminal(),
            drawn: std::cell::Cell::new(false),
        }
    }

    fn end_line(&self) {
        if self.drawn.replace(false) {
            eprintln!();
        }
    }

    fn finish(&self) {
        self.end_line();
    }
}

impl Events for PushDisplay {
    fn sent(&self, _id: &BatchId, done: usize, total: usize) {
        if self.quiet || !self.tty {
            return;
        }
        eprint!(
            "\rcamaudit: push: {done}/{total} batches sent, {} spooled",
            total - done
        );
        self.drawn.set(true);
    }

    fn retrying(&self, id: &BatchId, why: &str, wait: Duration) {
        if self.quiet {
            return;
        }
        self.end_line();
        eprintln!(
            "camaudit: push: batch {id}: {why}; trying again in {:.1}s",
            wait.as_secs_f64()
        );
    }

    fn rejected(&self, id: &BatchId, answer: &str) {
        self.end_line();
        eprintln!("camaudit: push: batch {id} refused: {answer}");
    }
}
