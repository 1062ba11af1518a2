use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::ModelError;

/// A vendor, brand or company id: a lowercase slug such as `hikvision`,
/// `dahua`, `hanwha` or `lts`.
///
/// The same id space names manufacturers, label brands and corporate owners;
/// the registry says which is which.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct VendorId(String);

impl VendorId {
    /// Validates `s` as a slug: 1 to 64 characters of `a-z`, `0-9` and `-`,
    /// starting with a letter or digit.
    pub fn new(s: &str) -> Result<Self, ModelError> {
        let valid = !s.is_empty()
            && s.len() <= 64
            && !s.starts_with('-')
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if valid {
            Ok(VendorId(s.to_owned()))
        } else {
            Err(ModelError::VendorId(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for VendorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for VendorId {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VendorId::new(s)
    }
}

impl<'de> Deserialize<'de> for VendorId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        VendorId::new(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_slugs_and_rejects_the_rest() {
        assert!(VendorId::new("hikvision").is_ok());
        assert!(VendorId::new("i-pro").is_ok());
        assert!(VendorId::new("3xlogic").is_ok());
        for bad in ["", "Hikvision", "hik vision", "-x", "hik_vision", "海康"] {
            assert!(VendorId::new(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn deserialisation_validates() {
        assert!(serde_json::from_str::<VendorId>("\"dahua\"").is_ok());
        assert!(serde_json::from_str::<VendorId>("\"Dahua\"").is_err());
    }
}
