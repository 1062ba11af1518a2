use std::fmt;

/// Why a registry could not be loaded. Every message names the file, and
/// where there is one the entry, e.g.
/// `data/registry/brands.toml: brand lorex: company "dahau" is not an entity`.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// A file could not be read.
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid TOML, or does not have the registry's shape.
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    /// One entry breaks a rule (a missing source, an unknown id, a bad date…).
    #[error("{file}: {kind} {id}: {problem}")]
    Invalid {
        file: String,
        /// `entity`, `brand`, `regime`, `coverage`, `pattern`, `endpoint`, `kev`.
        kind: &'static str,
        id: String,
        problem: String,
    },
    /// As [`RegistryError::Invalid`], for a part of an entry whose line is
    /// known: `data/registry/entities.toml:41: entity tp-link reading 2:
    /// parent "tp-lnk" is not an entity`.
    #[error("{file}:{line}: {kind} {id}: {problem}")]
    InvalidAt {
        file: String,
        line: usize,
        kind: &'static str,
        id: String,
        problem: String,
    },
    /// Several problems, all reported at once so that a curator fixes them
    /// in one pass.
    #[error("{}", Many(.0))]
    Many(Vec<RegistryError>),
}

struct Many<'a>(&'a [RegistryError]);

impl fmt::Display for Many<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl RegistryError {
    /// The individual problems (one for a single error).
    pub fn problems(&self) -> Vec<&RegistryError> {
        match self {
            RegistryError::Many(all) => all.iter().flat_map(|e| e.problems()).collect(),
            other => vec![other],
        }
    }

    pub(crate) fn invalid(
        file: &str,
        kind: &'static str,
        id: impl Into<String>,
        problem: impl Into<String>,
    ) -> Self {
        RegistryError::Invalid {
            file: file.to_owned(),
            kind,
            id: id.into(),
            problem: problem.into(),
        }
    }

    /// One error as itself, several as [`RegistryError::Many`], none as `Ok`.
    pub(crate) fn collect(mut errors: Vec<RegistryError>) -> Result<(), RegistryError> {
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(RegistryError::Many(errors)),
        }
    }
}
