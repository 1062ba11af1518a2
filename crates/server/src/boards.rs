//! What an organisation's latest stored plan says, as the dashboard and the
//! roll-up read it: the board report `camaudit plan --save` stores in the
//! plan document (its `board` member), and the devices the plan replaces
//! with the day each is due to be done.

use std::collections::BTreeMap;

use camaudit_report::BoardReport;
use camaudit_store::{Estate, OrgId, PlanId, StoreError, StoredPlan};
use serde::Deserialize;
use time::{Date, OffsetDateTime};

/// An organisation's latest plan, read for its board report.
#[derive(Debug, Clone, PartialEq)]
pub struct LatestBoard {
    pub plan: PlanId,
    pub planned_at: OffsetDateTime,
    /// The board report, or why there is none to show.
    pub board: Result<BoardReport, NoBoard>,
    /// Each device the plan replaces (its id in the plan: the address, else
    /// the MAC) and the day its last action is done.
    pub replaced: BTreeMap<String, Date>,
}

/// Why a stored plan has no board report to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoBoard {
    #[error(
        "plan {0} was saved by a camaudit that did not store the board report: save the plan again with `camaudit plan … --save`"
    )]
    NotStored(PlanId),
    #[error(
        "plan {plan}'s board report cannot be read ({why}): save the plan again with `camaudit plan … --save`"
    )]
    Unreadable { plan: PlanId, why: String },
}

/// The organisation's latest plan (`None`: it has none yet).
pub fn latest_board(store: &dyn Estate, org: OrgId) -> Result<Option<LatestBoard>, StoreError> {
    Ok(store.plans(org)?.into_iter().next().map(LatestBoard::of))
}

impl LatestBoard {
    pub fn of(p: StoredPlan) -> LatestBoard {
        let board = match p.plan.get("board") {
            None | Some(serde_json::Value::Null) => Err(NoBoard::NotStored(p.id)),
            Some(b) => BoardReport::deserialize(b).map_err(|e| NoBoard::Unreadable {
                plan: p.id,
                why: e.to_string(),
            }),
        };
        LatestBoard {
            plan: p.id,
            planned_at: p.created_at,
            board,
            replaced: replaced(&p.plan),
        }
    }
}

/// The parts of a stored plan's schedule read here: the optimised
/// schedule's dated actions.
#[derive(Deserialize)]
struct PlanDoc {
    plan: ScheduleDoc,
}

#[derive(Deserialize)]
struct ScheduleDoc {
    optimised: Optimised,
}

#[derive(Deserialize)]
struct Optimised {
    visits: Vec<VisitDoc>,
}

#[derive(Deserialize)]
struct VisitDoc {
    actions: Vec<ActionDoc>,
}

#[derive(Deserialize)]
struct ActionDoc {
    device: String,
    action: ActionKind,
    #[serde(with = "day")]
    done: Date,
}

#[derive(Deserialize)]
struct ActionKind {
    kind: String,
}

time::serde::format_description!(day, Date, "[year]-[month]-[day]");

/// Devices the schedule replaces, each with the day its last action is
/// done; none when the document has no schedule camaudit can read.
fn replaced(plan: &serde_json::Value) -> BTreeMap<String, Date> {
    let Ok(doc) = PlanDoc::deserialize(plan) else {
        return BTreeMap::new();
    };
    let mut out: BTreeMap<String, Date> = BTreeMap::new();
    let actions = doc
        .plan
        .optimised
        .visits
        .into_iter()
        .flat_map(|v| v.actions);
    for a in actions.filter(|a| a.action.kind == "replace") {
        let day = out.entry(a.device).or_insert(a.done);
        *day = (*day).max(a.done);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::{date, datetime};

    fn stored(plan: serde_json::Value) -> StoredPlan {
        StoredPlan {
            id: PlanId(3),
            org: OrgId(1),
            created_at: datetime!(2026-11-30 10:00 UTC),
            findings: json!([]),
            plan,
        }
    }

    #[test]
    fn a_plan_without_a_board_says_how_to_get_one() {
        let b = LatestBoard::of(stored(json!({"actions": []})));
        assert_eq!(b.board, Err(NoBoard::NotStored(PlanId(3))));
        assert!(b.replaced.is_empty());
        let b = LatestBoard::of(stored(json!({"board": {"organisation": 1}})));
        let Err(NoBoard::Unreadable { why, .. }) = b.board else {
            panic!("{:?}", b.board)
        };
        assert!(why.contains("expected a string"), "{why}");
    }

    #[test]
    fn replaced_devices_are_due_on_their_last_action() {
        let action = |device: &str, kind: &str, done: &str| json!({"device": device, "action": {"kind": kind}, "done": done});
        let b = LatestBoard::of(stored(json!({"plan": {"optimised": {"visits": [
            {"actions": [action("10.0.0.1", "disconnect", "2027-01-01"),
                         action("10.0.0.1", "replace", "2027-02-01")]},
            {"actions": [action("10.0.0.2", "verify", "2027-01-02"),
                         action("10.0.0.1", "replace", "2027-03-01")]}
        ]}}})));
        assert_eq!(
            b.replaced.into_iter().collect::<Vec<_>>(),
            [("10.0.0.1".to_owned(), date!(2027 - 03 - 01))]
        );
    }
}
