//! Plain words the findings, plan, changes and registry pages share: what
//! the registry's verdict means to a person, and where a device's page is.

use camaudit_model::Verdict;

/// The registry's verdict in words, with the regimes when it is covered.
/// "Not covered" is said only of a maker proven and known to no regime;
/// a maker that is not proven is never called clear.
pub fn verdict_words(verdict: Verdict, covered_by: &[String]) -> String {
    let regimes = if covered_by.is_empty() {
        String::new()
    } else {
        format!(" ({})", covered_by.join(", "))
    };
    match verdict {
        Verdict::Covered => format!("covered{regimes}"),
        Verdict::LikelyCovered => format!("likely covered{regimes}: a link of the chain is weak"),
        Verdict::Disputed => {
            "disputed: covered under some readings of its maker's control only".to_owned()
        }
        Verdict::NotCovered => "not covered".to_owned(),
        Verdict::Unknown => "maker not proven: not cleared".to_owned(),
    }
}

/// The path of a device's page (`/devices/{site}/{scan}/{idx}`) and the
/// `data-device` value of its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAt {
    pub site: i64,
    pub scan: i64,
    pub idx: usize,
}

impl DeviceAt {
    /// `{site}/{scan}/{idx}`, as a row's `data-device` carries it.
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.site, self.scan, self.idx)
    }

    pub fn href(&self) -> String {
        format!("/devices/{}", self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_proven_maker_is_called_not_covered() {
        assert_eq!(verdict_words(Verdict::NotCovered, &[]), "not covered");
        assert!(verdict_words(Verdict::Unknown, &[]).contains("not cleared"));
        assert_eq!(
            verdict_words(Verdict::Covered, &["ndaa-889".to_owned()]),
            "covered (ndaa-889)"
        );
    }

    #[test]
    fn a_device_key_is_its_page_path() {
        let at = DeviceAt {
            site: 3,
            scan: 9,
            idx: 12,
        };
        assert_eq!(at.key(), "3/9/12");
        assert_eq!(at.href(), "/devices/3/9/12");
    }
}
