//! The estate: organisations, their sites, the tokens that let sensors and
//! people in, the batches sensors push, and the plans made for each
//! organisation. This is what an estate server (`camaudit serve`) keeps
//! beside the scans of [`Store`](crate::Store); both backends implement it
//! on the same schema.
//!
//! The types refuse what cannot be: a slug is checked once, a token's scope
//! carries exactly the organisation and sites it needs (an admin has none, a
//! sensor has at least one site), and a batch id is short and printable, so
//! the API and the store never see the impossible cases.

use std::fmt;
use std::str::FromStr;

use camaudit_model::{Device, Observation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{Result, ScanId, ScanKind, UnknownValue};

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// An organisation's number in its store.
    OrgId
);
id_type!(
    /// A site's number in its store.
    SiteId
);
id_type!(
    /// A token's number in its store (shown by `token list`, given to
    /// `token revoke`); never the secret.
    TokenId
);
id_type!(
    /// A stored plan's number.
    PlanId
);

/// A short name for an organisation or a site, as used in URLs and on the
/// command line: 1 to 64 of `a-z`, `0-9` and `-`, not starting with `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

/// A slug that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a valid name: use 1 to 64 lowercase letters, digits and '-' (not first), e.g. leeds-civic-centre"
)]
pub struct BadSlug(pub String);

impl Slug {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Slug {
    type Err = BadSlug;
    fn from_str(s: &str) -> std::result::Result<Self, BadSlug> {
        let ok = (1..=64).contains(&s.len())
            && !s.starts_with('-')
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Slug(s.to_owned()))
        } else {
            Err(BadSlug(s.to_owned()))
        }
    }
}

impl TryFrom<String> for Slug {
    type Error = BadSlug;
    fn try_from(s: String) -> std::result::Result<Self, BadSlug> {
        s.parse()
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of public body an organisation is: the roll-up across
/// organisations is by sector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sector {
    Council,
    School,
    NhsTrust,
    Police,
    Department,
    Other,
}

impl Sector {
    pub const ALL: [Sector; 6] = [
        Sector::Council,
        Sector::School,
        Sector::NhsTrust,
        Sector::Police,
        Sector::Department,
        Sector::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sector::Council => "council",
            Sector::School => "school",
            Sector::NhsTrust => "nhs-trust",
            Sector::Police => "police",
            Sector::Department => "department",
            Sector::Other => "other",
        }
    }
}

impl FromStr for Sector {
    type Err = UnknownValue;
    fn from_str(s: &str) -> std::result::Result<Self, UnknownValue> {
        Sector::ALL
            .into_iter()
            .find(|sector| sector.as_str() == s)
            .ok_or_else(|| UnknownValue {
                what: "sector",
                value: s.to_owned(),
            })
    }
}

impl fmt::Display for Sector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Organisation {
    pub id: OrgId,
    pub slug: Slug,
    pub name: String,
    pub sector: Sector,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub slug: Slug,
    pub name: String,
    pub sector: Sector,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Site {
    pub id: SiteId,
    pub org: OrgId,
    /// Unique within its organisation.
    pub slug: Slug,
    pub name: String,
    pub created_at: OffsetDateTime,
    /// When a sensor last stored a batch for this site.
    pub last_report_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone)]
pub struct NewSite {
    pub org: OrgId,
    pub slug: Slug,
    pub name: String,
    pub created_at: OffsetDateTime,
}

/// What a token may do. Each variant holds exactly what it is limited to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "scope", rename_all = "lowercase")]
pub enum TokenScope {
    /// Manages organisations, sites and tokens, and reads everything.
    Admin,
    /// Reads one organisation's devices, findings and plans; writes nothing.
    Viewer { org: OrgId },
    /// Writes batches for these sites (never empty, all of `org`) and reads
    /// nothing.
    Sensor { org: OrgId, sites: Vec<SiteId> },
}

impl TokenScope {
    /// The scope's word, as `--scope` takes it.
    pub fn kind(&self) -> &'static str {
        match self {
            TokenScope::Admin => "admin",
            TokenScope::Viewer { .. } => "viewer",
            TokenScope::Sensor { .. } => "sensor",
        }
    }
}

/// A token as stored: never the secret, only its SHA-256 and the first
/// characters to recognise it by.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Token {
    pub id: TokenId,
    /// The secret's first characters (e.g. `cam_3fK9`), shown by `token list`.
    pub prefix: String,
    pub label: String,
    pub scope: TokenScope,
    pub created_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

impl Token {
    /// Whether the token lets anyone in at `now`.
    pub fn is_valid_at(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| now < e)
    }
}

#[derive(Debug, Clone)]
pub struct NewToken {
    /// SHA-256 of the secret.
    pub hash: [u8; 32],
    pub prefix: String,
    pub label: String,
    pub scope: TokenScope,
    pub created_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
}

/// A sensor's id for one batch: 1 to 64 of `A-Za-z0-9._:-`. The sensor
/// picks it, and sends the same id when it retries.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BatchId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a batch id: use 1 to 64 of A-Z, a-z, 0-9, '.', '_', ':' and '-'")]
pub struct BadBatchId(pub String);

impl BatchId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for BatchId {
    type Err = BadBatchId;
    fn from_str(s: &str) -> std::result::Result<Self, BadBatchId> {
        let ok = (1..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b));
        if ok {
            Ok(BatchId(s.to_owned()))
        } else {
            Err(BadBatchId(s.to_owned()))
        }
    }
}

impl TryFrom<String> for BatchId {
    type Error = BadBatchId;
    fn try_from(s: String) -> std::result::Result<Self, BadBatchId> {
        s.parse()
    }
}

impl From<BatchId> for String {
    fn from(b: BatchId) -> String {
        b.0
    }
}

impl fmt::Display for BatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One push from a sensor: part of one of its scans. A sensor scan arrives
/// as one or more batches with the same `scan_ref`; the server files them
/// under one stored scan of the site, and the batch with `finished_at` set
/// completes it.
#[derive(Debug, Clone)]
pub struct SensorBatch {
    pub id: BatchId,
    pub site: SiteId,
    /// The sensor's name for its scan (unique per sensor and scan, e.g.
    /// `host/42/2026-12-01T10:00:00Z`): batches with the same reference and
    /// site go into one stored scan.
    pub scan_ref: String,
    pub kind: ScanKind,
    pub started_at: OffsetDateTime,
    /// Set on the scan's last batch.
    pub finished_at: Option<OffsetDateTime>,
    /// The scan's parameters (vantage included) as the sensor recorded them.
    pub params: serde_json::Value,
    pub observations: Vec<Observation>,
    /// Appended to the scan's devices, in order.
    pub devices: Vec<Device>,
}

/// What storing a batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum BatchOutcome {
    /// Stored now, whole, in one transaction.
    Stored { scan: ScanId },
    /// A batch with this id was stored before (a retry): nothing written.
    Duplicate { scan: ScanId },
}

/// Which stored devices a read wants: the devices of each site's latest
/// scan, filtered. A site's latest scan is its complete scan with the
/// latest start (ties: the higher id); a site with no complete scan yet
/// shows its latest unfinished one.
#[derive(Debug, Clone, Default)]
pub struct DeviceQuery {
    /// The reader's organisation; `None` for an admin (every organisation).
    pub org: Option<OrgId>,
    pub site: Option<SiteId>,
    pub covered: Option<bool>,
    /// A manufacturer id (`dahua`).
    pub maker: Option<String>,
    /// Start after this position (from a previous page's `next`).
    pub after: Option<DeviceCursor>,
    /// At most this many (the API bounds it).
    pub limit: u32,
}

/// A device's place in the stable order of reads: by site, scan and then
/// position in the scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DeviceCursor {
    pub site: SiteId,
    pub scan: ScanId,
    pub idx: i64,
}

/// A stored device with where it was seen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteDevice {
    pub org: OrgId,
    pub site: SiteId,
    pub scan: ScanId,
    pub idx: i64,
    pub device: Device,
}

/// One page of a read, and where the next starts (`None` at the end).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T, C> {
    pub items: Vec<T>,
    pub next: Option<C>,
}

/// A plan as stored for an organisation: the policy's findings and the
/// schedule, as the plan command serialised them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredPlan {
    pub id: PlanId,
    pub org: OrgId,
    pub created_at: OffsetDateTime,
    pub findings: serde_json::Value,
    pub plan: serde_json::Value,
}

/// What an estate server needs from a store beyond the scans. Every write
/// is atomic, like [`Store`](crate::Store)'s.
pub trait Estate {
    /// Fails with [`StoreError::Conflict`](crate::StoreError) if the slug is
    /// taken.
    fn create_organisation(&mut self, org: &NewOrganisation) -> Result<OrgId>;
    fn organisations(&self) -> Result<Vec<Organisation>>;
    fn organisation_by_slug(&self, slug: &Slug) -> Result<Option<Organisation>>;

    /// Fails with a conflict if the organisation has a site of that slug.
    fn create_site(&mut self, site: &NewSite) -> Result<SiteId>;
    /// Sites of one organisation, or of all of them; by id.
    fn sites(&self, org: Option<OrgId>) -> Result<Vec<Site>>;
    fn site(&self, id: SiteId) -> Result<Option<Site>>;
    fn site_by_slug(&self, org: OrgId, slug: &Slug) -> Result<Option<Site>>;

    fn create_token(&mut self, token: &NewToken) -> Result<TokenId>;
    /// The token whose secret hashes to `hash`, valid or not.
    fn token_by_hash(&self, hash: &[u8; 32]) -> Result<Option<Token>>;
    fn tokens(&self) -> Result<Vec<Token>>;
    /// Marks a token revoked at `at`; revoking twice keeps the first time.
    fn revoke_token(&mut self, id: TokenId, at: OffsetDateTime) -> Result<()>;

    /// Stores a batch whole, in one transaction, or reports that its id was
    /// stored before (then writes nothing). Creates the site's scan for
    /// `scan_ref` on its first batch, appends to it after, completes it on
    /// the batch with `finished_at`, and sets the site's last report time.
    fn ingest_batch(&mut self, batch: &SensorBatch, at: OffsetDateTime) -> Result<BatchOutcome>;

    /// The scans stored for a site, oldest first by start time (ties: by
    /// id, the order they were stored in).
    fn site_scans(&self, site: SiteId) -> Result<Vec<crate::Scan>>;
    /// A site's latest scan, the one device pages read: its latest complete
    /// scan by start time, else its latest unfinished one ([`DeviceQuery`]);
    /// `None` for a site without scans.
    fn latest_scan(&self, site: SiteId) -> Result<Option<crate::Scan>> {
        let mut scans = self.site_scans(site)?;
        // `site_scans` is in order of start time, then id.
        let latest = scans
            .iter()
            .rposition(|s| s.status == crate::ScanStatus::Complete)
            .or_else(|| scans.len().checked_sub(1));
        Ok(latest.map(|i| scans.swap_remove(i)))
    }

    /// The site a scan belongs to, if any (a local scan has none).
    fn scan_site(&self, scan: ScanId) -> Result<Option<SiteId>>;

    /// The devices of each site's latest scan (as [`DeviceQuery`] says
    /// which that is), filtered, in the stable order of [`DeviceCursor`].
    fn device_page(&self, query: &DeviceQuery) -> Result<Page<SiteDevice, DeviceCursor>>;

    fn save_plan(
        &mut self,
        org: OrgId,
        findings: &serde_json::Value,
        plan: &serde_json::Value,
        at: OffsetDateTime,
    ) -> Result<PlanId>;
    fn plan(&self, id: PlanId) -> Result<Option<StoredPlan>>;
    /// An organisation's plans, newest first.
    fn plans(&self, org: OrgId) -> Result<Vec<StoredPlan>>;
}
