//! The library's one error type: what was being written, and why it failed.

use std::io;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A report could not be written. The message names the report ("writing
/// the check report"); the cause is the [`std::error::Error::source`], so
/// a caller printing the chain gets "writing the check report: Broken pipe".
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("writing the {what}")]
    Io {
        what: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("writing the {what}")]
    Csv {
        what: &'static str,
        #[source]
        source: csv::Error,
    },
    #[error("writing the {what}")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("rendering the {what}")]
    Template {
        what: &'static str,
        #[source]
        source: askama::Error,
    },
    #[error("unknown format {0:?}: expected table, json, jsonl or csv")]
    UnknownFormat(String),
}

/// Attaches the name of the report being written to a lower-level error.
pub(crate) trait Context<T> {
    fn writing(self, what: &'static str) -> Result<T>;
}

impl<T> Context<T> for Result<T, io::Error> {
    fn writing(self, what: &'static str) -> Result<T> {
        self.map_err(|source| Error::Io { what, source })
    }
}

impl<T> Context<T> for Result<T, csv::Error> {
    fn writing(self, what: &'static str) -> Result<T> {
        self.map_err(|source| Error::Csv { what, source })
    }
}

impl<T> Context<T> for Result<T, serde_json::Error> {
    fn writing(self, what: &'static str) -> Result<T> {
        self.map_err(|source| Error::Json { what, source })
    }
}

impl<T> Context<T> for Result<T, askama::Error> {
    fn writing(self, what: &'static str) -> Result<T> {
        self.map_err(|source| Error::Template { what, source })
    }
}
