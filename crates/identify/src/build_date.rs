//! The firmware's build date where the evidence states it beside the
//! version, for the KEV judgement.
//!
//! Vendors identify fixes by build date, but many sources report the
//! version without one: Dahua's DHIP discovery says `2.800.0000000.13.R`
//! while its `magicBox` reply adds `,build:2022-03-11`; Hikvision's ISAPI
//! puts the date in its own element (`<firmwareReleasedDate>build
//! 210628</firmwareReleasedDate>`). The rules capture such a date as
//! `build_date`, apart from the firmware fact, so that the two forms of one
//! version do not count as conflicting firmware. A device's build date is
//! the date stated by the evidence that reports the version the device was
//! resolved to; when that evidence disagrees with itself there is no date,
//! and a KEV range with a build bound stays `unknown`.

use camaudit_model::Evidence;
use camaudit_model::date::BuildDate;

/// The build date stated beside `firmware` by the evidence that reports that
/// version, when the evidence states exactly one.
pub(crate) fn stated_beside(evidence: &[Evidence], firmware: Option<&str>) -> Option<BuildDate> {
    let firmware = version_key(firmware?);
    let mut found: Option<BuildDate> = None;
    for ev in evidence {
        let (Some(version), Some(date)) = (&ev.asserts.firmware, &ev.asserts.build_date) else {
            continue;
        };
        if version_key(version) != firmware {
            continue;
        }
        let Some(date) = BuildDate::first_day_of(date) else {
            continue;
        };
        match found {
            Some(other) if other != date => return None,
            _ => found = Some(date),
        }
    }
    found
}

/// A version compared without case, surrounding space or a leading `V`
/// before a digit: `V2.800.0000018.0.R` from ONVIF is `2.800.0000018.0.R`
/// from DHIP.
fn version_key(version: &str) -> String {
    let v = version.trim().to_ascii_uppercase();
    match v.strip_prefix('V') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest.to_owned(),
        _ => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use camaudit_model::{Asserts, Confidence, Source};

    fn ev(firmware: Option<&str>, build_date: Option<&str>) -> Evidence {
        Evidence {
            source: Source::Http,
            port: None,
            field: "http.body".to_owned(),
            value: String::new(),
            rule: Some("test".to_owned()),
            asserts: Asserts {
                firmware: firmware.map(str::to_owned),
                build_date: build_date.map(str::to_owned),
                ..Asserts::default()
            },
            confidence: Confidence::ONE,
        }
    }

    fn date(evidence: &[Evidence], firmware: Option<&str>) -> Option<String> {
        stated_beside(evidence, firmware).map(|d| d.to_string())
    }

    #[test]
    fn the_date_beside_the_same_version_is_taken() {
        let evidence = [
            ev(Some("2.800.0000000.13.R"), None),
            ev(Some("V2.800.0000000.13.r"), Some("2022-03-11")),
        ];
        assert_eq!(
            date(&evidence, Some("2.800.0000000.13.R")).as_deref(),
            Some("2022-03-11")
        );
    }

    #[test]
    fn no_date_for_another_version_none_or_a_disagreement() {
        let other = [ev(Some("2.800.0000000.8.R"), Some("2020-01-01"))];
        assert_eq!(date(&other, Some("2.800.0000000.13.R")), None);
        assert_eq!(date(&other, None), None);
        assert_eq!(
            date(
                &[ev(Some("2.800.0000000.13.R"), None)],
                Some("2.800.0000000.13.R")
            ),
            None
        );
        let split = [
            ev(Some("2.800.0000000.13.R"), Some("2022-03-11")),
            ev(Some("2.800.0000000.13.R"), Some("2019-01-01")),
        ];
        assert_eq!(date(&split, Some("2.800.0000000.13.R")), None);
        // A date with no version beside it says nothing about this one.
        assert_eq!(date(&[ev(None, Some("2019-01-01"))], Some("V5.5.0")), None);
    }
}
