//! `camaudit serve`: the estate server (crates/server) on a listening
//! address, until Ctrl-C.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use camaudit_server::rate::RateLimit;
use camaudit_server::{AppState, Limits};
use camaudit_store::{Location, StoreError};

use crate::engine_args::EngineArgs;

#[derive(clap::Args)]
#[command(
    about = "Run the estate server: sensors push batches to it, people and tools read the estate through its REST API",
    long_about = "Run the estate server: a REST API under /api/v1/ (described by /api/v1/openapi.json) over the store --db names. Sensors at each site send their scans with `--push` and a sensor token; viewers read their organisation's sites, scans, devices and their histories, plans, findings and diffs; an admin reads everything. Every /api/ route but the document needs `Authorization: Bearer <token>` (tokens: `camaudit token create`). Routes and limits: docs/server.md.",
    after_help = "Examples:
  camaudit serve --db estate.db
  camaudit serve --db postgres://camaudit@db.internal/estate --listen 0.0.0.0:8443
  TOKEN=$(camaudit token create --scope viewer --org leeds --db estate.db)
  curl -H \"Authorization: Bearer $TOKEN\" 'http://127.0.0.1:8080/api/v1/devices?covered=true'

The server speaks plain HTTP: beyond this machine, put it behind a TLS proxy."
)]
pub struct Args {
    /// The estate store: a SQLite file, or postgres://user@host/db.
    #[arg(long, default_value = "camaudit.db", value_name = "PATH|URL")]
    db: Location,
    /// Address and port to listen on (port 0: any free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
    listen: SocketAddr,
    /// Largest request body, e.g. 32MiB, 512KiB or a number of bytes.
    #[arg(long, default_value = "32MiB", value_name = "SIZE", value_parser = parse_size)]
    max_body: usize,
    /// Store connections open at once (requests beyond wait, then get 503).
    #[arg(long, default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    stores: u16,
    /// Seconds a request may take, body included, before it is answered 503.
    #[arg(long, default_value_t = 60, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    request_timeout: u64,
    /// Requests a second each token may send; beyond that (and the burst) it is answered 429 with Retry-After.
    #[arg(long, default_value_t = RateLimit::default().per_second, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    rate_limit: u32,
    /// Requests a token may send at once after a quiet spell, above --rate-limit.
    #[arg(long, default_value_t = RateLimit::default().burst, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    rate_burst: u32,
    /// Mark the dashboard's cookies Secure even without a TLS proxy's `X-Forwarded-Proto: https` (set this when a proxy terminates TLS but does not send that header).
    #[arg(long)]
    secure_cookies: bool,
    /// Log each request on standard error (otherwise warnings and errors only).
    #[arg(short, long)]
    verbose: bool,
    #[command(flatten)]
    engine: EngineArgs,
}

pub fn run(args: Args) -> Result<ExitCode> {
    init_log(args.verbose);
    let engine = args.engine.options().build()?;
    let limits = Limits {
        max_body: args.max_body,
        request_timeout: Duration::from_secs(args.request_timeout),
        stores: usize::from(args.stores),
        rate: RateLimit {
            per_second: args.rate_limit,
            burst: args.rate_burst,
        },
        ..Limits::default()
    };
    let app = match AppState::open(args.db.clone(), engine, &limits) {
        Ok(app) => app,
        Err(e @ StoreError::Connect { .. }) => return Err(e.into()),
        Err(e) => return Err(e).with_context(|| format!("opening the store {}", args.db)),
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the server's runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| {
                format!(
                    "cannot listen on {}: is another server on that port? Choose another with --listen",
                    args.listen
                )
            })?;
        let addr = listener.local_addr().context("reading the listening address")?;
        eprintln!(
            "camaudit serve: listening on http://{addr}/ (dashboard at /, log in with a viewer or admin token; API under /api/v1/, its document at /api/v1/openapi.json; store {}); Ctrl-C stops",
            args.db
        );
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let rules = camaudit_dashboard::session::SessionRules {
            always_secure: args.secure_cookies,
            ..Default::default()
        };
        let router = camaudit_dashboard::router(app, &limits, rules);
        camaudit_server::serve_router(listener, router, &limits, stop)
            .await
            .context("serving")
    })?;
    eprintln!("camaudit serve: stopped");
    Ok(ExitCode::SUCCESS)
}

fn init_log(verbose: bool) {
    let level = if verbose {
        tracing::Level::INFO
    } else {
        tracing::Level::WARN
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .try_init();
}

/// `32MiB`, `512KiB`, `1000000`: a byte count.
pub(crate) fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let factor: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => {
            return Err(format!(
                "{text:?} is not a size: write e.g. 32MiB, 512KiB or 1048576"
            ));
        }
    };
    digits
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .filter(|n| (1024..=(1 << 32)).contains(n))
        .ok_or_else(|| format!("{text:?} is not a size between 1KiB and 4GiB"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_read_with_and_without_units() {
        assert_eq!(parse_size("32MiB"), Ok(32 << 20));
        assert_eq!(parse_size("512kib"), Ok(512 << 10));
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        for bad in ["", "MiB", "12 parsecs", "1", "-5MiB", "99999999999GiB"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
