//! The sensor batch as it travels: `POST {server}/api/v1/batches` with a
//! JSON body, and the server's answers (contract 2 of the estate server,
//! `docs/push.md`). The sender writes the body itself, piece by piece, to
//! bound its size; these types read it back (the tests' server does) and
//! read the answers.

use camaudit_model::{Device, Observation};
use camaudit_store::{BatchId, ScanKind, Slug};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The path under the server's address that batches are posted to.
pub const BATCHES_PATH: &str = "/api/v1/batches";

/// One batch's body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireBatch {
    pub id: BatchId,
    pub site: Slug,
    pub scan: WireScan,
    pub observations: Vec<Observation>,
    pub devices: Vec<Device>,
}

/// The scan a batch belongs to, the same in each of its batches except
/// `finished_at`, which only the last one carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireScan {
    #[serde(rename = "ref")]
    pub scan_ref: String,
    pub kind: ScanKind,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    pub params: serde_json::Value,
}

/// What the server says to a batch it took (201 stored, 200 duplicate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    pub batch: BatchId,
    pub outcome: AckOutcome,
    /// The server's number for the scan the batch went into.
    pub scan: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AckOutcome {
    Stored,
    Duplicate,
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}
