use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ModelError;

/// A 48-bit MAC address, printed as lowercase colon-separated hex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    /// Parses the spellings devices and tools use: `44:19:b6:01:02:03`,
    /// `44-19-B6-01-02-03` (SADP), `4419.b601.0203` (Cisco) and
    /// `4419b6010203` (Uniview LAPI, EndpointReference UUIDs).
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        let trimmed = s.trim();
        let mut octets = [0u8; 6];
        let mut count = 0usize;
        let mut nibble: Option<u8> = None;
        for c in trimmed.chars() {
            if matches!(c, ':' | '-' | '.') {
                continue;
            }
            let v = c
                .to_digit(16)
                .ok_or_else(|| ModelError::Mac(s.to_owned()))? as u8;
            match nibble.take() {
                None => nibble = Some(v),
                Some(hi) => {
                    if count == 6 {
                        return Err(ModelError::Mac(s.to_owned()));
                    }
                    octets[count] = hi << 4 | v;
                    count += 1;
                }
            }
        }
        if count != 6 || nibble.is_some() || !separators_are_regular(trimmed) {
            return Err(ModelError::Mac(s.to_owned()));
        }
        Ok(Mac(octets))
    }

    /// The first 24, 28 or 36 bits as an integer, for OUI lookup.
    pub fn prefix_bits(&self, bits: u32) -> u64 {
        let n = u64::from_be_bytes([
            0, 0, self.0[0], self.0[1], self.0[2], self.0[3], self.0[4], self.0[5],
        ]);
        n >> (48 - bits)
    }

    /// True for addresses an operator set by hand (the "locally administered"
    /// bit): they say nothing about who made the hardware.
    pub fn is_locally_administered(&self) -> bool {
        self.0[0] & 0x02 != 0
    }
}

/// Separated forms must have one separator style and even groups, so that
/// "4:19:b6:1:2:3" (ambiguous) is rejected rather than guessed at.
fn separators_are_regular(s: &str) -> bool {
    let seps: Vec<char> = s.chars().filter(|c| matches!(c, ':' | '-' | '.')).collect();
    if seps.is_empty() {
        return true;
    }
    let first = seps[0];
    if seps.iter().any(|&c| c != first) {
        return false;
    }
    let groups: Vec<&str> = s.split(first).collect();
    match groups.len() {
        6 => groups.iter().all(|g| g.len() == 2),
        3 => groups.iter().all(|g| g.len() == 4),
        _ => false,
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            o[0], o[1], o[2], o[3], o[4], o[5]
        )
    }
}

impl std::str::FromStr for Mac {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mac::parse(s)
    }
}

impl Serialize for Mac {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Mac {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Mac::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_spellings() {
        let want = Mac([0x58, 0x50, 0xed, 0x1f, 0xe3, 0x85]);
        for s in [
            "58:50:ed:1f:e3:85",
            "58-50-ED-1F-E3-85",
            "5850.ed1f.e385",
            "5850ed1fe385",
            " 58:50:ed:1f:e3:85 ",
        ] {
            assert_eq!(Mac::parse(s).unwrap(), want, "{s}");
        }
        assert_eq!(want.to_string(), "58:50:ed:1f:e3:85");
    }

    #[test]
    fn rejects_malformed() {
        for s in [
            "",
            "58:50:ed:1f:e3",
            "58:50:ed:1f:e3:85:00",
            "58:50:ed:1f:e3:8",
            "58:50-ed:1f:e3:85",
            "5:8:50:ed:1f:e3:85",
            "zz:50:ed:1f:e3:85",
            "58:50:ed:1f:e3:85x",
        ] {
            assert!(Mac::parse(s).is_err(), "{s:?} accepted");
        }
    }

    #[test]
    fn prefixes() {
        let m = Mac::parse("58:50:ed:1f:e3:85").unwrap();
        assert_eq!(m.prefix_bits(24), 0x5850ed);
        assert_eq!(m.prefix_bits(28), 0x5850ed1);
        assert_eq!(m.prefix_bits(36), 0x5850ed1fe);
        assert!(!m.is_locally_administered());
        assert!(
            Mac::parse("02:00:00:00:00:01")
                .unwrap()
                .is_locally_administered()
        );
    }
}
