//! `camaudit org`: the organisations of an estate store (a council, a
//! school, an NHS trust…), each with its sites and tokens.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use camaudit_report::{OrganisationRow, write_organisations};
use camaudit_store::{Location, NewOrganisation, Sector, Slug, StoreError};
use clap::{Subcommand, ValueEnum};

use crate::cmd_identify::write_to;
use crate::estate_arg::{self, DB_HELP, IfMissing, parse_name};
use crate::output::Format;

#[derive(clap::Args)]
#[command(
    about = "Add and list the organisations of an estate store (the bodies whose sites send scans to `camaudit serve`)",
    after_help = "Examples:
  camaudit org add leeds --name \"Leeds City Council\" --sector council --db estate.db
  camaudit org list --db estate.db
  camaudit org list --db postgres://audit@db.internal/estate --format json

Next: `camaudit site add leeds/civic-centre --name \"Civic Centre\"`, then a sensor token (docs/tokens.md)."
)]
pub struct Args {
    #[command(subcommand)]
    command: OrgCommand,
    #[arg(long, default_value = "camaudit.db", value_name = "PATH|URL", global = true, help = DB_HELP)]
    db: Location,
    /// Output format: table for people; json, jsonl or csv for machines.
    #[arg(long, value_enum, default_value = "table", global = true)]
    format: Format,
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Add an organisation: its slug (used in site names and URLs), name and sector.
    #[command(
        after_help = "Examples:\n  camaudit org add leeds --name \"Leeds City Council\" --sector council\n  camaudit org add st-marys --name \"St Mary's Academy\" --sector school --db estate.db"
    )]
    Add {
        /// Short name: 1 to 64 of a-z, 0-9 and '-', e.g. leeds or nhs-north-west.
        slug: Slug,
        /// The organisation's full name.
        #[arg(long, value_parser = parse_name)]
        name: String,
        /// What kind of public body it is (the estate is rolled up by sector).
        #[arg(long, value_enum)]
        sector: SectorArg,
    },
    /// List the organisations, with how many sites each has.
    #[command(
        after_help = "Examples:\n  camaudit org list\n  camaudit org list --db estate.db --format csv"
    )]
    List,
}

/// `Sector` as a flag value, so `--help` lists the choices.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum SectorArg {
    Council,
    School,
    NhsTrust,
    Police,
    Department,
    Other,
}

impl From<SectorArg> for Sector {
    fn from(s: SectorArg) -> Sector {
        match s {
            SectorArg::Council => Sector::Council,
            SectorArg::School => Sector::School,
            SectorArg::NhsTrust => Sector::NhsTrust,
            SectorArg::Police => Sector::Police,
            SectorArg::Department => Sector::Department,
            SectorArg::Other => Sector::Other,
        }
    }
}

pub fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        OrgCommand::Add { slug, name, sector } => add(&args.db, args.format, slug, name, sector),
        OrgCommand::List => list(&args.db, args.format),
    }
}

fn add(
    db: &Location,
    format: Format,
    slug: Slug,
    name: String,
    sector: SectorArg,
) -> Result<ExitCode> {
    let mut store = estate_arg::open(db, IfMissing::Create)?;
    let new = NewOrganisation {
        slug: slug.clone(),
        name,
        sector: sector.into(),
        created_at: estate_arg::now(),
    };
    let id = match store.create_organisation(&new) {
        Ok(id) => id,
        Err(StoreError::Conflict(what)) => {
            bail!(
                "{what} already exists in {db}: pick another slug (`camaudit org list` shows the taken ones)"
            )
        }
        Err(e) => return Err(e).with_context(|| format!("adding organisation {slug} to {db}")),
    };
    let org = store.organisation_by_slug(&slug)?.with_context(|| {
        format!("organisation {slug} (id {id}) was added but cannot be read back from {db}")
    })?;
    let row = OrganisationRow::of(&org, &[]);
    write_to(None, |out| match format {
        Format::Table => {
            writeln!(
                out,
                "added organisation {} ({}, {}), id {}",
                row.slug, row.name, row.sector, row.id
            )?;
            Ok(())
        }
        other => Ok(write_organisations(
            out,
            std::slice::from_ref(&row),
            other.into(),
        )?),
    })?;
    Ok(ExitCode::SUCCESS)
}

fn list(db: &Location, format: Format) -> Result<ExitCode> {
    let store = estate_arg::open(db, IfMissing::Refuse)?;
    let orgs = store
        .organisations()
        .with_context(|| format!("reading the organisations of {db}"))?;
    let sites = store
        .sites(None)
        .with_context(|| format!("reading the sites of {db}"))?;
    let rows: Vec<OrganisationRow> = orgs
        .iter()
        .map(|o| OrganisationRow::of(o, &sites))
        .collect();
    write_to(None, |out| {
        Ok(write_organisations(out, &rows, format.into())?)
    })?;
    if rows.is_empty() && format == Format::Table {
        eprintln!(
            "camaudit: no organisations in {db} yet: add one with `camaudit org add SLUG --name NAME --sector SECTOR`"
        );
    }
    Ok(ExitCode::SUCCESS)
}
