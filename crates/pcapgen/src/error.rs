//! What can go wrong while writing a capture.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error("bad generator settings: {0}")]
    Config(String),
    #[error("building a frame: {0}")]
    Build(String),
    #[error("writing the capture: {0}")]
    Capture(String),
    #[error("{path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("laying out the simulator's estate: {0}")]
    Estate(#[from] camaudit_sim::SimError),
}
