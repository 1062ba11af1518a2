//! Why the simulator could not start or keep serving.

use std::path::PathBuf;

/// Why the simulator could not start or keep serving.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("refusing to bind {0}: outside 127.0.0.0/8 (use --netns with a namespace you made)")]
    Unsafe(String),
    #[error("file descriptors: {0}")]
    Limits(String),
    #[error("network namespace {name}: {source}")]
    Netns {
        name: String,
        source: std::io::Error,
    },
    #[error("binding {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("TLS: {0}")]
    Tls(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
