//! `camaudit push`: send what waits in the spool to the estate server,
//! and optionally a stored scan first (`--scan`). The work is done by
//! `camaudit_push`.

use std::process::ExitCode;

use anyhow::{Result, bail};
use camaudit_push::ServerUrl;
use camaudit_store::{Location, ScanId};

use crate::push_arg::LinkArgs;
use crate::store_arg;

#[derive(clap::Args)]
#[command(
    about = "Send spooled batches (and optionally a stored scan) to an estate server",
    long_about = "Send what waits in the spool to an estate server (camaudit serve): the batches a `camaudit scan|pcap|import --push` could not deliver, oldest first, each until the server has it. With --scan, a scan already in the store is cut into batches and sent first (again, if it was sent before: the server stores each batch once).\n\nA batch leaves the spool only when the server has acknowledged it; one the server refuses for good (400, 413) moves to the spool's rejected/ directory with the server's answer beside it. Retries back off with jitter and honour Retry-After, for at most --push-timeout seconds; then the command exits with status 75 and what is left stays spooled. Details in docs/push.md.",
    after_help = "Examples:
  camaudit push --to https://camaudit.estate.internal --token-file /etc/camaudit/token
  camaudit push --to https://estate.internal --spool /var/lib/camaudit/spool --push-timeout 600
  camaudit push --to https://camaudit.estate.internal --scan 12 --site town-hall --db sensor.db
  CAMAUDIT_TOKEN=$(cat token) camaudit push --to https://10.20.0.5:8443 --push-ca estate-ca.pem

Exit status: 0 all sent, 75 some left in the spool (send later), 1 refused or an error."
)]
pub struct Args {
    /// The estate server, e.g. https://camaudit.estate.internal:8443.
    #[arg(long, value_name = "URL")]
    to: ServerUrl,
    /// Also send this stored scan (needs --site): it joins the spool after what waits there already.
    #[arg(long, value_name = "SCAN_ID", requires = "site")]
    scan: Option<i64>,
    /// The store --scan is read from; its name also gives the default spool.
    #[arg(long, default_value = "camaudit.db", value_name = "PATH|URL")]
    db: Location,
    #[command(flatten)]
    link: LinkArgs,
    /// Only errors and what is left, no progress.
    #[arg(short, long)]
    quiet: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let spool = args.link.spool_dir(&args.db);
    if args.scan.is_none() && !spool.exists() {
        bail!(
            "no spool at {}: nothing to send (give --spool DIR, or the --db the scans were made with)",
            spool.display()
        );
    }
    let pusher = args.link.pusher(args.to.clone(), &args.db)?;
    match args.scan {
        Some(id) => {
            let store = store_arg::open(&args.db)?;
            pusher.push(Some((&*store, ScanId(id))), args.quiet)
        }
        None => pusher.push(None, args.quiet),
    }
}
