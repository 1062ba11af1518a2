use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::{DeviceType, Mac, VendorId};

/// What the estate simulator really serves at one address: the answer key a
/// scan is graded against. Written as JSONL by `camaudit sim --truth`, in the
/// device schema's vocabulary so that a truth line and a scanned device can be
/// compared field by field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthRecord {
    pub addr: IpAddr,
    pub mac: Option<Mac>,
    /// The brand the device presents (for a rebrand, the OEM's).
    pub label_vendor: Option<VendorId>,
    /// Who really made it.
    pub manufacturer: Option<VendorId>,
    pub owner: Option<VendorId>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub device_type: Option<DeviceType>,
    pub covered: bool,
    pub open_ports: Vec<u16>,
    /// What the address is in the estate: a camera or recorder, a decoy
    /// (something that is not surveillance gear) or nothing at all.
    pub role: TruthRole,
    /// The hostile or broken behaviour this device was given, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TruthRole {
    /// Surveillance equipment (camera, recorder, intercom…).
    Surveillance,
    /// Not surveillance equipment: a plain web server, printer, router.
    Decoy,
    /// An address with nothing listening.
    Empty,
}
