use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::{Mac, ModelError, VendorId};

/// A degree of belief in 0..=1.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Confidence(f64);

impl Confidence {
    pub const ZERO: Confidence = Confidence(0.0);
    pub const ONE: Confidence = Confidence(1.0);

    pub fn new(v: f64) -> Result<Self, ModelError> {
        if (0.0..=1.0).contains(&v) {
            Ok(Confidence(v))
        } else {
            Err(ModelError::Confidence(v.to_string()))
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }

    /// Independent pieces of evidence for the same fact strengthen it
    /// (noisy-OR): two 0.6 signals give 0.84, never more than 1.
    pub fn combine(self, other: Confidence) -> Confidence {
        Confidence(1.0 - (1.0 - self.0) * (1.0 - other.0))
    }

    /// A claim that rests on two links holds no better than both together.
    pub fn chain(self, other: Confidence) -> Confidence {
        Confidence(self.0 * other.0)
    }

    /// What is left of a claim once evidence against it is weighed: the
    /// claim holds only if the evidence against it is wrong, so 0.99 against
    /// 0.6 is 0.396.
    pub fn weakened_by(self, against: Confidence) -> Confidence {
        Confidence(self.0 * (1.0 - against.0))
    }

    /// The smaller of the two: a cap.
    pub fn at_most(self, cap: Confidence) -> Confidence {
        if self.0 <= cap.0 { self } else { cap }
    }

    /// Rounded to three decimals for output, so that reports are stable.
    pub fn rounded(self) -> Confidence {
        Confidence((self.0 * 1000.0).round() / 1000.0)
    }
}

impl Default for Confidence {
    fn default() -> Self {
        Confidence::ZERO
    }
}

impl<'de> Deserialize<'de> for Confidence {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        Confidence::new(v).map_err(serde::de::Error::custom)
    }
}

/// What kind of equipment a device is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceType {
    Camera,
    ThermalCamera,
    /// Network video recorder (IP cameras).
    Nvr,
    /// Digital video recorder (analogue / HD-over-coax cameras).
    Dvr,
    VideoEncoder,
    Intercom,
    AccessControl,
    /// Something that is not surveillance equipment: a router, printer,
    /// plain web server… Named so that a scanner's precision can be judged.
    Router,
    Printer,
    Nas,
    WebServer,
    Other,
}

const DEVICE_TYPE_NAMES: &str = "camera, thermal-camera, nvr, dvr, video-encoder, intercom, access-control, router, printer, nas, web-server, other";

impl DeviceType {
    pub const ALL: [DeviceType; 12] = [
        DeviceType::Camera,
        DeviceType::ThermalCamera,
        DeviceType::Nvr,
        DeviceType::Dvr,
        DeviceType::VideoEncoder,
        DeviceType::Intercom,
        DeviceType::AccessControl,
        DeviceType::Router,
        DeviceType::Printer,
        DeviceType::Nas,
        DeviceType::WebServer,
        DeviceType::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeviceType::Camera => "camera",
            DeviceType::ThermalCamera => "thermal-camera",
            DeviceType::Nvr => "nvr",
            DeviceType::Dvr => "dvr",
            DeviceType::VideoEncoder => "video-encoder",
            DeviceType::Intercom => "intercom",
            DeviceType::AccessControl => "access-control",
            DeviceType::Router => "router",
            DeviceType::Printer => "printer",
            DeviceType::Nas => "nas",
            DeviceType::WebServer => "web-server",
            DeviceType::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ModelError> {
        DeviceType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| ModelError::DeviceType(s.to_owned(), DEVICE_TYPE_NAMES))
    }

    /// Video surveillance equipment, the subject of the regimes.
    pub fn is_surveillance(self) -> bool {
        matches!(
            self,
            DeviceType::Camera
                | DeviceType::ThermalCamera
                | DeviceType::Nvr
                | DeviceType::Dvr
                | DeviceType::VideoEncoder
                | DeviceType::Intercom
                | DeviceType::AccessControl
        )
    }
}

impl fmt::Display for DeviceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DeviceType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DeviceType::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The kinds of fact evidence can assert about a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    /// Who made it, from platform evidence (firmware, API, protocol).
    Manufacturer,
    /// The brand the device presents (web page, logo, ONVIF manufacturer).
    LabelVendor,
    /// The firmware or software platform family, e.g. `hikvision-isapi`.
    Platform,
    DeviceType,
    Model,
    Firmware,
    Serial,
    Mac,
}

impl FactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FactKind::Manufacturer => "manufacturer",
            FactKind::LabelVendor => "label_vendor",
            FactKind::Platform => "platform",
            FactKind::DeviceType => "device_type",
            FactKind::Model => "model",
            FactKind::Firmware => "firmware",
            FactKind::Serial => "serial",
            FactKind::Mac => "mac",
        }
    }
}

impl fmt::Display for FactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The facts one piece of evidence supports. Every field is optional: a
/// Server header may name the manufacturer and nothing else.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Asserts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<VendorId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_vendor: Option<VendorId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_type: Option<DeviceType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// The firmware's build date where the evidence states it beside the
    /// version rather than in it (Dahua `…R,build:2022-03-11`, Hikvision
    /// ISAPI `<firmwareReleasedDate>build 210628</firmwareReleasedDate>`),
    /// as `YYYY-MM-DD`. Not part of the firmware fact, so sources that
    /// report the bare version do not conflict with one that adds the date;
    /// KEV ranges are judged on it (`docs/attribution.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<Mac>,
    /// Evidence against a maker: the device does not run this maker's
    /// platform (its vendor API answered 404, its web server is one the
    /// maker's firmware never uses). Lowers that maker's confidence; never
    /// names another maker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_manufacturer: Option<VendorId>,
}

impl Asserts {
    pub fn is_empty(&self) -> bool {
        *self == Asserts::default()
    }

    /// Each asserted fact as (kind, printable value).
    pub fn facts(&self) -> Vec<(FactKind, String)> {
        let mut out = Vec::new();
        let mut push = |k: FactKind, v: Option<String>| {
            if let Some(v) = v {
                out.push((k, v));
            }
        };
        push(
            FactKind::Manufacturer,
            self.manufacturer.as_ref().map(|v| v.to_string()),
        );
        push(
            FactKind::LabelVendor,
            self.label_vendor.as_ref().map(|v| v.to_string()),
        );
        push(FactKind::Platform, self.platform.clone());
        push(
            FactKind::DeviceType,
            self.device_type.map(|v| v.to_string()),
        );
        push(FactKind::Model, self.model.clone());
        push(FactKind::Firmware, self.firmware.clone());
        push(FactKind::Serial, self.serial.clone());
        push(FactKind::Mac, self.mac.map(|v| v.to_string()));
        out
    }

    /// Adds the facts of `other` that this one does not already assert.
    pub fn fill_from(&mut self, other: &Asserts) {
        fn fill<T: Clone>(a: &mut Option<T>, b: &Option<T>) {
            if a.is_none() {
                a.clone_from(b);
            }
        }
        fill(&mut self.manufacturer, &other.manufacturer);
        fill(&mut self.label_vendor, &other.label_vendor);
        fill(&mut self.platform, &other.platform);
        fill(&mut self.device_type, &other.device_type);
        fill(&mut self.model, &other.model);
        fill(&mut self.firmware, &other.firmware);
        fill(&mut self.serial, &other.serial);
        fill(&mut self.build_date, &other.build_date);
        fill(&mut self.mac, &other.mac);
        fill(&mut self.not_manufacturer, &other.not_manufacturer);
    }

    /// True when these facts say anything about who made the device or what
    /// it is, beyond the brand it shows: what a user-set value may never
    /// assert (`docs/attribution.md`).
    pub fn beyond_label(&self) -> bool {
        self.manufacturer.is_some()
            || self.platform.is_some()
            || self.model.is_some()
            || self.firmware.is_some()
            || self.serial.is_some()
            || self.build_date.is_some()
            || self.not_manufacturer.is_some()
    }

    /// What a user-set value may say: the brand it names, as a label hint
    /// (a maker named in a user field is a label, not platform evidence).
    pub fn as_label_hint(&self) -> Asserts {
        Asserts {
            label_vendor: self
                .label_vendor
                .clone()
                .or_else(|| self.manufacturer.clone()),
            ..Asserts::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_bounds_and_combination() {
        assert!(Confidence::new(1.2).is_err());
        assert!(Confidence::new(-0.1).is_err());
        let c = Confidence::new(0.6).unwrap();
        assert!((c.combine(c).get() - 0.84).abs() < 1e-9);
        assert!((c.chain(c).get() - 0.36).abs() < 1e-9);
        assert_eq!(Confidence::ONE.combine(c).get(), 1.0);
        let strong = Confidence::new(0.99).unwrap();
        assert!((strong.weakened_by(c).get() - 0.396).abs() < 1e-9);
        assert_eq!(strong.weakened_by(Confidence::ZERO), strong);
        assert_eq!(strong.at_most(c), c);
        assert_eq!(c.at_most(strong), c);
    }

    #[test]
    fn device_types_round_trip() {
        for t in DeviceType::ALL {
            assert_eq!(DeviceType::parse(t.as_str()).unwrap(), t);
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
        }
        assert!(DeviceType::Nvr.is_surveillance());
        assert!(!DeviceType::Printer.is_surveillance());
    }

    #[test]
    fn asserts_serialise_only_what_is_known() {
        let a = Asserts {
            manufacturer: Some(VendorId::new("hikvision").unwrap()),
            device_type: Some(DeviceType::Camera),
            ..Asserts::default()
        };
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"manufacturer":"hikvision","device_type":"camera"}"#
        );
        assert!(serde_json::from_str::<Asserts>(r#"{"maker":"x"}"#).is_err());
        let against: Asserts = serde_json::from_str(r#"{"not_manufacturer":"hikvision"}"#).unwrap();
        assert_eq!(against.not_manufacturer.unwrap().as_str(), "hikvision");
    }

    #[test]
    fn a_label_hint_keeps_only_the_brand() {
        let a = Asserts {
            manufacturer: Some(VendorId::new("hikvision").unwrap()),
            model: Some("replacement".into()),
            device_type: Some(DeviceType::Camera),
            ..Asserts::default()
        };
        assert!(a.beyond_label());
        let hint = a.as_label_hint();
        assert_eq!(hint.label_vendor.as_ref().unwrap().as_str(), "hikvision");
        assert!(!hint.beyond_label() && hint.device_type.is_none());
        // A build date is a firmware fact: a user-set value never states one.
        let dated = Asserts {
            build_date: Some("2022-03-11".into()),
            ..Asserts::default()
        };
        assert!(dated.beyond_label());
        assert_eq!(dated.as_label_hint(), Asserts::default());
    }
}
