//! `camaudit plan`: an estate and its devices → findings by severity, the
//! actions to take now, and a dated, costed remediation schedule (the
//! optimiser against the greedy baseline, the gap to the lower bound, the
//! risk curve), with what-if runs side by side.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use camaudit_pipeline::scan::Vantage;
use camaudit_policy::{Assessment, Estate, Limits, Policy, Zone, assess};
use camaudit_report::{
    BoardReport, PlanSummary, WhatIf, findings_summary_line, write_findings, write_immediate,
    write_plan_summary, write_what_if,
};
use time::Date;
use time::macros::format_description;

use crate::board::{Board, Measured};
use crate::cmd_identify::{write_atomically, write_to};
use crate::engine_args::EngineArgs;
use crate::estate_arg::{self, IfMissing};
use crate::output::Format;
use crate::plan_sources::{Choice, Sourced, from_devices, from_register, read_store};

#[derive(clap::Args)]
#[command(
    about = "Plan the remediation: findings by severity, what to do now, and a dated, costed schedule under budget and capacity",
    long_about = "Plan the remediation of an estate.\n\nPlaces each device on a site and zone of the estate file (docs/estate.md), judges it against the policy controls (data/policy/controls.toml, with your overlay), scores its risk, and schedules the actions the findings ask for: disconnect or update now, verify unknown makers, replace by risk under the budget per quarter and the installers' hours per week. Prints the findings by severity, the immediate actions, the schedule (optimised against the greedy baseline, with the gap to a lower bound) and the risk curve; several --budget-per-quarter or --capacity values are compared side by side.",
    after_help = "Examples:
  camaudit plan --estate examples/estate.toml --devices examples/council-devices.jsonl --from 2027-01-01
  camaudit plan --estate estate.toml --db camaudit.db --from 2027-01-01 -o plan.csv
  camaudit plan --estate estate.toml --register assets.xlsx --sheet CCTV --from 2027-04-01
  camaudit plan --estate estate.toml --db camaudit.db --from 2027-01-01 --budget-per-quarter 25000 --budget-per-quarter 60000 --capacity 40
  camaudit plan --estate estate.toml --devices core-scan.jsonl --from-zone core --from-site town-hall --from 2027-01-01
  camaudit plan --estate estate.toml --devices d.jsonl --from 2027-01-01 --format json | jq '.findings[] | select(.severity == \"critical\")'
  camaudit plan --estate estate.toml --db estate.db --from 2027-01-01 --save --org leeds

Devices come from one of --db (the latest scan, or --scan ID; scans run with --from-zone prove reachability),
--devices (JSONL from identify, scan, import or pcap; a line's `vantage`, or --from-zone, proves reachability) or --register (CSV/XLSX, placed by its Site column).
The formats, controls and the risk score: docs/plan.md."
)]
pub struct Args {
    /// The estate file: sites, networks and zones, costs, budget and capacity defaults (docs/estate.md).
    #[arg(long, value_name = "FILE")]
    estate: PathBuf,
    /// Devices from this scan store (the latest scan, or --scan): a SQLite file, or postgres://user@host/db.
    #[arg(long, value_name = "PATH|URL", conflicts_with_all = ["devices", "register"])]
    db: Option<camaudit_store::Location>,
    /// The scan to plan from, in --db (default: the latest; with --org, the latest scan of each of its sites).
    #[arg(long, value_name = "SCAN_ID", requires = "db")]
    scan: Option<i64>,
    /// Devices from a JSONL file (the output of identify, scan, import or pcap).
    #[arg(long, value_name = "FILE", conflicts_with = "register")]
    devices: Option<PathBuf>,
    /// The zone the scan behind --devices was run from, for lines that do not record their own `vantage` (a covered device that answered a scan from core is connected to core).
    #[arg(long, value_name = "ZONE", requires = "devices", value_parser = crate::vantage::parse_zone)]
    from_zone: Option<Zone>,
    /// The estate site the scan behind --devices was run from (its id in the estate file).
    #[arg(long, value_name = "SITE", requires = "from_zone")]
    from_site: Option<String>,
    /// Devices from an asset register (CSV or XLSX), checked against the registry and placed by its Site column.
    #[arg(long, value_name = "FILE")]
    register: Option<PathBuf>,
    /// Workbook sheet of --register (default: the first).
    #[arg(long, requires = "register")]
    sheet: Option<String>,
    /// The first day work can happen (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    from: Date,
    /// Money per quarter, call-outs included (default: the estate's). Repeat to compare.
    #[arg(long, value_name = "AMOUNT")]
    budget_per_quarter: Vec<f64>,
    /// Installer hours per week across the estate (default: the estate's, per region where given). Repeat to compare.
    #[arg(long, value_name = "HOURS")]
    capacity: Vec<f64>,
    /// Quarters the plan may use.
    #[arg(long, default_value_t = 20)]
    quarters: u32,
    /// Your organisation's controls and risk weights over the built-in ones (docs/plan.md, "Controls").
    #[arg(long, value_name = "FILE")]
    controls: Option<PathBuf>,
    /// Write the dated plan to this file: CSV, or JSON when it ends in .json (written whole or not at all).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Output format of the report on standard output: table for people; json (findings, plan, what-if), jsonl or csv (one finding each) for machines.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    #[command(flatten)]
    engine: EngineArgs,
    /// No summary line on standard error.
    #[arg(short, long)]
    quiet: bool,
    /// Store the findings and the plan in the estate store --db for --org (what `plan --format json` writes); prints the plan's id.
    #[arg(long, requires_all = ["db", "org"], conflicts_with_all = ["devices", "register"])]
    save: bool,
    /// The organisation of the estate store the saved plan is for (`camaudit org list`); its sites' latest scans are what it plans, unless --scan names one.
    #[arg(long, value_name = "ORG", requires = "save")]
    org: Option<camaudit_store::Slug>,
}

pub(crate) fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s.trim(), format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("{s:?} is not a date: write it as YYYY-MM-DD, e.g. 2027-01-01"))
}

pub fn run(args: Args) -> Result<ExitCode> {
    check_limits(&args)?;
    // Before the work: an organisation that is not there fails at once.
    let save_to = saving(&args)?;
    let estate = Estate::read(&args.estate)?;
    let policy = crate::planning::policy(&estate, &args.estate, args.controls.as_deref())?;
    let engine = args.engine.options().build()?;
    let (sourced, measured) = source(&args, &estate, &engine)?;
    let Sourced {
        assets,
        devices,
        reach,
        described,
    } = sourced;
    let assessment = assess(&estate, &policy, assets, &reach);
    let runs = plans(&estate, &policy, &assessment, &args)?;
    let (_, main_plan) = &runs[0];
    // The board report of this plan, built as `camaudit report` builds it:
    // the dashboard shows a saved plan through it.
    let board = crate::board::build(
        &estate,
        Board {
            assessment: &assessment,
            devices: &devices,
            plan: main_plan,
            engine: &engine,
            measured,
            described: described.clone(),
            previous_report: None,
        },
    )?;
    if let Some(path) = &args.output {
        write_atomically(path, |out| {
            write_dated_plan(out, path, &main_plan.optimised, &estate.currency)
        })?;
    }
    let what_if: Vec<WhatIf> = runs
        .iter()
        .map(|(l, p)| WhatIf::of(p, l.budget_per_quarter, l.capacity_hours))
        .collect();
    let doc = plan_json(&estate, &policy, &assessment, main_plan, &what_if, board);
    let saved = match save_to {
        Some(mut target) => Some(target.save(&doc)?),
        None => None,
    };
    write_to(None, |out| match args.format {
        Format::Table => write_table(out, &estate, &assessment, main_plan, &what_if),
        Format::Json => write_json(out, &doc),
        other => Ok(write_findings(out, &assessment, other.into())?),
    })?;
    if let Some(saved) = saved {
        eprintln!("camaudit: {saved}");
    }
    if !args.quiet {
        eprintln!(
            "camaudit: {} ({})",
            findings_summary_line(&assessment, &estate),
            described
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn check_limits(args: &Args) -> Result<()> {
    if let Some(b) = args
        .budget_per_quarter
        .iter()
        .find(|b| !b.is_finite() || **b <= 0.0)
    {
        bail!("--budget-per-quarter {b}: give an amount above 0");
    }
    if let Some(h) = args.capacity.iter().find(|h| !h.is_finite() || **h <= 0.0) {
        bail!("--capacity {h}: give installer hours per week above 0");
    }
    if args.quarters == 0 || args.quarters > 400 {
        bail!("--quarters {}: give 1 to 400", args.quarters);
    }
    if args.save && (args.db.is_none() || args.org.is_none()) {
        bail!(
            "--save stores the plan of --db's devices in that estate store: give --db estate.db and --org ORG"
        );
    }
    if args.db.is_none() && args.devices.is_none() && args.register.is_none() {
        bail!(
            "no devices: give --db camaudit.db (a scan store), --devices devices.jsonl or --register assets.csv"
        );
    }
    Ok(())
}

/// The vantage --from-zone/--from-site give the lines of --devices.
fn assumed_vantage(args: &Args, estate: &Estate) -> Result<Option<Vantage>> {
    let Some(zone) = args.from_zone else {
        return Ok(None);
    };
    if let Some(site) = &args.from_site
        && !estate.sites.iter().any(|s| &s.id == site)
    {
        bail!(
            "--from-site {site:?} is not a site of {} (its site ids: {})",
            estate.file,
            estate
                .sites
                .iter()
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(Some(Vantage {
        zone,
        site: args.from_site.clone(),
        sensor_addr: None,
    }))
}

/// The devices, and what their store or file says about them (for the
/// board report).
fn source(
    args: &Args,
    estate: &Estate,
    engine: &camaudit_identify::Engine,
) -> Result<(Sourced, Measured)> {
    match (&args.db, &args.devices, &args.register) {
        (Some(db), _, _) => {
            // Saving for an organisation of an estate store: its own sites'
            // latest scans, never the store's newest, which may be another
            // organisation's.
            let choice = match (args.scan, &args.org) {
                (Some(id), _) => Choice::These(vec![id]),
                (None, Some(org)) => Choice::Organisation(org.clone()),
                (None, None) => Choice::Latest,
            };
            let read = read_store(db, &choice, engine)?;
            let measured = Measured::of_store(&read, db);
            Ok((read.sourced, measured))
        }
        (_, Some(d), _) => {
            let sourced = from_devices(d, assumed_vantage(args, estate)?.as_ref(), engine)?;
            let measured = Measured::of_devices_file(&sourced, d);
            Ok((sourced, measured))
        }
        (_, _, Some(r)) => Ok((
            from_register(r, args.sheet.as_deref(), engine)?,
            Measured::nothing(),
        )),
        _ => bail!("no devices: give --db, --devices or --register"),
    }
}

/// One plan per combination of the budgets and capacities given (the
/// estate's own when none are), the first being the one reported in full.
fn plans(
    estate: &Estate,
    policy: &Policy,
    a: &Assessment,
    args: &Args,
) -> Result<Vec<(Limits, camaudit_plan::Plan)>> {
    let mut limits = Vec::new();
    for budget_per_quarter in or_none(&args.budget_per_quarter) {
        for capacity_hours in or_none(&args.capacity) {
            limits.push(Limits {
                start: args.from,
                budget_per_quarter,
                capacity_hours,
                quarters: args.quarters,
            });
        }
    }
    let plans = crate::planning::plans(estate, policy, a, &limits)?;
    Ok(limits.into_iter().zip(plans).collect())
}

fn or_none(values: &[f64]) -> Vec<Option<f64>> {
    if values.is_empty() {
        vec![None]
    } else {
        values.iter().copied().map(Some).collect()
    }
}

/// The dated plan: CSV, or JSON when the file name ends in .json.
fn write_dated_plan(
    out: &mut dyn Write,
    path: &Path,
    s: &camaudit_plan::Schedule,
    currency: &str,
) -> Result<()> {
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let format = if json {
        camaudit_report::Format::Json
    } else {
        camaudit_report::Format::Csv
    };
    Ok(camaudit_report::write_schedule(out, s, currency, format)?)
}

fn write_table(
    out: &mut dyn Write,
    estate: &Estate,
    a: &Assessment,
    plan: &camaudit_plan::Plan,
    what_if: &[WhatIf],
) -> Result<()> {
    write_findings(out, a, camaudit_report::Format::Table)?;
    write_immediate(out, a)?;
    writeln!(out)?;
    write_plan_summary(out, plan, &estate.currency)?;
    if what_if.len() > 1 {
        writeln!(out)?;
        write_what_if(
            out,
            what_if,
            &estate.currency,
            camaudit_report::Format::Table,
        )?;
    }
    Ok(())
}

#[derive(serde::Serialize)]
struct PlanJson<'a> {
    organisation: &'a str,
    controls_version: &'a str,
    controls_overlays: &'a [String],
    findings: &'a [camaudit_policy::Finding],
    unplaced: Vec<camaudit_report::UnplacedRow>,
    devices: Vec<DeviceRisk<'a>>,
    /// The headline figures and the optimised risk curve, for the report's chart.
    summary: PlanSummary,
    plan: &'a camaudit_plan::Plan,
    improvement: f64,
    gap: f64,
    what_if: &'a [WhatIf],
    /// The board report of this plan, as `camaudit report --format json`
    /// gives it (without its devices): what the dashboard shows.
    board: BoardReport,
}

#[derive(serde::Serialize)]
struct DeviceRisk<'a> {
    device: &'a str,
    site: Option<&'a str>,
    placed_by: camaudit_policy::PlacedBy,
    risk: f64,
    risk_explained: String,
}

/// The document `--format json` writes and `--save` stores.
fn plan_json<'a>(
    estate: &'a Estate,
    policy: &'a Policy,
    a: &'a Assessment,
    plan: &'a camaudit_plan::Plan,
    what_if: &'a [WhatIf],
    board: BoardReport,
) -> PlanJson<'a> {
    PlanJson {
        organisation: &estate.organisation,
        controls_version: &policy.version,
        controls_overlays: &policy.overlays,
        findings: &a.findings,
        unplaced: camaudit_report::unplaced_rows(a),
        devices: a
            .devices
            .iter()
            .map(|d| DeviceRisk {
                device: &d.asset.id,
                site: d.site.map(|s| estate.sites[s].id.as_str()),
                placed_by: d.placed_by,
                risk: camaudit_policy::round(d.risk.score),
                risk_explained: d.risk.explain(),
            })
            .collect(),
        summary: PlanSummary::of(plan),
        plan,
        improvement: plan.improvement(),
        gap: plan.gap(),
        what_if,
        board,
    }
}

fn write_json(out: &mut dyn Write, doc: &PlanJson<'_>) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, doc).context("writing the plan")?;
    writeln!(out)?;
    Ok(())
}

/// Where `--save` stores the plan: the estate store and organisation,
/// found before the plan is made.
struct SaveTarget {
    store: Box<dyn camaudit_store::EstateStore>,
    db: camaudit_store::Location,
    org: camaudit_store::Organisation,
}

fn saving(args: &Args) -> Result<Option<SaveTarget>> {
    let (true, Some(db), Some(slug)) = (args.save, &args.db, &args.org) else {
        return Ok(None);
    };
    let store = estate_arg::open(db, IfMissing::Refuse)?;
    let org = estate_arg::organisation(store.as_ref(), slug, db)?;
    Ok(Some(SaveTarget {
        store,
        db: db.clone(),
        org,
    }))
}

impl SaveTarget {
    /// Stores the document's findings, and the rest of it as the plan: the
    /// two together are what `--format json` writes. Says what was saved.
    fn save(&mut self, doc: &PlanJson<'_>) -> Result<String> {
        let mut plan = serde_json::to_value(doc).context("encoding the plan to save")?;
        let findings = plan
            .as_object_mut()
            .and_then(|m| m.remove("findings"))
            .context("the plan document has no findings to save")?;
        let id = self
            .store
            .save_plan(self.org.id, &findings, &plan, estate_arg::now())
            .with_context(|| format!("saving the plan for {} in {}", self.org.slug, self.db))?;
        Ok(format!(
            "saved plan {id} for {} in {} ({} findings)",
            self.org.slug,
            self.db,
            doc.findings.len()
        ))
    }
}
