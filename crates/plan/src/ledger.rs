//! A schedule under construction: which slot each job is placed in, the
//! money spent per period, the installer minutes used per pool and slot,
//! and the visits (site, slot) open; with the exact exposure of a device
//! under the current placement.

use std::collections::HashMap;

use crate::problem::Problem;

pub(crate) const UNPLACED: u32 = u32::MAX;

#[derive(Clone)]
pub(crate) struct Ledger<'p> {
    pub problem: &'p Problem,
    /// For each job, its slot, or `UNPLACED`.
    pub slot_of: Vec<u32>,
    /// Pence spent per period, call-outs included.
    pub spent: Vec<u64>,
    /// Minutes used per pool, per week (`pool * weeks + week`).
    used: Vec<u32>,
    /// Jobs per open visit.
    visits: HashMap<(usize, u32), u32>,
}

impl<'p> Ledger<'p> {
    pub fn new(problem: &'p Problem) -> Ledger<'p> {
        let cal = &problem.calendar;
        Ledger {
            problem,
            slot_of: vec![UNPLACED; problem.jobs.len()],
            spent: vec![0; cal.periods() as usize],
            used: vec![0; problem.pool_minutes.len() * cal.weeks as usize],
            visits: HashMap::new(),
        }
    }

    /// Capacity is per week: the slots of one week share it.
    fn used_index(&self, pool: usize, slot: u32) -> usize {
        let cal = &self.problem.calendar;
        pool * cal.weeks as usize + cal.slots[slot as usize].week as usize
    }

    /// Installer minutes still free in a pool's week.
    pub fn free_minutes(&self, pool: usize, week: u32) -> u32 {
        let used = self.used[pool * self.problem.calendar.weeks as usize + week as usize];
        self.problem.pool_minutes[pool].saturating_sub(used)
    }

    pub fn has_visit(&self, site: usize, slot: u32) -> bool {
        self.visits.contains_key(&(site, slot))
    }

    /// The day a job placed in `slot` would be done, if its site is open.
    pub fn day(&self, job: usize, slot: u32) -> Option<u32> {
        self.problem
            .visit_days
            .day(self.problem.jobs[job].site, slot)
    }

    /// The money a job would add in `slot`: its cost, and the call-out if
    /// its site has no visit that slot yet.
    fn added_cost(&self, job: usize, slot: u32) -> u64 {
        let j = &self.problem.jobs[job];
        let call_out = if self.has_visit(j.site, slot) {
            0
        } else {
            self.problem.call_out(j.site)
        };
        j.cost + call_out
    }

    /// The day a job placed in `slot` is finished: its risk falls then.
    pub fn done_day(&self, job: usize, slot: u32) -> Option<u32> {
        let day = self.day(job, slot)?;
        let j = &self.problem.jobs[job];
        self.problem.visit_days.finish(j.site, day, j.minutes)
    }

    /// Whether the job fits in `slot`: its site is open, its pool has the
    /// minutes and the period of the visit day has the money.
    pub fn fits(&self, job: usize, slot: u32) -> bool {
        let Some(day) = self.day(job, slot) else {
            return false;
        };
        if self.done_day(job, slot).is_none() {
            return false; // it would run past the horizon
        }
        let j = &self.problem.jobs[job];
        let cap = self.problem.pool_minutes[j.pool];
        if self.used[self.used_index(j.pool, slot)] + j.minutes > cap {
            return false;
        }
        let period = self.problem.calendar.period_of(day) as usize;
        let budget = self.problem.budget;
        // Cheap test first: most refusals under a tight budget need no
        // look-up of the site's visits.
        if self.spent[period].saturating_add(j.cost) > budget {
            return false;
        }
        self.spent[period].saturating_add(self.added_cost(job, slot)) <= budget
    }

    /// Places a job that [`Ledger::fits`] in `slot`.
    pub fn place(&mut self, job: usize, slot: u32) {
        debug_assert_eq!(self.slot_of[job], UNPLACED);
        let Some(day) = self.day(job, slot) else {
            return;
        };
        let period = self.problem.calendar.period_of(day) as usize;
        let added = self.added_cost(job, slot);
        let j = &self.problem.jobs[job];
        let index = self.used_index(j.pool, slot);
        self.used[index] += j.minutes;
        self.spent[period] += added;
        *self.visits.entry((j.site, slot)).or_insert(0) += 1;
        self.slot_of[job] = slot;
    }

    /// Takes a placed job out again, refunding its call-out if it was the
    /// visit's last job.
    pub fn unplace(&mut self, job: usize) {
        let slot = self.slot_of[job];
        if slot == UNPLACED {
            return;
        }
        let Some(day) = self.day(job, slot) else {
            return;
        };
        let period = self.problem.calendar.period_of(day) as usize;
        let j = &self.problem.jobs[job];
        let (site, pool, cost, minutes) = (j.site, j.pool, j.cost, j.minutes);
        let index = self.used_index(pool, slot);
        self.used[index] -= minutes;
        let mut refund = cost;
        if let Some(n) = self.visits.get_mut(&(site, slot)) {
            *n -= 1;
            if *n == 0 {
                self.visits.remove(&(site, slot));
                refund += self.problem.call_out(site);
            }
        }
        self.spent[period] -= refund;
        self.slot_of[job] = UNPLACED;
    }

    /// The earliest slot in `from..before` in which the job fits. Periods
    /// whose money is gone are skipped whole, which is what keeps this
    /// fast once the budget binds.
    pub fn earliest(&self, job: usize, from: u32, before: u32) -> Option<u32> {
        let p = self.problem;
        let cost = p.jobs[job].cost;
        let mut slot = from;
        while slot < before {
            let Some(day) = self.day(job, slot) else {
                slot += 1;
                continue;
            };
            let period = p.calendar.period_of(day) as usize;
            if self.spent[period].saturating_add(cost) > p.budget {
                // No slot whose visit day is in this period can take it.
                let next = p.calendar.period_starts[period + 1];
                slot = p.calendar.slot_from(next).max(slot + 1);
                continue;
            }
            if self.fits(job, slot) {
                return Some(slot);
            }
            slot += 1;
        }
        None
    }

    /// The exposure of one device under the current placement: its risk
    /// per day times the days it holds, from the start to the horizon end.
    pub fn device_exposure(&self, device: usize) -> f64 {
        let p = self.problem;
        let mut events: Vec<(u32, f64)> = p.parts_of[device]
            .iter()
            .filter_map(|&(job, k)| {
                let slot = self.slot_of[job];
                if slot == UNPLACED {
                    return None;
                }
                let day = self.done_day(job, slot)?;
                let part = p.jobs[job].parts[k];
                Some((day, p.action(part).risk_after.per_day()))
            })
            .collect();
        events.sort_unstable_by_key(|e| e.0);
        let mut risk = p.estate.devices[device].risk.per_day();
        let mut since = 0;
        let mut exposure = 0.0;
        for (day, after) in events {
            exposure += risk * f64::from(day - since);
            risk = risk.min(after);
            since = day;
        }
        exposure + risk * f64::from(p.calendar.days - since)
    }

    /// The exposure of the devices a job touches.
    pub fn job_exposure(&self, job: usize) -> f64 {
        let parts = &self.problem.jobs[job].parts;
        parts
            .iter()
            .enumerate()
            .filter(|(i, part)| !parts[..*i].iter().any(|q| q.device == part.device))
            .map(|(_, part)| self.device_exposure(part.device))
            .sum()
    }

    pub fn exposure(&self) -> f64 {
        (0..self.problem.estate.devices.len())
            .map(|d| self.device_exposure(d))
            .sum()
    }

    /// Jobs placed in each open visit, by (site, slot), in a stable order.
    pub fn visits(&self) -> Vec<((usize, u32), Vec<usize>)> {
        let mut by_visit: HashMap<(usize, u32), Vec<usize>> = HashMap::new();
        for (job, &slot) in self.slot_of.iter().enumerate() {
            if slot != UNPLACED {
                by_visit
                    .entry((self.problem.jobs[job].site, slot))
                    .or_default()
                    .push(job);
            }
        }
        let mut visits: Vec<_> = by_visit.into_iter().collect();
        visits.sort_by_key(|((site, slot), _)| (*slot, *site));
        visits
    }
}
