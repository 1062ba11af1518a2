//! The shared vocabulary of camaudit.
//!
//! Every stage of the pipeline speaks these types: probes, capture readers and
//! importers produce [`Observation`]s; fingerprint rules turn an observation's
//! value into [`Asserts`] (the facts it supports); the identify engine merges
//! them into a [`Device`], the stable output schema that `identify`, `scan`,
//! `pcap` and `import` all print (documented in `docs/device-schema.md`),
//! with a [`KevNote`] per known exploited vulnerability of its maker and,
//! from a packet capture, the remote [`Endpoint`]s it talked to.
//!
//! The types validate on construction (and on deserialisation), so a vendor id
//! that is not a slug, a field name outside the vocabulary's grammar or a
//! confidence above 1 cannot exist past the edge of the program.

pub mod date;
mod device;
mod endpoint;
mod fact;
mod kev;
mod mac;
mod observation;
pub mod text;
mod truth;
mod vendor;

pub use device::{AttributionStep, Conflict, ConflictingValue, Device, Evidence};
pub use endpoint::{Direction, Endpoint, EndpointProtocol, EndpointService, PeerScope};
pub use fact::{Asserts, Confidence, DeviceType, FactKind};
pub use kev::{KevNote, KevStatus};
pub use mac::Mac;
pub use observation::{Field, Observation, Source, Transport};
pub use truth::{TruthRecord, TruthRole};
pub use vendor::VendorId;

/// Why a value could not become one of the model's types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("invalid vendor id {0:?}: use a lowercase slug such as \"hikvision\" (a-z, 0-9, '-')")]
    VendorId(String),
    #[error(
        "invalid field name {0:?}: use lowercase dot-separated names such as \"http.header.server\""
    )]
    Field(String),
    #[error("unknown source {0:?}: expected one of {1}")]
    Source(String, &'static str),
    #[error("invalid MAC address {0:?}: expected six hex octets such as 44:19:b6:01:02:03")]
    Mac(String),
    #[error("confidence {0} is outside 0..=1")]
    Confidence(String),
    #[error("unknown device type {0:?}: expected one of {1}")]
    DeviceType(String, &'static str),
}
