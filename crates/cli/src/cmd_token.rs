//! `camaudit token`: the bearer tokens that let sensors push batches and
//! people read the estate server. A secret is printed once, when it is
//! made; the store keeps only its SHA-256 (docs/tokens.md).

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use camaudit_report::{EstateNames, TokenRow, timestamp, write_created_token, write_tokens};
use camaudit_store::{EstateStore, Location, Slug, StoreError, TokenId, TokenScope};
use clap::{Subcommand, ValueEnum};
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, Time};

use crate::cmd_identify::write_to;
use crate::estate_arg::{self, DB_HELP, IfMissing};
use crate::output::Format;

#[derive(clap::Args)]
#[command(
    about = "Create, list and revoke the bearer tokens of the estate server: sensor (pushes batches for its sites), viewer (reads one organisation), admin",
    after_help = "Examples:
  camaudit token create --scope sensor --org leeds --site civic-centre --label \"civic cctv sensor\" --expires 90d
  camaudit token create --scope viewer --org leeds --expires 2027-03-01
  camaudit token create --scope admin --label \"estate team\"
  camaudit token list --db estate.db
  camaudit token revoke 3

The secret is printed once, on standard output; camaudit stores only its SHA-256 (docs/tokens.md)."
)]
pub struct Args {
    #[command(subcommand)]
    command: TokenCommand,
    #[arg(long, default_value = "camaudit.db", value_name = "PATH|URL", global = true, help = DB_HELP)]
    db: Location,
    /// Output format: table for people; json, jsonl or csv for machines.
    #[arg(long, value_enum, default_value = "table", global = true)]
    format: Format,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Make a token and print its secret, once.
    #[command(after_help = "Examples:
  camaudit token create --scope sensor --org leeds --site civic-centre --site depot --expires 90d
  TOKEN=$(camaudit token create --scope sensor --org leeds --site civic-centre)
  camaudit token create --scope viewer --org leeds --label \"audit committee\" --expires 2027-03-01
  camaudit token create --scope admin --db postgres://audit@db.internal/estate --format json

A sensor token writes only the sites given; a viewer reads only its organisation; an admin manages the estate.")]
    Create(CreateArgs),
    /// List the tokens: id, prefix, scope, places, label, dates and state (never a secret).
    #[command(
        after_help = "Examples:\n  camaudit token list\n  camaudit token list --db estate.db --format csv"
    )]
    List,
    /// Revoke a token: it is refused from now on (revoking again keeps the first time).
    #[command(after_help = "Examples:\n  camaudit token list\n  camaudit token revoke 3")]
    Revoke {
        /// The token's id, as `camaudit token list` shows it.
        id: i64,
    },
}

#[derive(clap::Args)]
struct CreateArgs {
    /// What the token may do.
    #[arg(long, value_enum)]
    scope: ScopeArg,
    /// The organisation a sensor or viewer token belongs to.
    #[arg(long, value_name = "ORG")]
    org: Option<Slug>,
    /// A site of --org the sensor may push batches for (repeat for several).
    #[arg(long, value_name = "SITE")]
    site: Vec<Slug>,
    /// Who or what holds the token, to recognise it in `token list`.
    #[arg(long, value_parser = parse_label)]
    label: Option<String>,
    /// When it stops working: a number of days (90d) or a date (2027-03-01, midnight UTC). Default: never.
    #[arg(long, value_name = "90d|DATE", value_parser = parse_expiry)]
    expires: Option<Expiry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ScopeArg {
    Sensor,
    Viewer,
    Admin,
}

/// `--expires` as given; made a time against the clock when the token is made.
#[derive(Debug, Clone, Copy)]
enum Expiry {
    Days(u16),
    At(OffsetDateTime),
}

impl Expiry {
    fn after(self, now: OffsetDateTime) -> OffsetDateTime {
        match self {
            Expiry::Days(n) => now + Duration::days(i64::from(n)),
            Expiry::At(t) => t,
        }
    }
}

fn parse_expiry(s: &str) -> Result<Expiry, String> {
    let s = s.trim();
    if let Some(days) = s.strip_suffix('d') {
        return match days.parse::<u16>() {
            Ok(n @ 1..=3660) => Ok(Expiry::Days(n)),
            _ => Err(format!(
                "{s:?}: give 1d to 3660d, or a date such as 2027-03-01"
            )),
        };
    }
    Date::parse(s, format_description!("[year]-[month]-[day]"))
        .map(|d| Expiry::At(d.with_time(Time::MIDNIGHT).assume_utc()))
        .map_err(|_| format!("{s:?} is neither a number of days (90d) nor a date (2027-03-01)"))
}

fn parse_label(s: &str) -> Result<String, String> {
    let label = s.trim();
    if label.chars().count() > 200 {
        return Err("a label has at most 200 characters".to_owned());
    }
    if label.chars().any(char::is_control) {
        return Err("a label is one line of text, without control characters".to_owned());
    }
    Ok(label.to_owned())
}

pub fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        TokenCommand::Create(create_args) => create(&args.db, args.format, create_args),
        TokenCommand::List => list(&args.db, args.format),
        TokenCommand::Revoke { id } => revoke(&args.db, TokenId(id)),
    }
}

fn create(db: &Location, format: Format, args: CreateArgs) -> Result<ExitCode> {
    let now = estate_arg::now();
    let expires_at = args.expires.map(|e| e.after(now));
    if let Some(at) = expires_at
        && at <= now
    {
        bail!(
            "--expires {} is already past: give a later date, or a number of days such as 90d",
            timestamp(at)
        );
    }
    let if_missing = match args.scope {
        ScopeArg::Admin => IfMissing::Create,
        ScopeArg::Sensor | ScopeArg::Viewer => IfMissing::Refuse,
    };
    let mut store = estate_arg::open(db, if_missing)?;
    let scope = scope(store.as_ref(), db, &args)?;
    let (secret, new) =
        camaudit_auth::try_generate(scope, args.label.as_deref().unwrap_or(""), now, expires_at)?;
    let id = match store.create_token(&new) {
        Ok(id) => id,
        // 256 random bits do not collide: a conflict means a broken source.
        Err(StoreError::Conflict(_)) => {
            bail!(
                "the new secret is already stored: the random source is broken; no token was made"
            )
        }
        Err(e) => return Err(e).with_context(|| format!("storing the new token in {db}")),
    };
    let token = store
        .tokens()?
        .into_iter()
        .find(|t| t.id == id)
        .with_context(|| format!("token {id} was stored but cannot be read back from {db}"))?;
    let row = TokenRow::of(&token, &names(store.as_ref(), db)?, now);
    write_to(None, |out| {
        Ok(write_created_token(
            out,
            secret.as_str(),
            &row,
            format.into(),
        )?)
    })?;
    eprintln!(
        "camaudit: token {id} ({} {}) created; its secret is shown this once and not stored (only its SHA-256 is): keep it now{}",
        row.scope,
        places(&row),
        match args.scope {
            ScopeArg::Sensor =>
                ", and give it to the sensor in a file for --token-file (or as CAMAUDIT_TOKEN)",
            ScopeArg::Viewer | ScopeArg::Admin => "",
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// The scope `--scope`, `--org` and `--site` ask for, with the names
/// resolved; refuses flags that do not fit the scope.
fn scope(store: &dyn EstateStore, db: &Location, args: &CreateArgs) -> Result<TokenScope> {
    match args.scope {
        ScopeArg::Admin => {
            if args.org.is_some() || !args.site.is_empty() {
                bail!(
                    "an admin token manages every organisation: drop --org and --site, or use --scope viewer or sensor"
                );
            }
            Ok(TokenScope::Admin)
        }
        ScopeArg::Viewer => {
            if !args.site.is_empty() {
                bail!(
                    "a viewer reads its whole organisation: drop --site (sites are for --scope sensor)"
                );
            }
            let org = required_org(store, db, args)?;
            Ok(TokenScope::Viewer { org: org.id })
        }
        ScopeArg::Sensor => {
            let org = required_org(store, db, args)?;
            let mut sites = Vec::new();
            for slug in &args.site {
                sites.push(estate_arg::site(store, &org, slug, db)?.id);
            }
            camaudit_auth::sensor_scope(org.id, &sites).map_err(|_| {
                anyhow::anyhow!(
                    "a sensor token needs the sites it pushes for: add --site SITE (`camaudit site list --org {}` shows them)",
                    org.slug
                )
            })
        }
    }
}

fn required_org(
    store: &dyn EstateStore,
    db: &Location,
    args: &CreateArgs,
) -> Result<camaudit_store::Organisation> {
    let Some(slug) = &args.org else {
        let kind = match args.scope {
            ScopeArg::Sensor => "sensor",
            ScopeArg::Viewer => "viewer",
            ScopeArg::Admin => "admin",
        };
        bail!(
            "a {kind} token belongs to one organisation: add --org ORG (`camaudit org list` shows them)"
        );
    };
    estate_arg::organisation(store, slug, db)
}

fn names(store: &dyn EstateStore, db: &Location) -> Result<EstateNames> {
    let orgs = store
        .organisations()
        .with_context(|| format!("reading the organisations of {db}"))?;
    let sites = store
        .sites(None)
        .with_context(|| format!("reading the sites of {db}"))?;
    Ok(EstateNames::new(&orgs, &sites))
}

/// Where a token works, in words: `for leeds: civic-centre, depot`.
fn places(row: &TokenRow) -> String {
    match (&row.org, row.sites.is_empty()) {
        (None, _) => "for the whole estate".to_owned(),
        (Some(org), true) => format!("for {org}"),
        (Some(org), false) => format!("for {org}: {}", row.sites.join(", ")),
    }
}

fn list(db: &Location, format: Format) -> Result<ExitCode> {
    let store = estate_arg::open(db, IfMissing::Refuse)?;
    let tokens = store
        .tokens()
        .with_context(|| format!("reading the tokens of {db}"))?;
    let names = names(store.as_ref(), db)?;
    let now = estate_arg::now();
    let rows: Vec<TokenRow> = tokens
        .iter()
        .map(|t| TokenRow::of(t, &names, now))
        .collect();
    write_to(None, |out| Ok(write_tokens(out, &rows, format.into())?))?;
    if rows.is_empty() && format == Format::Table {
        eprintln!(
            "camaudit: no tokens in {db} yet: make one with `camaudit token create --scope …`"
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn revoke(db: &Location, id: TokenId) -> Result<ExitCode> {
    let mut store = estate_arg::open(db, IfMissing::Refuse)?;
    let Some(token) = store
        .tokens()
        .with_context(|| format!("reading the tokens of {db}"))?
        .into_iter()
        .find(|t| t.id == id)
    else {
        bail!("no token {id} in {db}: `camaudit token list` shows the tokens and their ids");
    };
    if let Some(at) = token.revoked_at {
        eprintln!(
            "camaudit: token {id} ({}) was already revoked at {}; nothing changed",
            token.prefix,
            timestamp(at)
        );
        return Ok(ExitCode::SUCCESS);
    }
    store
        .revoke_token(id, estate_arg::now())
        .with_context(|| format!("revoking token {id} in {db}"))?;
    eprintln!(
        "camaudit: token {id} ({}, {}) revoked: the server refuses it from now on",
        token.prefix,
        token.scope.kind()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn expiry_is_days_or_a_date() {
        let now = datetime!(2027-01-01 12:00 UTC);
        let days = parse_expiry("90d").unwrap().after(now);
        assert_eq!(days, datetime!(2027-04-01 12:00 UTC));
        let date = parse_expiry("2027-03-01").unwrap().after(now);
        assert_eq!(date, datetime!(2027-03-01 0:00 UTC));
        for bad in ["0d", "-5d", "d", "99999d", "2027-02-30", "next week", "90"] {
            assert!(parse_expiry(bad).is_err(), "{bad}");
        }
    }
}
