//! `camaudit registry`: list, show and search the covered-entity registry,
//! with sources, optionally with an organisation's overlay on top.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use camaudit_registry::{ListKind, Registry};
use camaudit_report::{write_listing, write_profile, write_registry_json, write_search};
use clap::{Subcommand, ValueEnum};

#[derive(clap::Args)]
#[command(
    about = "Inspect the covered-entity registry: companies, brands and OEM relations, regimes, model patterns and equivalences, endpoints, KEV",
    after_help = "Examples:
  camaudit registry list
  camaudit registry list --kind brands
  camaudit registry show Lorex
  camaudit registry show hikvision --format json
  camaudit registry search \"hik vision\"
  camaudit registry search DS-2CD2143G2-I        # which maker's model grammar
  camaudit registry search IP8M-2496             # OEM model equivalences too
  camaudit registry show CVE-2021-36260          # affected products and builds
  camaudit registry list --registry ./our-registry/   # with your overlay

Every entry carries its sources and a confidence (docs/registry.md)."
)]
pub struct Args {
    #[command(subcommand)]
    command: RegistryCommand,
    /// Overlay directory with your organisation's additions and trusted/banned decisions.
    #[arg(long = "registry", value_name = "DIR", global = true)]
    registry: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table", global = true)]
    format: RegFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RegFormat {
    Table,
    Json,
}

#[derive(Subcommand)]
enum RegistryCommand {
    /// List the registry's entries, with sources.
    #[command(
        after_help = "Examples:\n  camaudit registry list\n  camaudit registry list --kind entities --format json"
    )]
    List {
        /// Only this kind of entry.
        #[arg(long, value_enum)]
        kind: Option<Kind>,
    },
    /// Everything the registry says about one name: a company, brand, regime, pattern id, CVE or OEM model number.
    #[command(
        after_help = "Examples:\n  camaudit registry show Annke\n  camaudit registry show \"Samsung Techwin\"\n  camaudit registry show ndaa-889\n  camaudit registry show CVE-2021-36260\n  camaudit registry show AD410"
    )]
    Show {
        /// A name as written on a device or in a list, a registry id, regime id, pattern id, CVE or model number.
        name: String,
    },
    /// Fuzzy search over companies, brands, aliases, regimes, model patterns, model equivalences and KEV entries.
    #[command(
        after_help = "Examples:\n  camaudit registry search hikvison\n  camaudit registry search IPC-HDW1431T1-S4"
    )]
    Search {
        /// Text to look for (a name, part of one, or a model number).
        text: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Kind {
    Regimes,
    Entities,
    Brands,
    Coverage,
    Patterns,
    Endpoints,
    Kev,
    Equivalences,
    Decisions,
}

impl From<Kind> for ListKind {
    fn from(kind: Kind) -> ListKind {
        match kind {
            Kind::Regimes => ListKind::Regimes,
            Kind::Entities => ListKind::Entities,
            Kind::Brands => ListKind::Brands,
            Kind::Coverage => ListKind::Coverage,
            Kind::Patterns => ListKind::Patterns,
            Kind::Endpoints => ListKind::Endpoints,
            Kind::Kev => ListKind::Kev,
            Kind::Equivalences => ListKind::Equivalences,
            Kind::Decisions => ListKind::Decisions,
        }
    }
}

/// The built-in registry, with the overlay in `dir` on top when given.
pub fn load_registry(overlay: Option<&Path>) -> Result<Registry> {
    let options = camaudit_pipeline::EngineOptions {
        registry_overlay: overlay.map(Path::to_path_buf),
        ..Default::default()
    };
    Ok(options.load_registry()?)
}

pub fn run(args: Args) -> Result<ExitCode> {
    let registry = load_registry(args.registry.as_deref())?;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match &args.command {
        RegistryCommand::List { kind } => list(&mut out, &registry, *kind, args.format)?,
        RegistryCommand::Show { name } => show(&mut out, &registry, name, args.format)?,
        RegistryCommand::Search { text } => search(&mut out, &registry, text, args.format)?,
    }
    out.flush().context("writing to standard output")?;
    Ok(ExitCode::SUCCESS)
}

fn list(out: &mut dyn Write, r: &Registry, kind: Option<Kind>, format: RegFormat) -> Result<()> {
    let listing = r.listing(kind.map(ListKind::from));
    match format {
        RegFormat::Json => write_registry_json(out, &listing)?,
        RegFormat::Table => write_listing(out, &listing)?,
    }
    Ok(())
}

/// What `show` found for a name; an error when the registry does not know it.
fn show(out: &mut dyn Write, r: &Registry, name: &str, format: RegFormat) -> Result<()> {
    let Some(profile) = r.profile(name) else {
        anyhow::bail!(
            "{name:?} is not in the registry ({}): try `camaudit registry search {name:?}`",
            r.info()
        );
    };
    match format {
        RegFormat::Json => write_registry_json(out, &profile)?,
        RegFormat::Table => write_profile(out, &profile)?,
    }
    Ok(())
}

fn search(out: &mut dyn Write, r: &Registry, text: &str, format: RegFormat) -> Result<()> {
    let results = r.search(text);
    match format {
        RegFormat::Json => write_registry_json(out, &results)?,
        RegFormat::Table => write_search(out, &results)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn reg() -> Registry {
        Registry::builtin().expect("the built-in registry loads")
    }

    fn run_show(name: &str, format: RegFormat) -> String {
        let mut out = Vec::new();
        show(&mut out, &reg(), name, format).expect("found");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn show_cve_lists_its_affected_ranges() {
        let text = run_show("CVE-2021-36260", RegFormat::Table);
        assert!(
            text.contains("builds before 2021-06-28 are affected"),
            "{text}"
        );
        assert!(text.contains("fixed in: V5.5.800 build 210628"), "{text}");
        let json: Value =
            serde_json::from_str(&run_show("CVE-2021-33044", RegFormat::Json)).expect("json");
        let ranges = json["kev_entry"]["affected"].as_array().expect("ranges");
        assert!(!ranges.is_empty());
        assert_eq!(ranges[0]["build_before"], "2021-06");
        let tvt = run_show("CVE-2019-20085", RegFormat::Table);
        assert!(
            tvt.contains("no product or firmware range documented"),
            "{tvt}"
        );
    }

    #[test]
    fn show_brand_and_model_list_equivalences() {
        let text = run_show("amcrest", RegFormat::Table);
        assert!(
            text.contains("model equivalence: amcrest AD410 = dahua DH-DB6I"),
            "{text}"
        );
        let json: Value = serde_json::from_str(&run_show("ad410", RegFormat::Json)).expect("json");
        assert_eq!(json["model_equivalences"][0]["maker"], "dahua");
        // The maker's page lists the models others sell.
        let dahua = run_show("dahua", RegFormat::Table);
        assert!(dahua.contains("imou DB61i = dahua DH-DB6I"), "{dahua}");
    }

    #[test]
    fn search_and_list_include_equivalences() {
        let mut out = Vec::new();
        search(&mut out, &reg(), "AD41", RegFormat::Json).expect("search");
        let json: Value = serde_json::from_slice(&out).expect("json");
        let hits = json["results"].as_array().expect("results");
        assert!(
            hits.iter()
                .any(|h| h["kind"] == "model-equivalence" && h["id"] == "amcrest/AD410"),
            "{json}"
        );
        let mut out = Vec::new();
        list(&mut out, &reg(), None, RegFormat::Json).expect("list");
        let json: Value = serde_json::from_slice(&out).expect("json");
        assert!(
            json["equivalences"]
                .as_array()
                .is_some_and(|e| e.len() >= 8)
        );
        assert!(json["kev"][0]["affected"].is_array());
    }
}
