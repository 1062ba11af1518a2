//! The records the store keeps, as types that refuse what they cannot be.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A scan's number in its store, as printed when it starts and given to
/// `--resume`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ScanId(pub i64);

impl fmt::Display for ScanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A stored word that is none of the values this camaudit knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

/// Declares a fieldless enum stored as a lowercase word, with `as_str`,
/// `Display` and a `FromStr` that refuses unknown words.
macro_rules! stored_word {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($(#[$vmeta:meta])* $variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $($word => Ok($name::$variant),)+
                    _ => Err(UnknownValue { what: $what, value: s.to_owned() }),
                }
            }
        }
    };
}

stored_word!(
    /// How a scan ended, or that it has not.
    ScanStatus, "scan status", {
        Running => "running",
        /// Stopped before the end (Ctrl-C, an error): resumable.
        Interrupted => "interrupted",
        Complete => "complete",
    }
);

stored_word!(
    /// Where a scan's observations came from.
    ScanKind, "scan kind", {
        /// Active probes (`camaudit scan`, `camaudit demo`).
        Scan => "scan",
        /// An imported file of another tool's results (`camaudit import`).
        Import => "import",
        /// A packet capture read passively (`camaudit pcap`).
        Pcap => "pcap",
    }
);

/// Which part of a scan a batch of observations belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Chunk {
    /// One block of target addresses (numbered from 0), the unit of resume.
    Block(u64),
    /// Not tied to a block: multicast discovery replies, an imported file.
    /// Never probed again, so never discarded by a resume.
    Unchunked,
}

/// Whether a chunk's observations are all it will have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChunkState {
    /// What was found before the scan stopped; a resume redoes the block.
    Partial,
    Done,
}

/// One scan's record.
#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    pub id: ScanId,
    pub kind: ScanKind,
    pub started_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
    pub status: ScanStatus,
    /// The target and exclusion specifications as given (for an import, the
    /// file read).
    pub targets: Vec<String>,
    pub exclude: Vec<String>,
    /// The scan's parameters as the pipeline serialised them.
    pub params: serde_json::Value,
    pub total_addresses: u64,
    pub chunk_size: u64,
    pub chunks_total: u64,
}

/// What a new scan is.
#[derive(Debug, Clone)]
pub struct NewScan {
    pub kind: ScanKind,
    pub started_at: OffsetDateTime,
    pub targets: Vec<String>,
    pub exclude: Vec<String>,
    pub params: serde_json::Value,
    pub total_addresses: u64,
    pub chunk_size: u64,
    pub chunks_total: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_words_round_trip_and_unknown_ones_are_refused() {
        for s in [
            ScanStatus::Running,
            ScanStatus::Interrupted,
            ScanStatus::Complete,
        ] {
            assert_eq!(s.as_str().parse::<ScanStatus>(), Ok(s));
        }
        assert_eq!("import".parse::<ScanKind>(), Ok(ScanKind::Import));
        let err = "finished".parse::<ScanStatus>().unwrap_err();
        assert_eq!(err.to_string(), "unknown scan status \"finished\"");
        assert!("Complete".parse::<ScanStatus>().is_err(), "case matters");
    }
}
