//! `camaudit sim`: serve the emulated estate (crates/sim) until Ctrl-C.

use std::process::ExitCode;

use anyhow::Result;

#[derive(clap::Args)]
#[command(
    about = "Serve an emulated estate of cameras, recorders and decoys on loopback, with an answer key",
    after_help = "Examples:
  camaudit sim --devices 2000 --base 127.77.0.0/16 --truth truth.jsonl
  camaudit sim --devices 50 --faults 0.2 --ready-file /tmp/sim.ready &
  camaudit sim --netns camsim --devices 65536      # inside a namespace you created

Addresses outside 127.0.0.0/8 are refused unless --netns names a namespace you made.
Protocol sources and fault modes: docs/sim.md."
)]
pub struct Args {
    #[command(flatten)]
    config: camaudit_sim::args::SimArgs,
}

pub fn run(args: Args) -> Result<ExitCode> {
    camaudit_sim::run_blocking(args.config.into())
        .map_err(|e| anyhow::anyhow!("simulator: {e}"))?;
    Ok(ExitCode::SUCCESS)
}
