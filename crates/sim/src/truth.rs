//! The answer key: one JSON line per address, in the device schema's
//! vocabulary ([`camaudit_model::TruthRecord`]).

use std::io::Write;
use std::path::Path;

use crate::error::SimError;
use crate::estate::Estate;

pub fn write(path: &Path, estate: &Estate) -> Result<(), SimError> {
    let err = |source| SimError::File {
        path: path.to_owned(),
        source,
    };
    let f = std::fs::File::create(path).map_err(err)?;
    let mut w = std::io::BufWriter::new(f);
    for d in &estate.devices {
        let line = serde_json::to_string(&d.truth()).map_err(|e| err(e.into()))?;
        w.write_all(line.as_bytes()).map_err(err)?;
        w.write_all(b"\n").map_err(err)?;
    }
    w.flush().map_err(err)
}
