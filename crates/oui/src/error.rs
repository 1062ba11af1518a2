use std::path::PathBuf;

/// Why a registry file, the vendor mapping or the generated table could not
/// be read.
///
/// Parse errors carry the 1-based line number; [`OuiError::InFile`] adds the
/// file they came from, so a message reads
/// `oui.csv: line 12: assignment "58Z0ED" is not hexadecimal`.
#[derive(Debug, thiserror::Error)]
pub enum OuiError {
    // The cause is part of the message, so it is not also exposed as
    // `source()`: callers printing the chain (anyhow's `{:#}`) would say it twice.
    #[error("cannot read {}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("line {line}: {message}")]
    Syntax { line: usize, message: String },
    #[error("{}: {error}", path.display())]
    InFile { path: PathBuf, error: Box<OuiError> },
    #[error("vendor mapping: {0}")]
    Mapping(String),
    #[error("OUI table line {line}: {message}")]
    Table { line: usize, message: String },
}

impl OuiError {
    pub(crate) fn syntax(line: usize, message: impl Into<String>) -> OuiError {
        OuiError::Syntax {
            line,
            message: message.into(),
        }
    }

    pub(crate) fn in_file(self, path: impl Into<PathBuf>) -> OuiError {
        OuiError::InFile {
            path: path.into(),
            error: Box::new(self),
        }
    }
}
