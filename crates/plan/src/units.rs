//! Money, installer time, risk and exposure as their own types, so a cost
//! cannot be added to a number of minutes and a risk cannot be negative.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub};

use crate::PlanError;

// Dates read and write as "2027-01-01" in every format, whatever features
// of `time` other crates of the workspace turn on.
time::serde::format_description!(pub(crate) iso_date, Date, "[year]-[month]-[day]");

/// An amount of money in whole pence. Integer, so totals per period add up
/// exactly to what a finance officer sees.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Pence(pub u64);

impl Pence {
    pub const ZERO: Pence = Pence(0);

    /// Whole pounds, e.g. `Pence::pounds(250_000)` for £250,000.
    pub const fn pounds(pounds: u64) -> Pence {
        Pence(pounds * 100)
    }

    pub fn saturating_sub(self, other: Pence) -> Pence {
        Pence(self.0.saturating_sub(other.0))
    }

    /// Pounds as a float, for ratios (risk removed per pound) only.
    pub fn as_pounds_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl Add for Pence {
    type Output = Pence;
    fn add(self, rhs: Pence) -> Pence {
        Pence(self.0 + rhs.0)
    }
}

impl AddAssign for Pence {
    fn add_assign(&mut self, rhs: Pence) {
        self.0 += rhs.0;
    }
}

impl Sub for Pence {
    type Output = Pence;
    fn sub(self, rhs: Pence) -> Pence {
        Pence(self.0 - rhs.0)
    }
}

impl Sum for Pence {
    fn sum<I: Iterator<Item = Pence>>(iter: I) -> Pence {
        iter.fold(Pence::ZERO, Add::add)
    }
}

/// `£1,234.50`, or `£1,234` when there are no pence.
impl fmt::Display for Pence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pounds = self.0 / 100;
        let pence = self.0 % 100;
        let digits = pounds.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if pence == 0 {
            write!(f, "£{grouped}")
        } else {
            write!(f, "£{grouped}.{pence:02}")
        }
    }
}

/// Installer time in whole minutes (an action's labour, a week's capacity).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Minutes(pub u32);

impl Minutes {
    pub const ZERO: Minutes = Minutes(0);

    pub const fn hours(hours: u32) -> Minutes {
        Minutes(hours * 60)
    }

    pub fn as_hours_f64(self) -> f64 {
        f64::from(self.0) / 60.0
    }
}

impl Add for Minutes {
    type Output = Minutes;
    fn add(self, rhs: Minutes) -> Minutes {
        Minutes(self.0 + rhs.0)
    }
}

impl AddAssign for Minutes {
    fn add_assign(&mut self, rhs: Minutes) {
        self.0 += rhs.0;
    }
}

impl Sum for Minutes {
    fn sum<I: Iterator<Item = Minutes>>(iter: I) -> Minutes {
        iter.fold(Minutes::ZERO, Add::add)
    }
}

/// `7.5 h`
impl fmt::Display for Minutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = self.as_hours_f64();
        if self.0.is_multiple_of(60) {
            write!(f, "{} h", self.0 / 60)
        } else {
            write!(f, "{h:.1} h")
        }
    }
}

/// A device's risk per day: a finite, non-negative score (the policy crate's
/// risk score). Built through [`Risk::new`] or deserialisation, which both
/// refuse NaN, infinities and negatives.
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Risk(f64);

impl Risk {
    pub const ZERO: Risk = Risk(0.0);

    pub fn new(per_day: f64) -> Result<Risk, PlanError> {
        if per_day.is_finite() && per_day >= 0.0 {
            Ok(Risk(per_day))
        } else {
            Err(PlanError::BadRisk(per_day))
        }
    }

    pub fn per_day(self) -> f64 {
        self.0
    }

    /// The lower of two risks: doing two actions on one device leaves the
    /// risk of the stronger one.
    pub fn min(self, other: Risk) -> Risk {
        if other.0 < self.0 { other } else { self }
    }
}

impl TryFrom<f64> for Risk {
    type Error = PlanError;
    fn try_from(v: f64) -> Result<Risk, PlanError> {
        Risk::new(v)
    }
}

impl From<Risk> for f64 {
    fn from(r: Risk) -> f64 {
        r.0
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

/// Cumulative exposure: risk per day × days, summed over devices, from the
/// start date to the end of the horizon. The quantity the scheduler
/// minimises and the lower bound bounds.
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Exposure(pub f64);

impl Exposure {
    pub fn risk_days(self) -> f64 {
        self.0
    }
}

impl fmt::Display for Exposure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.0} risk-days", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pence_display_groups_thousands_and_shows_pence_only_when_present() {
        assert_eq!(Pence(0).to_string(), "£0");
        assert_eq!(Pence(12_345).to_string(), "£123.45");
        assert_eq!(Pence::pounds(250_000).to_string(), "£250,000");
        assert_eq!(Pence(123_456_789).to_string(), "£1,234,567.89");
        assert_eq!(Pence(100_005).to_string(), "£1,000.05");
    }

    #[test]
    fn risk_refuses_negative_and_non_finite_values() {
        assert!(Risk::new(-0.1).is_err());
        assert!(Risk::new(f64::NAN).is_err());
        assert!(Risk::new(f64::INFINITY).is_err());
        assert_eq!(Risk::new(2.5).map(Risk::per_day).ok(), Some(2.5));
        assert!(serde_json::from_str::<Risk>("-1").is_err());
    }

    #[test]
    fn minutes_display_as_hours() {
        assert_eq!(Minutes::hours(3).to_string(), "3 h");
        assert_eq!(Minutes(90).to_string(), "1.5 h");
    }
}
