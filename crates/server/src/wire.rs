//! What sensors send: the batch wire format (contract 2 of the estate
//! server). Every level refuses unknown fields, so a body that tries to set
//! what the server decides (an organisation, a site id, a stored id) is a
//! 400, not silently ignored.

use camaudit_model::{Device, Observation};
use camaudit_store::{BatchId, ScanKind, Slug};
use serde::Deserialize;
use time::OffsetDateTime;

/// `POST /api/v1/batches`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    pub id: BatchId,
    /// The site's slug, looked up within the token's organisation.
    pub site: Slug,
    pub scan: ScanPart,
    pub observations: Vec<Observation>,
    pub devices: Vec<Device>,
}

/// The sensor's scan this batch belongs to.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanPart {
    #[serde(rename = "ref")]
    pub scan_ref: ScanRef,
    pub kind: ScanKind,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    pub params: serde_json::Map<String, serde_json::Value>,
}

/// A sensor's name for its scan: 1 to 512 printable characters.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct ScanRef(pub String);

impl TryFrom<String> for ScanRef {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if (1..=512).contains(&s.len()) && !s.chars().any(char::is_control) {
            Ok(ScanRef(s))
        } else {
            Err(format!(
                "{:?} is not a scan reference: use 1 to 512 printable characters",
                s.chars().take(40).collect::<String>()
            ))
        }
    }
}

/// How a body that did not parse is answered: the code says which kind of
/// mistake, the message where.
pub fn classify(e: &serde_json::Error) -> (&'static str, String) {
    use serde_json::error::Category;
    let code = match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => "malformed_json",
        Category::Data if e.to_string().starts_with("unknown field") => "unknown_field",
        Category::Data => "bad_value",
    };
    (code, format!("the body is not a valid batch: {e}"))
}
