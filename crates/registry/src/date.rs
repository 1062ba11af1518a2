//! The registry's dates: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as precise as
//! the source allows.

use camaudit_model::date::PartialDate;

/// The years a registry date may have.
const REGISTRY_YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// Checks a registry date. Returns the problem, if any.
pub fn check(date: &str) -> Result<(), String> {
    PartialDate::parse_iso(date, REGISTRY_YEARS)
        .map(|_| ())
        .map_err(|e| format!("bad date {date:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn accepts_the_three_precisions() {
        for ok in ["2018", "2021-04", "2022-11-24", "2024-02-29"] {
            assert!(check(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_the_rest() {
        for bad in [
            "",
            "18",
            "2018-4",
            "2018-13",
            "2023-02-29",
            "2022-11-31",
            "2022/11/24",
            "24 Nov 2022",
            "2022-11-24-01",
            "1800",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }
}
