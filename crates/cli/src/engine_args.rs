//! The engine flags every command that identifies takes, the same way.

use std::path::PathBuf;

use camaudit_pipeline::EngineOptions;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct EngineArgs {
    /// Extra rule directory (every *.toml in it), after the built-in rules. Repeatable.
    #[arg(long = "rules", value_name = "DIR")]
    pub rule_dirs: Vec<PathBuf>,
    /// Fresh IEEE registry file(s) (IEEE CSV or Wireshark manuf) instead of the built-in MAC table. Repeatable.
    #[arg(long = "oui", value_name = "FILE")]
    pub oui_files: Vec<PathBuf>,
    /// Overlay directory with your organisation's additions and trusted/banned decisions (docs/registry.md, "Overlays").
    #[arg(long = "registry", value_name = "DIR")]
    pub registry: Option<PathBuf>,
}

impl EngineArgs {
    pub fn options(&self) -> EngineOptions {
        EngineOptions {
            rule_dirs: self.rule_dirs.clone(),
            oui_files: self.oui_files.clone(),
            registry_overlay: self.registry.clone(),
        }
    }
}
