//! `GET /plan`: the remediation timeline of an organisation's latest
//! stored plan, from the board report stored with it (contract 3): what it
//! costs period by period (a bar chart and its table), how the risk falls
//! (a line chart and its table), when the estate is clear, the actions due
//! now, the actions that do not fit the plan's limits, and when the plan
//! was made and from which devices.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use camaudit_plan::{Pence, Plan, Urgency};
use camaudit_report::{PlanView, schedule_rows};
use camaudit_server::AppState;
use camaudit_store::Organisation;

use super::stored_plan::{Found, LatestDevices, LatestPlan, StoredBoard, how_to_plan, latest_plan};
use super::{Chosen, OrgParam, OrgPicker, PageQuery};
use crate::layout::{Layout, Nav, PageError, render};
use crate::session::Person;

/// Weeks of flat risk shown after its last fall, in the risk table.
const SETTLED_WEEKS: usize = 4;

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
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
    Plan(Box<Timeline>),
}

/// One stored plan's timeline, as the page shows it.
pub struct Timeline {
    pub plan: i64,
    pub made: String,
    pub sources: Vec<String>,
    pub view: PlanView,
    /// "£" before amounts in pounds; otherwise the currency's code after.
    pub symbol: &'static str,
    pub code: String,
    /// The plan's whole cost and its call-outs, as [`amount`] writes them.
    pub cost_to_clear: String,
    pub call_outs: String,
    pub cost_svg: Option<String>,
    pub risk_svg: Option<String>,
    /// The periods with work in them.
    pub periods: Vec<Period>,
    /// The residual risk week by week, up to a few weeks after its last
    /// fall.
    pub risk: Vec<(String, String)>,
    pub immediate: Vec<ActionRow>,
    pub unscheduled: Vec<ActionRow>,
    /// False when the stored document had no schedule the page can read
    /// (the dated actions are then not listed).
    pub has_schedule: bool,
}

pub struct Period {
    pub period: u32,
    pub first: String,
    pub last: String,
    pub spent: String,
    pub budget: String,
    pub visits: u32,
    pub actions: u32,
    pub risk_at_end: String,
}

/// An action of the schedule, or one it could not place.
pub struct ActionRow {
    /// The visit's date, or why it found no place.
    pub when: String,
    pub site: String,
    pub device: String,
    pub found: Vec<Found>,
    pub action: String,
    pub cost: String,
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
            match plan {
                LatestPlan::None => Shown::NoPlan {
                    how: how_to_plan(&slug),
                },
                LatestPlan::NoBoard { id, made, why } => Shown::NoBoard {
                    id: id.0,
                    made: camaudit_report::timestamp(made),
                    why,
                    how: how_to_plan(&slug),
                },
                LatestPlan::Board(stored) => Shown::Plan(Box::new(timeline(*stored, &devices))),
            }
        }
    };
    let layout = Layout::new(&person, Nav::Plan, "The remediation plan", who);
    Ok(render(&PlanPage {
        layout,
        org,
        picker,
        state,
    }))
}

/// The page's view of a stored plan (pure: for tests).
pub fn timeline(stored: StoredBoard, devices: &LatestDevices) -> Timeline {
    let board = stored.board;
    let view = board.plan;
    let gbp = view.currency == "GBP";
    let money = amount;
    let site_name = |id: &str| {
        board
            .sites
            .iter()
            .find(|s| s.id == id)
            .map_or_else(|| id.to_owned(), |s| s.name.clone())
    };
    let (immediate, unscheduled) = match &stored.schedule {
        Some(plan) => actions(plan, &site_name, devices, &money),
        None => (Vec::new(), Vec::new()),
    };
    let (cost_svg, risk_svg) = charts(&view);
    Timeline {
        plan: stored.id.0,
        made: camaudit_report::timestamp(stored.made),
        sources: board.sources,
        symbol: if gbp { "£" } else { "" },
        code: if gbp {
            String::new()
        } else {
            format!(" {}", view.currency)
        },
        cost_to_clear: amount(view.summary.cost),
        call_outs: amount(view.summary.call_outs),
        cost_svg,
        risk_svg,
        periods: view
            .periods
            .iter()
            .filter(|p| p.spent > 0 || p.actions > 0)
            .map(|p| Period {
                period: p.period,
                first: p.first.clone(),
                last: p.last.clone(),
                spent: money(p.spent),
                budget: p.budget.map_or_else(|| "no limit".to_owned(), amount),
                visits: p.visits,
                actions: p.actions,
                risk_at_end: format!("{:.1}", p.risk_at_end),
            })
            .collect(),
        risk: risk_rows(&view),
        immediate,
        unscheduled,
        has_schedule: stored.schedule.is_some(),
        view,
    }
}

/// Pence as pounds with thousands separated ("6,458.75"), the currency
/// left to the page: the figure a `data-figure` holds.
pub fn amount(pence: u64) -> String {
    let shown = Pence(pence).to_string();
    let number = shown.trim_start_matches('£');
    if number.contains('.') {
        number.to_owned()
    } else {
        format!("{number}.00")
    }
}

/// The risk curve's weeks up to a few after its last fall (after that it
/// is flat to the horizon), with the risk before any work first.
fn risk_rows(view: &PlanView) -> Vec<(String, String)> {
    let s = &view.summary;
    let curve = &s.risk_curve;
    let settled = curve
        .windows(2)
        .rposition(|w| w[0].risk != w[1].risk)
        .map_or(0, |i| i + 1);
    let shown = (settled + SETTLED_WEEKS + 1).min(curve.len());
    std::iter::once((
        format!("{} (before any work)", s.start),
        format!("{:.1}", s.risk_at_start),
    ))
    .chain(
        curve[..shown]
            .iter()
            .map(|p| (p.date.to_string(), format!("{:.1}", p.risk.per_day()))),
    )
    .collect()
}

/// The schedule's actions due now, and those it could not place.
fn actions(
    plan: &Plan,
    site_name: &dyn Fn(&str) -> String,
    devices: &LatestDevices,
    money: &dyn Fn(u64) -> String,
) -> (Vec<ActionRow>, Vec<ActionRow>) {
    let schedule = &plan.optimised;
    let immediate = schedule_rows(schedule)
        .into_iter()
        .filter(|r| r.urgency == "now")
        .map(|r| {
            let site = site_name(&r.site);
            ActionRow {
                found: devices.find(&r.device, Some(&site)),
                when: r.date,
                action: action_words(&r.action, &r.moves_with),
                cost: money(r.cost),
                device: r.device,
                site,
            }
        })
        .collect();
    let unscheduled = schedule
        .unscheduled
        .iter()
        .map(|u| {
            let site = site_name(u.site.as_str());
            let device = u.device.to_string();
            let due = match u.urgency {
                Urgency::Now => " (due now)",
                Urgency::Planned => "",
            };
            ActionRow {
                found: devices.find(&device, Some(&site)),
                when: camaudit_report::unplaceable_words(u.reason).to_owned(),
                action: format!("{}{due}", action_words(&u.action.to_string(), "")),
                cost: String::new(),
                device,
                site,
            }
        })
        .collect();
    (immediate, unscheduled)
}

/// An action of the schedule in words: "replace (camera)" → "replace it
/// with a trusted camera".
fn action_words(action: &str, moves_with: &str) -> String {
    let words = if let Some(kind) = action
        .strip_prefix("replace (")
        .and_then(|r| r.strip_suffix(')'))
    {
        match kind {
            "default" => "replace it with trusted equipment".to_owned(),
            kind => format!("replace it with a trusted {kind}"),
        }
    } else if let Some(fixes) = action
        .strip_prefix("firmware-update (")
        .and_then(|r| r.strip_suffix(')'))
    {
        format!("update its firmware (fixes {fixes})")
    } else {
        match action {
            "disconnect" => "take it off the network".to_owned(),
            "segment" => "move it to an isolated CCTV network".to_owned(),
            "verify" => "inspect it to learn who made it".to_owned(),
            "firmware-update" => "update its firmware".to_owned(),
            other => other.to_owned(),
        }
    };
    if moves_with.is_empty() {
        words
    } else {
        format!("{words}, with {moves_with} (the recorder it is tied to)")
    }
}

/// The cost and risk charts as inline SVG: the board report's own, each
/// with a title for screen readers (the tables beside them give every
/// figure).
fn charts(view: &PlanView) -> (Option<String>, Option<String>) {
    let s = &view.summary;
    let cost = view
        .cost_chart()
        .map(|c| c.svg("cost-chart", "Money spent per budget period under the plan"));
    let risk = view.risk_chart().map(|c| {
        c.svg(
            "risk-chart",
            &format!(
                "Residual risk per day over the plan, from {:.0} to {:.0}",
                s.risk_at_start, s.risk_at_end
            ),
            "risk per day",
        )
    });
    (cost, risk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_pounds_with_separators() {
        assert_eq!(amount(645_875), "6,458.75");
        assert_eq!(amount(90_000), "900.00");
        assert_eq!(amount(0), "0.00");
    }

    #[test]
    fn actions_read_as_instructions() {
        assert_eq!(
            action_words("replace (camera)", ""),
            "replace it with a trusted camera"
        );
        assert_eq!(
            action_words("firmware-update (CVE-2021-36260)", ""),
            "update its firmware (fixes CVE-2021-36260)"
        );
        assert_eq!(action_words("disconnect", ""), "take it off the network");
    }
}
