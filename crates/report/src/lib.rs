//! camaudit's reports as views of one model.
//!
//! Every report is built in two steps: plain view models (`DeviceRow`,
//! `Tally`, `ScanSummary`, `Accuracy`, `EvidenceView`, the board report's
//! `EstateOverview`, `SiteRow`, `FindingDetail`, `PlanView`…) are made from the
//! devices or the check report, then a writer renders them as a table for
//! people, JSON / JSONL / CSV for machines, or a self-contained HTML page.
//! The CLI, a REST API, a dashboard and the board report share these shapes,
//! so the same words and figures appear in each.
//!
//! The library does no I/O of its own beyond the `Write` it is given, and
//! knows nothing of command-line flags: [`Format`] parses from the same
//! names the CLI accepts.

mod board;
pub mod charts;
mod check;
mod demo;
mod devices;
mod diff;
mod endpoints;
mod error;
mod estate_views;
mod evidence;
mod findings;
mod html;
mod parallel;
mod plan_views;
mod registry;
mod registry_views;
mod tally;

pub use board::{
    BoardInput, BoardReport, CallHome, Changes, DemoGrade, EstateOverview, FindingDetail,
    FindingGroup, PlanView, RegistryVersion, SeverityCount, SiteRow, board_report_html, clear_time,
    finding_details, finding_groups, site_rows, write_board_report,
};
pub use check::write_aligned;
pub use check::{
    CheckCounts, CheckTableRow, JsonDocument, LineJson, RegistryStamp, check_summary_line,
    column_keys, write_check_report,
};
pub use demo::{Accuracy, ScanSummary, demo_summary_text};
pub use devices::{DEVICE_CSV_HEADER, DeviceRow, write_devices};
pub use diff::{diff_summary_line, write_diff, write_timelines};
pub use endpoints::{write_call_home_table, write_endpoints_csv};
pub use error::{Error, Result};
pub use estate_views::{
    EstateNames, OrganisationRow, SiteListRow, TokenRow, timestamp, write_created_token,
    write_organisations, write_sites, write_tokens,
};
pub use evidence::{EvidenceView, display_name, phrase};
pub use findings::{
    FindingRow, UnplacedRow, findings_summary_line, unplaced_rows, write_findings, write_immediate,
};
pub use html::{RebrandBrand, RegimeRow, brands, maker_evidence, regime_rows, relation_words};
pub use plan_views::{
    PeriodRow, PlanSummary, ScheduleRow, WhatIf, money, period_rows, risk_sparkline, schedule_rows,
    unplaceable_words, write_periods, write_plan_summary, write_schedule, write_what_if,
};
pub use registry::{registry_json, registry_line};
pub use registry_views::{write_listing, write_profile, write_registry_json, write_search};
pub use tally::{MakerBar, MakerTally, NamedCount, RebrandCount, Tally, camera_like, maker_bars};

use std::fmt;
use std::str::FromStr;

/// How a list is written: a table for people; JSON (one document), JSONL
/// (one object a line) or CSV for machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Table, Format::Json, Format::Jsonl, Format::Csv];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| Error::UnknownFormat(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_from_their_names_only() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>().ok(), Some(f));
        }
        let err = "xml".parse::<Format>().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("unknown format \"xml\": expected table, json, jsonl or csv")
        );
        assert!("Table".parse::<Format>().is_err());
    }
}
