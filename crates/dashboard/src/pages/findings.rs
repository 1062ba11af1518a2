//! `GET /findings`: the findings of an organisation's latest stored plan
//! by severity, from the board report stored with it (contract 3): one
//! section per control broken, with its advice and the rule it comes from,
//! then each finding with the facts that fired it, the evidence a person
//! can check (the device's own answers and the rule that read each), the
//! registry's sources, and a link to the device where the organisation's
//! latest scans have it. The counts are those of `GET /api/v1/findings`.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use camaudit_report::{FindingDetail, FindingGroup};
use camaudit_server::AppState;
use camaudit_store::Organisation;

use super::stored_plan::{Found, LatestDevices, LatestPlan, StoredBoard, how_to_plan, latest_plan};
use super::{Chosen, OrgParam, OrgPicker, PageQuery};
use crate::layout::{Layout, Nav, PageError, render};
use crate::session::Person;

/// The severities in the order the pages show them, with their words.
pub const SEVERITIES: [(&str, &str); 4] = [
    ("critical", "Critical"),
    ("high", "High"),
    ("medium", "Medium"),
    ("verify", "To verify"),
];

#[derive(Template)]
#[template(path = "findings.html")]
struct FindingsPage {
    layout: Layout,
    /// The organisation shown (`None`: the server has none yet).
    org: Option<Organisation>,
    picker: Option<OrgPicker>,
    state: Shown,
}

/// What the page can show of the organisation's plan.
pub enum Shown {
    NoOrganisation,
    NoPlan {
        how: String,
    },
    NoBoard {
        id: i64,
        made: String,
        why: String,
        how: String,
    },
    Findings(Box<Findings>),
}

/// The findings of one stored plan, grouped as the board report groups
/// them.
pub struct Findings {
    pub plan: i64,
    pub made: String,
    pub as_of: String,
    pub sources: Vec<String>,
    pub registry: String,
    pub total: usize,
    /// (severity, its words, how many findings).
    pub counts: Vec<(&'static str, &'static str, usize)>,
    pub groups: Vec<Group>,
}

pub struct Group {
    pub group: FindingGroup,
    pub findings: Vec<Finding>,
}

pub struct Finding {
    pub detail: FindingDetail,
    /// Where the device is in the latest scans (empty: not found).
    pub found: Vec<Found>,
}

pub async fn page(
    State(app): State<AppState>,
    person: Person,
    PageQuery(q): PageQuery<OrgParam>,
) -> Result<Response, PageError> {
    let Chosen { who, org, picker } = Chosen::read(&app, &person, q.org).await?;
    let state = match &org {
        None => Shown::NoOrganisation,
        Some(p) => {
            let id = p.id;
            let slug = p.slug.to_string();
            let (plan, devices) = app
                .pool
                .run(move |store| Ok((latest_plan(store, id)?, LatestDevices::read(store, id)?)))
                .await?;
            shown(plan, &devices, &slug)
        }
    };
    let layout = Layout::new(&person, Nav::Findings, "Findings by severity", who);
    Ok(render(&FindingsPage {
        layout,
        org,
        picker,
        state,
    }))
}

fn shown(plan: LatestPlan, devices: &LatestDevices, slug: &str) -> Shown {
    match plan {
        LatestPlan::None => Shown::NoPlan {
            how: how_to_plan(slug),
        },
        LatestPlan::NoBoard { id, made, why } => Shown::NoBoard {
            id: id.0,
            made: camaudit_report::timestamp(made),
            why,
            how: how_to_plan(slug),
        },
        LatestPlan::Board(stored) => Shown::Findings(Box::new(findings(*stored, devices))),
    }
}

/// The page's view of a stored board (pure: for tests).
pub fn findings(stored: StoredBoard, devices: &LatestDevices) -> Findings {
    let board = stored.board;
    let total = board.findings.len();
    let counts = SEVERITIES
        .iter()
        .map(|(sev, words)| {
            let n = board.findings.iter().filter(|f| f.severity == *sev).count();
            (*sev, *words, n)
        })
        .collect();
    let mut details: Vec<Option<FindingDetail>> = board.findings.into_iter().map(Some).collect();
    let mut groups: Vec<Group> = board
        .finding_groups
        .into_iter()
        .map(|group| {
            let findings = details
                .iter_mut()
                .filter(|d| d.as_ref().is_some_and(|d| d.control == group.control))
                .filter_map(Option::take)
                .map(|detail| Finding {
                    found: devices.find(&detail.device, detail.site.as_deref()),
                    detail,
                })
                .collect();
            Group { group, findings }
        })
        .collect();
    // Worst first, as the assessment ordered them; a severity the page
    // does not know goes last rather than nowhere.
    groups.sort_by_key(|g| {
        SEVERITIES
            .iter()
            .position(|(s, _)| *s == g.group.severity)
            .unwrap_or(SEVERITIES.len())
    });
    Findings {
        plan: stored.id.0,
        made: camaudit_report::timestamp(stored.made),
        as_of: board.as_of,
        sources: board.sources,
        registry: format!(
            "registry {} ({})",
            board.registry.version, board.registry.date
        ),
        total,
        counts,
        groups,
    }
}

impl Group {
    /// What the control asks, in words.
    pub fn action_words(&self) -> String {
        action_words(&self.group.action, &self.group.urgency)
    }
}

/// "Replace it with trusted equipment: now, …": an action and its urgency
/// in words.
pub fn action_words(action: &str, urgency: &str) -> String {
    let what = match action {
        "replace" => "Replace it with trusted equipment",
        "disconnect" => "Take it off this network",
        "update-firmware" => "Update its firmware",
        "verify" => "Inspect it on site to learn who made it",
        other => other,
    };
    let when = match urgency {
        "now" => "now, before the rest of the plan",
        "planned" => "in the risk-ordered plan",
        other => other,
    };
    format!("{what}: {when}")
}
