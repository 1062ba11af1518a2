//! The estate's values in the columns both backends store them in, and
//! back: a token's scope as a word, an organisation and a list of sites; a
//! device with the facts reads filter on copied out of its JSON.

use camaudit_model::Device;

use crate::{
    BatchOutcome, DeviceCursor, DeviceQuery, OrgId, Page, Result, ScanId, SensorBatch, SiteDevice,
    SiteId, Slug, StoreError, TokenScope,
};

/// A token's scope as its columns: the word, the organisation (none for an
/// admin) and the sites (a sensor's only).
pub(crate) struct ScopeColumns {
    pub word: &'static str,
    pub org: Option<i64>,
    pub sites: Vec<i64>,
}

impl ScopeColumns {
    /// Refuses a sensor scope without sites: it could write nowhere, and
    /// the store would read it back as damage.
    pub fn of(scope: &TokenScope) -> Result<ScopeColumns> {
        let (org, sites) = match scope {
            TokenScope::Admin => (None, Vec::new()),
            TokenScope::Viewer { org } => (Some(org.0), Vec::new()),
            TokenScope::Sensor { org, sites } => {
                if sites.is_empty() {
                    return Err(StoreError::Invalid(
                        "a sensor token needs at least one site".into(),
                    ));
                }
                let mut ids: Vec<i64> = sites.iter().map(|s| s.0).collect();
                ids.sort_unstable();
                ids.dedup();
                (Some(org.0), ids)
            }
        };
        Ok(ScopeColumns {
            word: scope.kind(),
            org,
            sites,
        })
    }
}

/// A token's scope from its columns, or damage naming the token.
pub(crate) fn scope_from(
    token: i64,
    word: &str,
    org: Option<i64>,
    sites: Vec<i64>,
) -> Result<TokenScope> {
    let bad = |what: &str| StoreError::Corrupt(format!("token {token}: {what}"));
    match (word, org) {
        ("admin", None) => Ok(TokenScope::Admin),
        ("viewer", Some(org)) => Ok(TokenScope::Viewer { org: OrgId(org) }),
        ("sensor", Some(_)) if sites.is_empty() => Err(bad("a sensor scope without sites")),
        ("sensor", Some(org)) => Ok(TokenScope::Sensor {
            org: OrgId(org),
            sites: sites.into_iter().map(SiteId).collect(),
        }),
        _ => Err(bad(&format!(
            "scope {word:?} with organisation {org:?} is none this camaudit writes"
        ))),
    }
}

/// A device as its row: the JSON, and the facts reads filter and order on.
pub(crate) struct DeviceRow {
    pub json: String,
    pub manufacturer: Option<String>,
    pub covered: bool,
    pub addr: Option<String>,
}

impl DeviceRow {
    pub fn of(device: &Device) -> Result<DeviceRow> {
        let json = serde_json::to_string(device).map_err(|error| StoreError::Encode {
            what: "a device",
            error,
        })?;
        Ok(DeviceRow {
            json,
            manufacturer: device.manufacturer.as_ref().map(|m| m.as_str().to_owned()),
            covered: device.covered,
            addr: device.addr.map(|a| a.to_string()),
        })
    }
}

/// The columns each backend reads an estate record from, in the order its
/// row reader takes them.
pub(crate) const ORG_COLUMNS: &str = "id, slug, name, sector, created_at";
pub(crate) const SITE_COLUMNS: &str = "id, org_id, slug, name, created_at, last_report_at";
pub(crate) const TOKEN_COLUMNS: &str =
    "id, prefix, label, scope, org_id, created_at, expires_at, revoked_at";
pub(crate) const PLAN_COLUMNS: &str = "id, org_id, created_at, findings, plan";

/// A stored slug read back; one that is not a slug means damaged data.
pub(crate) fn slug(what: &str, s: String) -> Result<Slug> {
    s.parse()
        .map_err(|e: crate::BadSlug| StoreError::Corrupt(format!("{what}: {e}")))
}

/// A page's size plus the one row that says whether there is a next page.
pub(crate) fn fetch_limit(limit: u32) -> i64 {
    i64::from(limit) + 1
}

/// A value bound to a query written once for both backends; each backend
/// turns it into its own parameter type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Param {
    Int(i64),
    Bool(bool),
    Text(String),
}

/// How a backend writes the placeholder of the n-th (1-based) parameter.
pub(crate) type Placeholder = fn(usize, &Param) -> String;

/// What the queries written once for both backends need to know of each.
pub(crate) struct Dialect {
    pub placeholder: Placeholder,
    /// A scan's `started_at` as a value that orders by time. SQLite keeps
    /// RFC 3339 text, which does not sort as time when offsets or
    /// fractions of a second differ (`10:00:00.5Z` sorts before
    /// `10:00:00Z`), so it compares `julianday(started_at)`.
    pub started_at: &'static str,
}

/// A site's scans oldest first: by start time, then id (the order in
/// which they were stored, for scans started at the same time).
pub(crate) fn site_scan_order(dialect: &Dialect) -> String {
    format!("{}, id", dialect.started_at)
}

/// Each site's latest scan, of the sites `filter` selects: its latest
/// complete scan by start time (ties: the higher id), or, while it has no
/// complete scan, its latest unfinished one. A capture pushed late (an old
/// scan sent again) is not the latest, and a newer scan still arriving
/// does not hide a complete one (docs/store.md).
fn latest_scans_sql(filter: &str, dialect: &Dialect) -> String {
    let complete = crate::ScanStatus::Complete.as_str();
    format!(
        "SELECT site_id, org_id, scan_id FROM (
           SELECT site_id, org_id, id AS scan_id,
                  ROW_NUMBER() OVER (PARTITION BY site_id
                    ORDER BY CASE WHEN status = '{complete}' THEN 0 ELSE 1 END,
                             {} DESC, id DESC) AS pick
           FROM scans WHERE {filter}) ranked
         WHERE pick = 1",
        dialect.started_at
    )
}

/// The device page's query for both backends: each site's latest scan, the
/// filters that are set, after the cursor, one row more than the page.
pub(crate) fn device_page_sql(q: &DeviceQuery, dialect: &Dialect) -> (String, Vec<Param>) {
    let mut values = Vec::new();
    let mut bind = |value: Param| {
        values.push(value);
        (dialect.placeholder)(values.len(), &values[values.len() - 1])
    };
    let mut sites = String::from("site_id IS NOT NULL");
    if let Some(org) = q.org {
        sites.push_str(&format!(" AND org_id = {}", bind(Param::Int(org.0))));
    }
    if let Some(site) = q.site {
        sites.push_str(&format!(" AND site_id = {}", bind(Param::Int(site.0))));
    }
    if let Some(after) = q.after {
        // Sites before the cursor's have nothing left to read.
        sites.push_str(&format!(
            " AND site_id >= {}",
            bind(Param::Int(after.site.0))
        ));
    }
    let mut filter = String::from("1 = 1");
    if let Some(covered) = q.covered {
        filter.push_str(&format!(" AND d.covered = {}", bind(Param::Bool(covered))));
    }
    if let Some(maker) = &q.maker {
        let maker = bind(Param::Text(maker.clone()));
        filter.push_str(&format!(" AND d.manufacturer = {maker}"));
    }
    if let Some(after) = q.after {
        let site = bind(Param::Int(after.site.0));
        let scan = bind(Param::Int(after.scan.0));
        let idx = bind(Param::Int(after.idx));
        filter.push_str(&format!(
            " AND (l.site_id, d.scan_id, d.idx) > ({site}, {scan}, {idx})"
        ));
    }
    let limit = bind(Param::Int(fetch_limit(q.limit)));
    let latest = latest_scans_sql(&sites, dialect);
    let sql = format!(
        "SELECT l.org_id, l.site_id, d.scan_id, d.idx, d.device
         FROM ({latest}) l
         JOIN devices d ON d.scan_id = l.scan_id
         WHERE {filter}
         ORDER BY l.site_id, d.scan_id, d.idx
         LIMIT {limit}"
    );
    (sql, values)
}

/// A page from up to [`fetch_limit`] rows: the next page starts after the
/// last item kept, if a row was left over. A limit of 0 gives an empty
/// page that ends the read.
pub(crate) fn page(mut items: Vec<SiteDevice>, limit: u32) -> Page<SiteDevice, DeviceCursor> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = items.len() > limit;
    items.truncate(limit);
    let next = more.then(|| items.last()).flatten().map(|d| DeviceCursor {
        site: d.site,
        scan: d.scan,
        idx: d.idx,
    });
    Page { items, next }
}

/// A retried batch: the scan it went to, provided it is the same batch (a
/// sensor reusing an id for another site or scan would otherwise lose that
/// batch without a word).
pub(crate) fn duplicate(
    batch: &SensorBatch,
    site: i64,
    scan: ScanId,
    scan_ref: Option<String>,
) -> Result<BatchOutcome> {
    if site != batch.site.0 || scan_ref.as_deref() != Some(batch.scan_ref.as_str()) {
        return Err(StoreError::Invalid(format!(
            "batch {} was stored before for another site or scan (scan {scan}); give each batch its own id",
            batch.id
        )));
    }
    Ok(BatchOutcome::Duplicate { scan })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_through_their_columns() {
        let scopes = [
            TokenScope::Admin,
            TokenScope::Viewer { org: OrgId(4) },
            TokenScope::Sensor {
                org: OrgId(4),
                sites: vec![SiteId(2), SiteId(9)],
            },
        ];
        for scope in scopes {
            let c = ScopeColumns::of(&scope).unwrap();
            assert_eq!(scope_from(1, c.word, c.org, c.sites).unwrap(), scope);
        }
    }

    #[test]
    fn a_sensor_without_sites_is_refused_both_ways() {
        let empty = TokenScope::Sensor {
            org: OrgId(1),
            sites: vec![],
        };
        assert!(matches!(
            ScopeColumns::of(&empty),
            Err(StoreError::Invalid(_))
        ));
        let read = scope_from(7, "sensor", Some(1), vec![]).unwrap_err();
        assert_eq!(
            read.to_string(),
            "stored data is damaged: token 7: a sensor scope without sites"
        );
        assert!(scope_from(7, "admin", Some(1), vec![]).is_err());
        assert!(scope_from(7, "root", None, vec![]).is_err());
    }
}
