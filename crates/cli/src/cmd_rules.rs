//! `camaudit rules`: list the fingerprint rules and run their examples.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use camaudit_rules::{FieldSelector, RuleSet};

#[derive(clap::Args)]
#[command(
    about = "List fingerprint rules or test their examples",
    after_help = "Examples:
  camaudit rules list
  camaudit rules list --maker hikvision
  camaudit rules test --rules ./our-rules/    # check your own rules before using them"
)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
    /// Extra rule directory (every *.toml in it), after the built-in rules. Repeatable.
    #[arg(long = "rules", value_name = "DIR", global = true)]
    rule_dirs: Vec<PathBuf>,
}

#[derive(clap::Subcommand)]
enum Action {
    /// One line per rule: id, field, facts asserted, confidence.
    List {
        /// Only rules that assert this manufacturer or label brand.
        #[arg(long)]
        maker: Option<String>,
    },
    /// Run every rule's examples; exit 1 if any fails.
    Test,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let dirs: Vec<&Path> = args.rule_dirs.iter().map(PathBuf::as_path).collect();
    let set = RuleSet::builtin_with_dirs(&dirs).context("loading fingerprint rules")?;
    match args.action {
        Action::List { maker } => {
            for r in set.rules() {
                let names =
                    |v: &Option<camaudit_model::VendorId>| v.as_ref().map(|x| x.to_string());
                let makers = [
                    names(&r.asserts.manufacturer),
                    names(&r.asserts.label_vendor),
                ];
                if maker
                    .as_ref()
                    .is_some_and(|m| !makers.iter().flatten().any(|x| x == m))
                {
                    continue;
                }
                let field = match &r.fields {
                    FieldSelector::Exact(f) => {
                        f.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(",")
                    }
                    FieldSelector::Prefix(p) => format!("{p}*"),
                };
                let facts = serde_json::to_string(&r.asserts).unwrap_or_default();
                println!(
                    "{:<48} {:<28} {:.2} {facts}",
                    r.id,
                    field,
                    r.confidence.get()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::Test => {
            let failures = set.self_test();
            let examples: usize = set
                .rules()
                .iter()
                .map(|r| r.examples.len() + r.not_examples.len())
                .sum();
            for f in &failures {
                println!("FAIL {f}");
            }
            println!(
                "{} rules, {examples} examples: {} failed",
                set.len(),
                failures.len()
            );
            Ok(if failures.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}
