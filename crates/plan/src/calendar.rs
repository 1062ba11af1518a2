//! Days, weeks and budget periods of the horizon, as day offsets from the
//! start date; and, for each site and week, the day of that week an
//! installer may visit.

use time::{Date, Duration, Month};

use crate::PlanError;
use crate::problem::{Constraints, Site};

/// Marks a week in which a site cannot be visited.
const NO_DAY: u32 = u32::MAX;

/// The horizon cut into weeks (capacity) and periods (budget), and both
/// together into slots: a week, or the part of a week inside one period
/// when a period begins mid-week. A site has at most one visit a slot.
#[derive(Debug, Clone)]
pub(crate) struct Calendar {
    pub start: Date,
    /// Days in the horizon: day offsets run `0..days`.
    pub days: u32,
    pub weeks: u32,
    /// Day offset of each period's first day, then of the horizon's end.
    pub period_starts: Vec<u32>,
    pub slots: Vec<Slot>,
}

/// Days `first..end` of week `week`, all in one period.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    pub week: u32,
    pub first: u32,
    pub end: u32,
}

/// The longest horizon accepted: a hundred years is already beyond any
/// remediation plan, and keeps every date inside `time`'s range.
const MAX_HORIZON_MONTHS: u32 = 1200;

impl Calendar {
    pub fn new(c: &Constraints) -> Result<Calendar, PlanError> {
        let months = c.period.months();
        if c.horizon_periods.saturating_mul(months) > MAX_HORIZON_MONTHS {
            return Err(PlanError::HorizonTooLong(c.horizon_periods));
        }
        let period_starts = (0..=c.horizon_periods)
            .map(|k| {
                let date = add_months(c.start, k * months)
                    .ok_or(PlanError::HorizonTooLong(c.horizon_periods))?;
                Ok((date - c.start).whole_days() as u32)
            })
            .collect::<Result<Vec<u32>, PlanError>>()?;
        let days = period_starts[period_starts.len() - 1];
        let weeks = days.div_ceil(7);
        let slots = (0..weeks)
            .flat_map(|week| {
                let (first, end) = (week * 7, (week * 7 + 7).min(days));
                let cuts: Vec<u32> = std::iter::once(first)
                    .chain(
                        period_starts
                            .iter()
                            .copied()
                            .filter(|&s| s > first && s < end),
                    )
                    .chain(std::iter::once(end))
                    .collect();
                cuts.windows(2)
                    .map(|w| Slot {
                        week,
                        first: w[0],
                        end: w[1],
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        Ok(Calendar {
            start: c.start,
            days,
            weeks,
            period_starts,
            slots,
        })
    }

    /// The first slot that starts on or after `day`.
    pub fn slot_from(&self, day: u32) -> u32 {
        self.slots.partition_point(|s| s.first < day) as u32
    }

    pub fn periods(&self) -> u32 {
        self.period_starts.len() as u32 - 1
    }

    pub fn date(&self, day: u32) -> Date {
        self.start + Duration::days(i64::from(day))
    }

    /// The period a day falls in.
    pub fn period_of(&self, day: u32) -> u32 {
        (self.period_starts.partition_point(|&s| s <= day) - 1) as u32
    }

    /// The first and last day of a period.
    pub fn period_span(&self, period: u32) -> (u32, u32) {
        let p = period as usize;
        (self.period_starts[p], self.period_starts[p + 1] - 1)
    }
}

/// The same day of the month `months` later, or the month's last day when
/// it is shorter (31 January + 1 month = 28 or 29 February).
fn add_months(date: Date, months: u32) -> Option<Date> {
    let index = date.year() * 12 + i32::from(u8::from(date.month())) - 1 + months as i32;
    let year = index.div_euclid(12);
    let month = Month::try_from((index.rem_euclid(12) + 1) as u8).ok()?;
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).ok()
}

/// For every site and slot, the day offset of the slot's first day an
/// installer may come: the slot's visit starts then. For a site whose
/// daily window is shorter than a job, also every open day of the horizon,
/// so the job can be carried over the site's next open days.
#[derive(Debug, Clone)]
pub(crate) struct VisitDays {
    slots: u32,
    days: Vec<u32>,
    /// Per site: the daily window in minutes and the site's open days, in
    /// order; `None` without a daily limit.
    windows: Vec<Option<(u32, Vec<u32>)>>,
}

impl VisitDays {
    pub fn new(calendar: &Calendar, sites: &[Site]) -> VisitDays {
        let dates: Vec<Date> = (0..calendar.days).map(|d| calendar.date(d)).collect();
        let slots = calendar.slots.len();
        let windows = sites
            .iter()
            .map(|site| {
                let limit = site.access.minutes_per_day?;
                let open = (0..calendar.days)
                    .filter(|&d| site.access.allows(dates[d as usize]))
                    .collect();
                Some((limit.0, open))
            })
            .collect();
        let mut days = Vec::with_capacity(sites.len() * slots);
        for site in sites {
            for slot in &calendar.slots {
                let day = (slot.first..slot.end)
                    .find(|&d| site.access.allows(dates[d as usize]))
                    .unwrap_or(NO_DAY);
                days.push(day);
            }
        }
        VisitDays {
            slots: slots as u32,
            days,
            windows,
        }
    }

    /// The day a job of `minutes` started on `day` at `site` is finished:
    /// one installer works at most the daily window on each open day, so a
    /// longer job runs on over the site's next open days. `None` when it
    /// would not finish within the horizon.
    pub fn finish(&self, site: usize, day: u32, minutes: u32) -> Option<u32> {
        let Some((limit, open)) = &self.windows[site] else {
            return Some(day);
        };
        if *limit == 0 {
            return None; // a window of no time: nothing can be done there
        }
        let days_needed = minutes.div_ceil(*limit).max(1) as usize;
        let first = open.partition_point(|&d| d < day);
        open.get(first + days_needed - 1).copied()
    }

    /// The day of `slot` on which `site` can be visited, if any.
    pub fn day(&self, site: usize, slot: u32) -> Option<u32> {
        let d = self.days[site * self.slots as usize + slot as usize];
        (d != NO_DAY).then_some(d)
    }

    pub fn ever(&self, site: usize) -> bool {
        (0..self.slots).any(|s| self.day(site, s).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::{Capacity, Period};
    use crate::units::Minutes;
    use time::macros::date;

    #[test]
    fn months_clamp_to_the_end_of_a_shorter_month() {
        assert_eq!(
            add_months(date!(2027 - 01 - 31), 1),
            Some(date!(2027 - 02 - 28))
        );
        assert_eq!(
            add_months(date!(2027 - 11 - 15), 3),
            Some(date!(2028 - 02 - 15))
        );
    }

    #[test]
    fn quarters_from_the_first_of_january_are_calendar_quarters() {
        let mut c = Constraints::new(date!(2027 - 01 - 01), None, Capacity::Shared(Minutes(60)));
        c.horizon_periods = 4;
        c.period = Period::Quarter;
        let cal = Calendar::new(&c).unwrap();
        assert_eq!(cal.days, 365);
        assert_eq!(cal.period_of(0), 0);
        assert_eq!(cal.date(cal.period_starts[1]), date!(2027 - 04 - 01));
        assert_eq!(cal.period_of(cal.period_starts[1]), 1);
        assert_eq!(cal.period_of(cal.period_starts[1] - 1), 0);
        assert_eq!(cal.period_span(3).1, 364);
        assert_eq!(cal.weeks, 53);
        // 1 April 2027 is a Thursday: the week from Friday 26 March splits.
        let april = cal.slot_from(cal.period_starts[1]) as usize;
        assert_eq!(cal.slots[april].first, cal.period_starts[1]);
        assert_eq!(cal.slots[april].week, cal.slots[april - 1].week);
    }
}
