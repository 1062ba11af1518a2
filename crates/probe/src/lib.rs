//! Active probing for camaudit: from a target list to observations.
//!
//! A scan runs in two stages over lazily iterated [`targets`]:
//!
//! 1. a TCP connect [`sweep`] of the chosen ports, paced by a global token
//!    bucket ([`ratelimit`]) and bounded in flight, telling open, closed
//!    (reset) and filtered (timeout) apart;
//! 2. on open ports only, read-only protocol probes: [`http`] and HTTPS with
//!    the certificate ([`tls`]), [`rtsp`] OPTIONS/DESCRIBE, [`onvif`]
//!    GetSystemDateAndTime/GetDeviceInformation, and the vendor [`banner`]
//!    ports (Hikvision 8000, Dahua 37777, Xiongmai 34567, telnet, FTP);
//!    plus unicast UDP discovery ([`wsd`], [`sadp`], [`dhip`], [`ssdp`]) and
//!    MAC addresses from the [`neighbour`] table.
//!
//! Every reply becomes [`Observation`](camaudit_model::Observation)s in the
//! vocabulary of `docs/fields.md`; nothing is interpreted here (the identify
//! engine does that).
//!
//! Safety is part of the design: rate limits are on by default, every socket
//! has a timeout and every read a size cap, XML is parsed with DTDs refused,
//! no credentials are sent unless given, and only discovery requests and
//! read-only queries are ever built (see `docs/scan.md`).

pub mod audit;
pub mod banner;
pub mod conn;
pub mod credentials;
pub mod dhip;
pub mod hash;
pub mod http;
pub mod neighbour;
pub mod obs;
pub mod onvif;
pub mod ratelimit;
pub mod rtsp;
pub mod sadp;
pub mod scan;
pub mod ssdp;
pub mod sweep;
pub mod targets;
pub mod tls;
pub mod topsee;
pub mod udp;
pub mod wire;
pub mod wsd;
pub mod xml;

pub use audit::{Audit, AuditEntry, AuditSink, JsonlAudit};
pub use credentials::{Credential, CredentialError, Keyring};
pub use scan::{ChunkResult, Progress, ScanConfig, Scanner};
pub use targets::{CHUNK_SIZE, TargetError, TargetSet};

/// Why one probe got nothing. Probes swallow these (a device that does not
/// answer is not an error of the scan); they surface in tests and logs.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("timed out")]
    Timeout,
    #[error("connection closed without a reply")]
    Empty,
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("malformed reply: {0}")]
    Malformed(String),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("XML: {0}")]
    Xml(String),
}
