//! One way to build the identify engine, for every command: the built-in
//! rules, registry and MAC table, plus the user's own rule directories, a
//! registry overlay and fresh IEEE registry files.

use std::path::{Path, PathBuf};

use camaudit_identify::Engine;
use camaudit_oui::{OuiError, OuiTable, VendorMapping};
use camaudit_registry::{Registry, RegistryError};
use camaudit_rules::{RuleErrors, RuleSet};

/// Where the engine's parts come from. The default is everything built in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineOptions {
    /// Extra rule directories (every `*.toml` in each), after the built-in rules.
    pub rule_dirs: Vec<PathBuf>,
    /// IEEE registry files (IEEE CSV or Wireshark manuf) that replace the
    /// built-in MAC table.
    pub oui_files: Vec<PathBuf>,
    /// An overlay directory with an organisation's additions and
    /// trusted/banned decisions, on top of the built-in registry.
    pub registry_overlay: Option<PathBuf>,
}

/// Why the engine could not be built, naming the part and what to fix.
#[derive(Debug, thiserror::Error)]
pub enum EngineBuildError {
    #[error("loading fingerprint rules (fix the rule file it names): {0}")]
    Rules(RuleErrors),
    #[error("loading the built-in registry: {0}")]
    Registry(RegistryError),
    #[error(
        "loading the registry overlay {} (fix the entries named above; format in docs/registry.md, \"Overlays\"): {error}",
        path.display()
    )]
    Overlay { path: PathBuf, error: RegistryError },
    #[error("loading the built-in OUI vendor mapping: {0}")]
    OuiMapping(OuiError),
    #[error("reading the --oui registry files (IEEE CSV or Wireshark manuf expected): {0}")]
    Oui(OuiError),
}

impl EngineOptions {
    /// Builds the engine.
    pub fn build(&self) -> Result<Engine, EngineBuildError> {
        let dirs: Vec<&Path> = self.rule_dirs.iter().map(PathBuf::as_path).collect();
        let rules = RuleSet::builtin_with_dirs(&dirs).map_err(EngineBuildError::Rules)?;
        let registry = self.load_registry()?;
        Ok(Engine::new(rules, registry, self.load_oui()?))
    }

    /// The registry alone (for commands that need no rules).
    pub fn load_registry(&self) -> Result<Registry, EngineBuildError> {
        match &self.registry_overlay {
            None => Registry::builtin().map_err(EngineBuildError::Registry),
            Some(dir) => {
                Registry::builtin_with_overlay(dir).map_err(|error| EngineBuildError::Overlay {
                    path: dir.clone(),
                    error,
                })
            }
        }
    }

    /// The MAC table from the user's files; `None` keeps the built-in one.
    fn load_oui(&self) -> Result<Option<OuiTable>, EngineBuildError> {
        if self.oui_files.is_empty() {
            return Ok(None);
        }
        let paths: Vec<&Path> = self.oui_files.iter().map(PathBuf::as_path).collect();
        let mapping = VendorMapping::builtin().map_err(EngineBuildError::OuiMapping)?;
        OuiTable::from_sources(&paths, &mapping)
            .map(Some)
            .map_err(EngineBuildError::Oui)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_builtin_engine() {
        let engine = EngineOptions::default().build().unwrap();
        assert!(engine.registry().overlay().is_none());
        assert!(!engine.rules().is_empty());
    }

    #[test]
    fn a_missing_overlay_names_the_directory() {
        let options = EngineOptions {
            registry_overlay: Some(PathBuf::from("/nonexistent/camaudit-overlay")),
            ..EngineOptions::default()
        };
        let err = options.build().err().expect("an error").to_string();
        assert!(
            err.starts_with("loading the registry overlay /nonexistent/camaudit-overlay"),
            "{err}"
        );
    }

    #[test]
    fn a_broken_rule_directory_is_an_error_naming_the_file() {
        let dir =
            std::env::temp_dir().join(format!("camaudit-engine-rules-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ours.toml"), "[[rule]\nid = ").unwrap();
        let options = EngineOptions {
            rule_dirs: vec![dir.clone()],
            ..EngineOptions::default()
        };
        let err = options.build().err().expect("an error").to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(err.starts_with("loading fingerprint rules"), "{err}");
        assert!(err.contains("ours.toml"), "{err}");
    }

    #[test]
    fn an_unreadable_oui_file_is_an_error() {
        let options = EngineOptions {
            oui_files: vec![PathBuf::from("/nonexistent/oui.csv")],
            ..EngineOptions::default()
        };
        let err = options.build().err().expect("an error").to_string();
        assert!(err.starts_with("reading the --oui registry files"), "{err}");
    }
}
