//! nmap's XML output (`nmap -oX FILE`) read into observations.
//!
//! The file is streamed with `quick-xml`: no tree is built, no entity is
//! ever expanded (a DOCTYPE that declares entities is refused), every kept
//! text is cut to [`Limits`], and memory stays bounded whatever the size of
//! the file when the streaming reader [`read_nmap_xml_with`] is used. The
//! mapping from nmap's elements and NSE script output to the field
//! vocabulary (`docs/fields.md`) is described in `docs/import.md`.
//!
//! Two entry points:
//! - [`read_nmap_xml`] collects every observation and returns them only if
//!   the whole file was read: an error returns nothing, so a caller never
//!   stores half a file by accident.
//! - [`read_nmap_xml_with`] hands each host's observations to a callback as
//!   soon as its `</host>` is read, for files too large to hold; the caller
//!   decides what to do with what it was given before an error.
//!
//! A `<host>` that is well-formed XML but cannot be used (no IP address, a
//! port number out of range, more text than `Limits::max_host_bytes`) is
//! skipped and counted, with the first few reasons kept. Malformed XML, a
//! truncated file, a refused DOCTYPE or an unknown entity is one
//! [`ImportError`] naming the line and byte offset.

mod input;
mod map;
mod parse;
mod record;
mod scripts;

use std::fmt;
use std::io::BufRead;

use camaudit_model::Observation;

/// Bounds on what the reader keeps; the defaults suit any real nmap file.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Longest observation value kept (longer values are cut on a UTF-8
    /// boundary). Default 4096 bytes, as the probes keep.
    pub max_value_bytes: usize,
    /// Longest script `output` or `<elem>` text kept for parsing (header
    /// lists, UPnP and WS-Discovery output). Default 64 KiB.
    pub max_script_bytes: usize,
    /// Longest single XML event (a tag with its attributes, or a run of
    /// text); longer is an error. Default 16 MiB.
    pub max_event_bytes: u64,
    /// Deepest element nesting accepted. Default 64 (nmap nests about 8).
    pub max_depth: usize,
    /// Most text kept for one host before it is skipped. Default 16 MiB.
    pub max_host_bytes: usize,
    /// Most observations [`read_nmap_xml`] collects before it gives up and
    /// says to use [`read_nmap_xml_with`]. Default 5,000,000.
    pub max_observations: usize,
    /// How many skip reasons are kept (all skips are counted). Default 10.
    pub max_skip_reasons: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_value_bytes: 4096,
            max_script_bytes: 64 * 1024,
            max_event_bytes: 16 * 1024 * 1024,
            max_depth: 64,
            max_host_bytes: 16 * 1024 * 1024,
            max_observations: 5_000_000,
            max_skip_reasons: 10,
        }
    }
}

/// Where in the file: 1-based line and 0-based byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: u64,
    pub byte: u64,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, byte {}", self.line, self.byte)
    }
}

/// A `<host>` that was read as XML but could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedHost {
    /// Where its `<host>` element starts.
    pub at: Position,
    /// Its first address, when it had one.
    pub addr: Option<String>,
    pub reason: String,
}

/// What nmap wrote in `<runstats>`: absent when the scan was interrupted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFinished {
    /// RFC 3339, from `<finished time>`.
    pub at: Option<String>,
    /// `success` or `error`.
    pub exit: Option<String>,
    pub error_message: Option<String>,
    pub hosts_up: Option<u64>,
    pub hosts_down: Option<u64>,
    pub hosts_total: Option<u64>,
}

/// Everything about a read except the observations themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanSummary {
    /// Hosts that were up and read.
    pub hosts_read: u64,
    /// Hosts nmap reported down (they give no observations).
    pub hosts_down: u64,
    pub hosts_skipped: u64,
    /// The first `Limits::max_skip_reasons` skipped hosts.
    pub skipped: Vec<SkippedHost>,
    /// RFC 3339, from `<nmaprun start>`.
    pub scan_started_at: Option<String>,
    pub nmap_version: Option<String>,
    /// The command line nmap was run with.
    pub args: Option<String>,
    pub finished: Option<RunFinished>,
    pub observations: u64,
}

/// A whole file read with [`read_nmap_xml`].
#[derive(Debug, Clone)]
pub struct NmapImport {
    pub observations: Vec<Observation>,
    pub summary: ScanSummary,
}

/// Why a file could not be read. Every variant says where.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("reading nmap XML at {at}: {error}")]
    Io { at: Position, error: std::io::Error },
    #[error("malformed XML at {at}: {message}")]
    Xml { at: Position, message: String },
    #[error("not an nmap XML file: {what} (at {at})")]
    NotNmap { at: Position, what: String },
    #[error(
        "refused a DOCTYPE that declares entities at {at}: entities are never expanded (an XML bomb or an external-entity read)"
    )]
    EntityDeclaration { at: Position },
    #[error(
        "undefined entity &{name}; at {at}: only the predefined entities and character references are read"
    )]
    UndefinedEntity { at: Position, name: String },
    #[error("an XML element or text at {at} is longer than {limit} bytes")]
    EventTooLarge { at: Position, limit: u64 },
    #[error("elements nested deeper than {limit} at {at}")]
    TooDeep { at: Position, limit: usize },
    #[error("the file ends inside <{open}> at {at}: it is truncated")]
    Truncated { at: Position, open: String },
    #[error(
        "more than {limit} observations: raise Limits::max_observations or read the file with read_nmap_xml_with"
    )]
    TooManyObservations { limit: usize },
    #[error("after {at}: {error}")]
    Sink {
        at: Position,
        error: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Reads a whole nmap XML file; all or nothing.
pub fn read_nmap_xml(input: impl BufRead, limits: &Limits) -> Result<NmapImport, ImportError> {
    let mut observations = Vec::new();
    let max = limits.max_observations;
    let summary = read_nmap_xml_with(input, limits, |batch| {
        if observations.len() + batch.len() > max {
            return Err(ImportError::TooManyObservations { limit: max });
        }
        observations.extend(batch);
        Ok(())
    })
    .map_err(|e| match e {
        ImportError::Sink { error, .. } => match error.downcast::<ImportError>() {
            Ok(inner) => *inner,
            Err(other) => ImportError::Sink {
                at: Position { line: 0, byte: 0 },
                error: other,
            },
        },
        e => e,
    })?;
    Ok(NmapImport {
        observations,
        summary,
    })
}

/// Streams a file: `on_host` gets the observations of each host (and of
/// each run-level script, such as `broadcast-wsdd-discover`) in file order.
/// An error from `on_host` stops the read and comes back as
/// [`ImportError::Sink`]. Memory is bounded by [`Limits`], not by the file.
pub fn read_nmap_xml_with<E>(
    input: impl BufRead,
    limits: &Limits,
    on_host: impl FnMut(Vec<Observation>) -> Result<(), E>,
) -> Result<ScanSummary, ImportError>
where
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    parse::Parser::new(input, limits.clone()).run(on_host)
}
