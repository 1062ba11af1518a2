//! `camaudit site`: the sites of each organisation, where sensors scan
//! from and report to the estate server.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use camaudit_report::{EstateNames, SiteListRow, write_sites};
use camaudit_store::{Location, NewSite, Slug, StoreError};
use clap::Subcommand;

use crate::cmd_identify::write_to;
use crate::estate_arg::{self, DB_HELP, IfMissing, parse_name};
use crate::output::Format;

#[derive(clap::Args)]
#[command(
    about = "Add and list the sites of each organisation, with when a sensor last reported for each",
    after_help = "Examples:
  camaudit site add leeds/civic-centre --name \"Civic Centre, Calverley Street\" --db estate.db
  camaudit site add depot --org leeds --name \"Highways Depot\"
  camaudit site list --db estate.db
  camaudit site list --org leeds --format csv

A site's sensor needs a token: `camaudit token create --scope sensor --org leeds --site civic-centre` (docs/tokens.md)."
)]
pub struct Args {
    #[command(subcommand)]
    command: SiteCommand,
    #[arg(long, default_value = "camaudit.db", value_name = "PATH|URL", global = true, help = DB_HELP)]
    db: Location,
    /// Output format: table for people; json, jsonl or csv for machines.
    #[arg(long, value_enum, default_value = "table", global = true)]
    format: Format,
}

#[derive(Subcommand)]
enum SiteCommand {
    /// Add a site to an organisation: ORG/SITE, or SITE with --org ORG.
    #[command(
        after_help = "Examples:\n  camaudit site add leeds/civic-centre --name \"Civic Centre\"\n  camaudit site add civic-centre --org leeds --name \"Civic Centre\""
    )]
    Add {
        /// The site as ORG/SITE (e.g. leeds/civic-centre), or its slug alone with --org.
        #[arg(value_name = "ORG/SITE")]
        site: String,
        /// The organisation, when the site is given without one.
        #[arg(long, value_name = "ORG")]
        org: Option<Slug>,
        /// The site's full name (an address people recognise).
        #[arg(long, value_parser = parse_name)]
        name: String,
    },
    /// List sites (all, or one organisation's) with their last report time.
    #[command(
        after_help = "Examples:\n  camaudit site list\n  camaudit site list --org leeds --format json"
    )]
    List {
        /// Only this organisation's sites.
        #[arg(long, value_name = "ORG")]
        org: Option<Slug>,
    },
}

pub fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        SiteCommand::Add { site, org, name } => {
            let (org, site) = estate_arg::org_and_site(&site, org)?;
            add(&args.db, args.format, &org, site, name)
        }
        SiteCommand::List { org } => list(&args.db, args.format, org.as_ref()),
    }
}

fn add(db: &Location, format: Format, org: &Slug, slug: Slug, name: String) -> Result<ExitCode> {
    let mut store = estate_arg::open(db, IfMissing::Refuse)?;
    let org = estate_arg::organisation(store.as_ref(), org, db)?;
    let new = NewSite {
        org: org.id,
        slug: slug.clone(),
        name,
        created_at: estate_arg::now(),
    };
    match store.create_site(&new) {
        Ok(_) => {}
        Err(StoreError::Conflict(_)) => bail!(
            "organisation {} already has a site {slug}: pick another slug (`camaudit site list --org {}` shows them)",
            org.slug,
            org.slug
        ),
        Err(e) => {
            return Err(e).with_context(|| format!("adding site {}/{slug} to {db}", org.slug));
        }
    }
    let site = estate_arg::site(store.as_ref(), &org, &slug, db)?;
    let names = EstateNames::new(std::slice::from_ref(&org), std::slice::from_ref(&site));
    let row = SiteListRow::of(&site, &names);
    write_to(None, |out| match format {
        Format::Table => {
            writeln!(
                out,
                "added site {}/{} ({}), id {}",
                row.org, row.slug, row.name, row.id
            )?;
            Ok(())
        }
        other => Ok(write_sites(out, std::slice::from_ref(&row), other.into())?),
    })?;
    Ok(ExitCode::SUCCESS)
}

fn list(db: &Location, format: Format, org: Option<&Slug>) -> Result<ExitCode> {
    let store = estate_arg::open(db, IfMissing::Refuse)?;
    let only = org
        .map(|slug| estate_arg::organisation(store.as_ref(), slug, db))
        .transpose()?;
    let orgs = store
        .organisations()
        .with_context(|| format!("reading the organisations of {db}"))?;
    let sites = store
        .sites(only.as_ref().map(|o| o.id))
        .with_context(|| format!("reading the sites of {db}"))?;
    let names = EstateNames::new(&orgs, &sites);
    let rows: Vec<SiteListRow> = sites.iter().map(|s| SiteListRow::of(s, &names)).collect();
    write_to(None, |out| Ok(write_sites(out, &rows, format.into())?))?;
    if rows.is_empty() && format == Format::Table {
        eprintln!("camaudit: no sites yet: add one with `camaudit site add ORG/SITE --name NAME`");
    }
    Ok(ExitCode::SUCCESS)
}
