//! `camaudit`: find surveillance equipment made by companies subject to the
//! PRC National Intelligence Law, prove who made it, and plan its removal.
//!
//! This binary is the edge of the program: it parses arguments, reads and
//! writes files, and turns library errors into one-line messages that say
//! what to do next. The work is done in the library crates.

mod board;
mod cmd_check;
#[cfg(feature = "sim")]
mod cmd_demo;
mod cmd_diff;
mod cmd_history;
mod cmd_identify;
mod cmd_import;
mod cmd_org;
mod cmd_pcap;
mod cmd_plan;
mod cmd_push;
mod cmd_registry;
mod cmd_report;
mod cmd_rules;
mod cmd_scan;
mod cmd_serve;
#[cfg(feature = "sim")]
mod cmd_sim;
mod cmd_site;
mod cmd_token;
mod engine_args;
mod estate_arg;
mod output;
mod plan_sources;
mod planning;
mod progress;
mod push_arg;
mod store_arg;
mod vantage;

/// Every stage builds many small strings (evidence, reasons, source lists);
/// on a 100,000-line `check`, glibc's malloc spent about a fifth of the time
/// in malloc, free and heap consolidation, and mimalloc takes a quarter off
/// the CPU time (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "camaudit",
    version,
    about = "Find, attribute and plan the removal of surveillance equipment made by companies subject to the PRC National Intelligence Law",
    after_help = "Start with `camaudit identify examples/observations.jsonl`, or see README.md."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    #[cfg(feature = "sim")]
    Demo(cmd_demo::Args),
    Check(cmd_check::Args),
    Diff(cmd_diff::Args),
    History(cmd_history::Args),
    Identify(cmd_identify::Args),
    Import(cmd_import::Args),
    Org(cmd_org::Args),
    Pcap(cmd_pcap::Args),
    Plan(cmd_plan::Args),
    Push(cmd_push::Args),
    Registry(cmd_registry::Args),
    Report(cmd_report::Args),
    Rules(cmd_rules::Args),
    // Boxed: the scan has the most flags by far (clippy::large_enum_variant).
    Scan(Box<cmd_scan::Args>),
    Serve(cmd_serve::Args),
    #[cfg(feature = "sim")]
    Sim(cmd_sim::Args),
    Site(cmd_site::Args),
    Token(cmd_token::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        #[cfg(feature = "sim")]
        Command::Demo(args) => cmd_demo::run(args),
        Command::Check(args) => cmd_check::run(args),
        Command::Diff(args) => cmd_diff::run(args),
        Command::History(args) => cmd_history::run(args),
        Command::Identify(args) => cmd_identify::run(args),
        Command::Import(args) => cmd_import::run(args),
        Command::Org(args) => cmd_org::run(args),
        Command::Pcap(args) => cmd_pcap::run(args),
        Command::Plan(args) => cmd_plan::run(args),
        Command::Push(args) => cmd_push::run(args),
        Command::Registry(args) => cmd_registry::run(args),
        Command::Report(args) => cmd_report::run(args),
        Command::Rules(args) => cmd_rules::run(args),
        Command::Scan(args) => cmd_scan::run(*args),
        Command::Serve(args) => cmd_serve::run(args),
        #[cfg(feature = "sim")]
        Command::Sim(args) => cmd_sim::run(args),
        Command::Site(args) => cmd_site::run(args),
        Command::Token(args) => cmd_token::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("camaudit: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
