//! Whether a firmware change is an upgrade, a downgrade, or cannot be told.
//!
//! Makers write versions differently (`V5.6.2build 190701`, `V5.4.1 build
//! 160525`, `2.800.0000000.13.R`, `IPC_G6103-B0009P30D1902`), so only what
//! can be compared honestly is: a leading dotted number of at least two
//! parts (after an optional `V`), compared part by part as numbers, then
//! the `build` stamp when both have one. Anything else is a change of
//! unknown direction, never a guess.

use std::cmp::Ordering;

use serde::Serialize;

/// The direction of a firmware change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FirmwareStep {
    Upgrade,
    Downgrade,
    /// Different, but not comparable (another numbering, or the same
    /// number with a different suffix).
    Changed,
}

/// A version's numeric parts and its build stamp, if it has them.
#[derive(Debug, PartialEq, Eq)]
struct Version {
    parts: Vec<u64>,
    build: Option<u64>,
}

fn parse(s: &str) -> Option<Version> {
    let s = s.trim();
    let s = s.strip_prefix(['V', 'v']).unwrap_or(s);
    let numeric_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let head = s[..numeric_end].trim_end_matches('.');
    let parts: Vec<u64> = head
        .split('.')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    if parts.len() < 2 {
        return None;
    }
    Some(Version {
        parts,
        build: build_stamp(&s[numeric_end..]),
    })
}

/// The digits after "build" (`build 190701`, `build190701`).
fn build_stamp(rest: &str) -> Option<u64> {
    let lower = rest.to_ascii_lowercase();
    let after = lower.split_once("build")?.1.trim_start();
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn compare_parts(a: &[u64], b: &[u64]) -> Ordering {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| {
            let x = a.get(i).copied().unwrap_or(0);
            let y = b.get(i).copied().unwrap_or(0);
            x.cmp(&y)
        })
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// Compares the firmware of one device before and after. Call it only for
/// the same maker's firmware: another maker's numbering says nothing.
pub fn compare_firmware(before: &str, after: &str) -> FirmwareStep {
    let (Some(b), Some(a)) = (parse(before), parse(after)) else {
        return FirmwareStep::Changed;
    };
    let order = match compare_parts(&b.parts, &a.parts) {
        Ordering::Equal => match (b.build, a.build) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => Ordering::Equal,
        },
        o => o,
    };
    match order {
        Ordering::Less => FirmwareStep::Upgrade,
        Ordering::Greater => FirmwareStep::Downgrade,
        Ordering::Equal => FirmwareStep::Changed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hikvision_versions_compare_by_number_then_build() {
        assert_eq!(
            compare_firmware("V5.4.1 build 160525", "V5.6.2build 190701"),
            FirmwareStep::Upgrade
        );
        assert_eq!(
            compare_firmware("V5.7.15", "V5.7.3"),
            FirmwareStep::Downgrade,
            "15 is more than 3 as a number, less as text"
        );
        assert_eq!(
            compare_firmware("V5.5.0 build 170725", "V5.5.0 build 180101"),
            FirmwareStep::Upgrade
        );
    }

    #[test]
    fn dahua_dotted_builds_compare() {
        assert_eq!(
            compare_firmware("2.622.0000000.31.R", "2.800.0000000.13.R"),
            FirmwareStep::Upgrade
        );
        assert_eq!(
            compare_firmware("4.001.0000000.8.R", "4.001.0000000.3.R"),
            FirmwareStep::Downgrade
        );
    }

    #[test]
    fn what_cannot_be_compared_is_only_a_change() {
        // Uniview's numbering has no dotted version to read.
        assert_eq!(
            compare_firmware("IPC_G6103-B0009P30D1902", "IPC_G6202-B5018P11D2008"),
            FirmwareStep::Changed
        );
        // One readable, one not.
        assert_eq!(compare_firmware("V5.7.3", "beta"), FirmwareStep::Changed);
        // The same number, only a suffix differs.
        assert_eq!(
            compare_firmware("V5.7.3", "V5.7.3_patch"),
            FirmwareStep::Changed
        );
        // A single number is not a version.
        assert_eq!(compare_firmware("7", "8"), FirmwareStep::Changed);
    }
}
