//! Where an organisation's latest plan put each device: the zone of the
//! estate it was placed in and the findings it raised, from the board
//! report stored with the plan (`camaudit plan --save`).
//!
//! The plan names a device by the id policy gives it (its address, else its
//! MAC: [`Asset::of_device`]) and its site by the estate file's name, so a
//! stored device is joined by that id, and by its site where the same
//! address is found on more than one site (private ranges repeat).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use camaudit_model::Device;
use camaudit_policy::{Asset, Severity};
use camaudit_report::{BoardReport, FindingDetail};
use camaudit_store::{Estate, OrgId, PlanId, Site, StoreError, StoredPlan};
use time::OffsetDateTime;

/// What an organisation's latest plan can tell the pages.
#[derive(Debug)]
pub enum PlanState {
    /// No plan saved yet.
    Missing,
    /// A plan without a readable board report (saved before plans carried
    /// one, or damaged): `why` says which.
    Unusable {
        id: PlanId,
        made: OffsetDateTime,
        why: String,
    },
    Ready(Box<PlanIndex>),
}

impl PlanState {
    /// The latest plan of `org`, read as `GET /api/v1/findings` reads it.
    pub fn latest(estate: &dyn Estate, org: OrgId) -> Result<PlanState, StoreError> {
        Ok(match estate.plans(org)?.into_iter().next() {
            None => PlanState::Missing,
            Some(plan) => PlanState::of(plan),
        })
    }

    pub fn of(plan: StoredPlan) -> PlanState {
        let (id, made) = (plan.id, plan.created_at);
        let Some(board) = plan.plan.get("board").cloned() else {
            return PlanState::Unusable {
                id,
                made,
                why: "it was saved before plans carried their findings' places".to_owned(),
            };
        };
        match serde_json::from_value::<BoardReport>(board) {
            Ok(board) => PlanState::Ready(Box::new(PlanIndex::of(id, made, board))),
            Err(e) => {
                tracing::warn!("plan {id}: its board report cannot be read: {e}");
                PlanState::Unusable {
                    id,
                    made,
                    why: "its stored board report cannot be read by this version of camaudit"
                        .to_owned(),
                }
            }
        }
    }

    pub fn index(&self) -> Option<&PlanIndex> {
        match self {
            PlanState::Ready(index) => Some(index),
            _ => None,
        }
    }
}

/// A plan's board report with its findings looked up by device.
#[derive(Debug)]
pub struct PlanIndex {
    pub id: PlanId,
    pub made: OffsetDateTime,
    pub board: BoardReport,
    /// Policy's device id → indices into `board.findings`.
    by_device: HashMap<String, Vec<usize>>,
}

impl PlanIndex {
    pub fn of(id: PlanId, made: OffsetDateTime, board: BoardReport) -> PlanIndex {
        let mut by_device: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, f) in board.findings.iter().enumerate() {
            by_device.entry(f.device.to_string()).or_default().push(i);
        }
        PlanIndex {
            id,
            made,
            board,
            by_device,
        }
    }

    /// The plan's findings for a stored device of `site`.
    pub fn place(&self, device: &Device, site: &Site) -> Placement<'_> {
        let key = Asset::of_device(device, None).id;
        let Some(found) = self.by_device.get(&key) else {
            return Placement::NoFinding;
        };
        let findings: Vec<&FindingDetail> =
            found.iter().map(|&i| &self.board.findings[i]).collect();
        let here: Vec<&FindingDetail> = findings
            .iter()
            .copied()
            .filter(|f| f.site.as_deref().is_some_and(|s| names_site(s, site)))
            .collect();
        if !here.is_empty() {
            return Placement::Found(here);
        }
        // The estate file may name the site differently from the store: one
        // site's findings still say which device they are about; several
        // sites' do not.
        let mut sites: Vec<Option<&str>> = findings.iter().map(|f| f.site.as_deref()).collect();
        sites.sort_unstable();
        sites.dedup();
        if sites.len() == 1 {
            Placement::Found(findings)
        } else {
            Placement::Ambiguous
        }
    }

    /// The advice of a control, from its finding group.
    pub fn advice(&self, control: &str) -> Option<&str> {
        self.board
            .finding_groups
            .iter()
            .find(|g| g.control == control)
            .map(|g| &*g.advice)
    }
}

/// Whether an estate file's site name is this stored site (its name or its
/// slug, ignoring case).
fn names_site(name: &str, site: &Site) -> bool {
    name.eq_ignore_ascii_case(&site.name) || name.eq_ignore_ascii_case(site.slug.as_str())
}

/// What the plan says of one device.
#[derive(Debug, Clone, PartialEq)]
pub enum Placement<'a> {
    /// The plan raised no finding for it (or did not see it).
    NoFinding,
    /// Its address has findings at more than one site of the estate, none
    /// of them this one: the plan cannot say which are its.
    Ambiguous,
    Found(Vec<&'a FindingDetail>),
}

impl Placement<'_> {
    /// The zone the plan placed it in (from its findings).
    pub fn zone(&self) -> Option<&str> {
        match self {
            Placement::Found(fs) => fs.iter().find_map(|f| f.zone.as_deref()),
            _ => None,
        }
    }

    /// Its worst finding's severity.
    pub fn worst(&self) -> Option<Severity> {
        match self {
            Placement::Found(fs) => fs.iter().filter_map(|f| severity(&f.severity)).min(),
            _ => None,
        }
    }
}

pub fn severity(text: &str) -> Option<Severity> {
    Severity::ALL.into_iter().find(|s| s.as_str() == text)
}

/// The latest plan of each organisation, read once per request.
#[derive(Debug, Default)]
pub struct Plans {
    by_org: HashMap<OrgId, PlanState>,
}

impl Plans {
    pub fn get(&mut self, estate: &dyn Estate, org: OrgId) -> Result<&PlanState, StoreError> {
        Ok(match self.by_org.entry(org) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(v) => v.insert(PlanState::latest(estate, org)?),
        })
    }

    /// The plans read so far, by organisation.
    pub fn into_states(self) -> HashMap<OrgId, PlanState> {
        self.by_org
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use camaudit_store::SiteId;

    fn board() -> BoardReport {
        let plan: serde_json::Value = serde_json::from_str(include_str!(
            "../../../../server/tests/data/council-plan.json"
        ))
        .unwrap();
        serde_json::from_value(plan["board"].clone()).unwrap()
    }

    fn device(addr: &str) -> Device {
        include_str!("../../../../../examples/council-devices.jsonl")
            .lines()
            .map(|l| serde_json::from_str::<Device>(l).unwrap())
            .find(|d| d.addr.is_some_and(|a| a.to_string() == addr))
            .unwrap()
    }

    fn site(name: &str) -> Site {
        Site {
            id: SiteId(1),
            org: OrgId(1),
            slug: "civic-centre".parse().unwrap(),
            name: name.to_owned(),
            created_at: OffsetDateTime::UNIX_EPOCH,
            last_report_at: None,
        }
    }

    fn index(board: BoardReport) -> PlanIndex {
        PlanIndex::of(PlanId(1), OffsetDateTime::UNIX_EPOCH, board)
    }

    #[test]
    fn a_device_is_found_by_its_address_and_its_worst_finding_counts() {
        let index = index(board());
        let p = index.place(&device("10.10.1.45"), &site("civic-centre"));
        let Placement::Found(fs) = &p else {
            panic!("{p:?}")
        };
        assert_eq!(fs.len(), 3);
        assert_eq!(p.zone(), Some("core"));
        assert_eq!(p.worst(), Some(Severity::Critical));
        let axis = index.place(&device("10.10.8.30"), &site("civic-centre"));
        assert_eq!(axis, Placement::NoFinding);
        assert_eq!((axis.zone(), axis.worst()), (None, None));
    }

    #[test]
    fn one_address_at_two_sites_is_told_apart_by_the_sites_name_or_not_at_all() {
        let mut board = board();
        let mut elsewhere = board
            .findings
            .iter()
            .find(|f| f.device == "10.40.20.7")
            .unwrap()
            .clone();
        elsewhere.site = Some("Marsh Lane Depot".to_owned());
        elsewhere.zone = Some("core".to_owned());
        elsewhere.severity = "critical".to_owned();
        board.findings.push(elsewhere);
        let index = index(board);
        let d = device("10.40.20.7");
        assert_eq!(index.place(&d, &site("civic-centre")), Placement::Ambiguous);
        let depot = index.place(&d, &site("marsh lane depot"));
        assert_eq!(
            (depot.zone(), depot.worst()),
            (Some("core"), Some(Severity::Critical))
        );
        let leisure = index.place(&d, &site("Harbridge Leisure Centre"));
        assert_eq!(
            (leisure.zone(), leisure.worst()),
            (Some("guest"), Some(Severity::High))
        );
    }

    #[test]
    fn a_plan_without_a_board_report_is_said_to_be_unusable() {
        let plan = StoredPlan {
            id: PlanId(4),
            org: OrgId(1),
            created_at: OffsetDateTime::UNIX_EPOCH,
            findings: serde_json::json!([]),
            plan: serde_json::json!({"actions": []}),
        };
        assert!(matches!(
            PlanState::of(plan.clone()),
            PlanState::Unusable { .. }
        ));
        let damaged = StoredPlan {
            plan: serde_json::json!({"board": {"findings": 3}}),
            ..plan
        };
        assert!(matches!(PlanState::of(damaged), PlanState::Unusable { .. }));
    }
}
