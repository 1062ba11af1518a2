//! Progress over time as the plan is carried out: the organisation's
//! covered devices scan after scan, from the stored scans (not the plan),
//! so a board sees the count fall as devices are taken away.
//!
//! After each scan the organisation's count is the sum, over its sites, of
//! the covered devices in each site's newest scan so far (a site not yet
//! scanned counts none).

use camaudit_report::charts::{LineChart, LineFigures};
use camaudit_store::{EstateStore, ScanId, Site, StoreError};
use time::OffsetDateTime;

/// Scans read per site: the newest ones, enough for half a year of weekly
/// scans, so that a page never reads a site's whole history.
pub const SCANS_PER_SITE: usize = 26;

/// One stored scan in figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanCount {
    pub site: String,
    pub scan: ScanId,
    pub started_at: OffsetDateTime,
    pub devices: usize,
    pub covered: usize,
}

/// A site's newest scans, counted, oldest first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SiteScans {
    pub counts: Vec<ScanCount>,
    /// Whether older scans were left out ([`SCANS_PER_SITE`]).
    pub truncated: bool,
}

/// A scan, and the organisation's covered devices after it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressRow {
    pub started_at: OffsetDateTime,
    pub when: String,
    pub site: String,
    pub scan: ScanId,
    pub devices: usize,
    pub covered: usize,
    pub total_covered: usize,
}

/// The organisation's progress: one row per scan, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub rows: Vec<ProgressRow>,
    /// Scans left out because a site has more than [`SCANS_PER_SITE`].
    pub older_left_out: bool,
    /// The chart, when there are two scans or more.
    pub chart: Option<LineChart>,
}

/// Each site's newest scans, counted (devices, and covered ones: each
/// device's stored `covered` verdict, as `GET /api/v1/devices?covered=`
/// reads it).
pub fn read(store: &dyn EstateStore, sites: &[Site]) -> Result<Vec<SiteScans>, StoreError> {
    let mut per_site = Vec::new();
    for site in sites {
        let scans = store.site_scans(site.id)?;
        let mut counts = Vec::new();
        for scan in scans.iter().rev().take(SCANS_PER_SITE).rev() {
            let devices = store.devices(scan.id)?;
            counts.push(ScanCount {
                site: site.name.clone(),
                scan: scan.id,
                started_at: scan.started_at,
                devices: devices.len(),
                covered: devices.iter().filter(|d| d.covered).count(),
            });
        }
        per_site.push(SiteScans {
            counts,
            truncated: scans.len() > SCANS_PER_SITE,
        });
    }
    Ok(per_site)
}

/// The rows and chart from each site's counted scans, with the day the
/// plan was saved marked. With some site's older scans left out, the
/// series starts at the oldest scan that site still has, so no site is
/// missing from a point.
pub fn progress(per_site: &[SiteScans], marker: Option<(OffsetDateTime, String)>) -> Progress {
    let start = per_site
        .iter()
        .filter(|s| s.truncated)
        .filter_map(|s| s.counts.first().map(|c| c.started_at))
        .max();
    let mut all: Vec<(usize, &ScanCount)> = per_site
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.counts.iter().map(move |c| (i, c)))
        .collect();
    all.sort_by_key(|(_, c)| (c.started_at, c.scan));
    let mut latest: Vec<usize> = vec![0; per_site.len()];
    let mut rows = Vec::new();
    for (site, c) in all {
        latest[site] = c.covered;
        if start.is_some_and(|s| c.started_at < s) {
            continue;
        }
        rows.push(ProgressRow {
            started_at: c.started_at,
            when: camaudit_report::timestamp(c.started_at),
            site: c.site.clone(),
            scan: c.scan,
            devices: c.devices,
            covered: c.covered,
            total_covered: latest.iter().sum(),
        });
    }
    let chart = chart(&rows, marker);
    Progress {
        rows,
        older_left_out: start.is_some(),
        chart,
    }
}

/// A step line: the count holds from one scan to the next.
fn chart(rows: &[ProgressRow], marker: Option<(OffsetDateTime, String)>) -> Option<LineChart> {
    if rows.len() < 2 {
        return None;
    }
    let (first, last) = (rows.first()?.started_at, rows.last()?.started_at);
    let day = |t: OffsetDateTime| (t - first).as_seconds_f64() / 86_400.0;
    let mut points: Vec<(f64, f64)> = Vec::new();
    for row in rows {
        if let Some(&(_, before)) = points.last() {
            points.push((day(row.started_at), before));
        }
        points.push((day(row.started_at), row.total_covered as f64));
    }
    let most = rows.iter().map(|r| r.total_covered).max().unwrap_or(0);
    // An even top puts the middle label on a whole device.
    let top = (most.max(1).div_ceil(2) * 2) as f64;
    let label = |t: OffsetDateTime| t.date().to_string();
    let marker = marker
        .filter(|(t, _)| (first..=last).contains(t))
        .map(|(t, text)| (day(t), text));
    LineChart::of(&LineFigures {
        points,
        top,
        x_labels: vec![(0.0, label(first)), (day(last), label(last))],
        marker,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn count(site: &str, scan: i64, at: OffsetDateTime, covered: usize) -> ScanCount {
        ScanCount {
            site: site.into(),
            scan: ScanId(scan),
            started_at: at,
            devices: 10,
            covered,
        }
    }

    fn site(counts: Vec<ScanCount>, truncated: bool) -> SiteScans {
        SiteScans { counts, truncated }
    }

    #[test]
    fn the_count_after_each_scan_sums_each_sites_newest() {
        let hall = vec![
            count("hall", 1, datetime!(2026-11-01 9:00 UTC), 4),
            count("hall", 3, datetime!(2026-11-15 9:00 UTC), 1),
        ];
        let depot = vec![count("depot", 2, datetime!(2026-11-08 9:00 UTC), 3)];
        let p = progress(&[site(hall, false), site(depot, false)], None);
        let totals: Vec<usize> = p.rows.iter().map(|r| r.total_covered).collect();
        assert_eq!(totals, [4, 7, 4]);
        assert_eq!(p.rows[1].site, "depot");
        let chart = p.chart.expect("three scans make a chart");
        // Steps: 4, then 4→7 at the depot's scan, then 7→4.
        assert_eq!(chart.line.split(' ').count(), 5);
        assert_eq!(chart.y_ticks.last().map(|t| t.text.as_str()), Some("8"));
    }

    #[test]
    fn one_scan_has_no_chart_and_none_has_no_rows() {
        let one = vec![count("hall", 1, datetime!(2026-11-01 9:00 UTC), 2)];
        let p = progress(&[site(one, false)], None);
        assert_eq!(p.rows.len(), 1);
        assert!(p.chart.is_none());
        let p = progress(&[SiteScans::default(), SiteScans::default()], None);
        assert!(p.rows.is_empty());
    }

    #[test]
    fn a_site_with_older_scans_left_out_sets_the_start() {
        let busy: Vec<ScanCount> = (0..SCANS_PER_SITE as i64)
            .map(|i| {
                count(
                    "busy",
                    10 + i,
                    datetime!(2026-06-01 9:00 UTC) + time::Duration::weeks(i),
                    1,
                )
            })
            .collect();
        let quiet = vec![count("quiet", 1, datetime!(2026-01-01 9:00 UTC), 5)];
        let p = progress(&[site(busy, true), site(quiet, false)], None);
        assert_eq!(p.rows.len(), SCANS_PER_SITE);
        assert!(p.rows.iter().all(|r| r.total_covered == 6), "{:?}", p.rows);
        assert!(p.older_left_out);
    }
}
