//! `camaudit-sim`: the estate simulator on its own (the same library
//! `camaudit sim` runs). Built with the `args` feature.

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "camaudit-sim",
    about = "Serve an emulated estate of cameras, recorders and decoys on loopback"
)]
struct Cli {
    #[command(flatten)]
    config: camaudit_sim::args::SimArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match camaudit_sim::run_blocking(cli.config.into()) {
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("camaudit-sim: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
