//! The shapes the API answers with. They are the server's own (not the
//! store's records), so that the API stays what its OpenAPI document says
//! whatever the store keeps, and times are RFC 3339 text.

use camaudit_model::Device;
use camaudit_store::{
    OrgId, Organisation, PlanId, Scan, ScanId, Site, SiteDevice, SiteId, StoredPlan,
};
use serde::Serialize;
use time::OffsetDateTime;

/// A list answer: `{"items": [...]}`, room left for paging.
#[derive(Debug, Serialize)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// A page: the items and the cursor of the next page (`null` at the end).
#[derive(Debug, Serialize)]
pub struct PageView<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct OrgView {
    pub id: OrgId,
    pub slug: String,
    pub name: String,
    pub sector: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<Organisation> for OrgView {
    fn from(o: Organisation) -> OrgView {
        OrgView {
            id: o.id,
            slug: o.slug.into(),
            name: o.name,
            sector: o.sector.as_str(),
            created_at: o.created_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct SiteView {
    pub id: SiteId,
    pub org: OrgId,
    pub slug: String,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_report_at: Option<OffsetDateTime>,
}

impl From<Site> for SiteView {
    fn from(s: Site) -> SiteView {
        SiteView {
            id: s.id,
            org: s.org,
            slug: s.slug.into(),
            name: s.name,
            created_at: s.created_at,
            last_report_at: s.last_report_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ScanView {
    pub id: ScanId,
    /// `null` for a scan run locally on the server's store.
    pub site: Option<SiteId>,
    pub kind: &'static str,
    pub status: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    pub targets: Vec<String>,
    pub params: serde_json::Value,
}

impl ScanView {
    pub fn of(scan: Scan, site: Option<SiteId>) -> ScanView {
        ScanView {
            id: scan.id,
            site,
            kind: scan.kind.as_str(),
            status: scan.status.as_str(),
            started_at: scan.started_at,
            finished_at: scan.finished_at,
            targets: scan.targets,
            params: scan.params,
        }
    }
}

/// A device with where it was seen; `idx` is its position in its scan and
/// `/api/v1/devices/{site}/{scan}/{idx}` reads it again.
#[derive(Debug, Serialize)]
pub struct DeviceView {
    pub org: OrgId,
    pub site: SiteId,
    pub scan: ScanId,
    pub idx: i64,
    pub device: Device,
}

impl From<SiteDevice> for DeviceView {
    fn from(d: SiteDevice) -> DeviceView {
        DeviceView {
            org: d.org,
            site: d.site,
            scan: d.scan,
            idx: d.idx,
            device: d.device,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PlanSummary {
    pub id: PlanId,
    pub org: OrgId,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Serialize)]
pub struct PlanView {
    pub id: PlanId,
    pub org: OrgId,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub findings: serde_json::Value,
    pub plan: serde_json::Value,
}

impl From<&StoredPlan> for PlanSummary {
    fn from(p: &StoredPlan) -> PlanSummary {
        PlanSummary {
            id: p.id,
            org: p.org,
            created_at: p.created_at,
        }
    }
}

impl From<StoredPlan> for PlanView {
    fn from(p: StoredPlan) -> PlanView {
        PlanView {
            id: p.id,
            org: p.org,
            created_at: p.created_at,
            findings: p.findings,
            plan: p.plan,
        }
    }
}

/// `GET /api/v1/findings`: the findings of an organisation's latest plan.
#[derive(Debug, Serialize)]
pub struct FindingsView {
    pub org: OrgId,
    /// The plan they come from; `null` when none was saved yet.
    pub plan: Option<PlanId>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub planned_at: Option<OffsetDateTime>,
    pub findings: serde_json::Value,
}

/// `POST /api/v1/batches`' answer.
#[derive(Debug, Serialize)]
pub struct BatchAnswer {
    pub batch: String,
    pub outcome: &'static str,
    pub scan: ScanId,
}
