//! [`Estate`] on SQLite. Writes that read before they write take the write
//! lock first (`BEGIN IMMEDIATE`), so what they read cannot change under
//! them: one writer at a time is SQLite's model anyway.

use std::collections::BTreeMap;

use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params, params_from_iter};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{SCAN_COLUMNS, SqliteStore, encode, timestamp};
use crate::stored::{
    self, DeviceRow, Dialect, ORG_COLUMNS, PLAN_COLUMNS, Param, SITE_COLUMNS, ScopeColumns,
    TOKEN_COLUMNS, scope_from, slug,
};
use crate::{
    BatchOutcome, DeviceCursor, DeviceQuery, Estate, NewOrganisation, NewSite, NewToken, OrgId,
    Organisation, Page, PlanId, Result, Scan, ScanId, ScanStatus, SensorBatch, Site, SiteDevice,
    SiteId, Slug, StoreError, StoredPlan, Token, TokenId,
};

/// Whether `e` is a UNIQUE or PRIMARY KEY violation.
fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}

fn is_foreign_key_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY)
}

fn time(what: &str, s: &str) -> Result<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|e| StoreError::Corrupt(format!("{what}: time {s:?}: {e}")))
}

fn maybe_time(what: &str, s: Option<String>) -> Result<Option<OffsetDateTime>> {
    s.map(|s| time(what, &s)).transpose()
}

fn json(what: &str, s: &str) -> Result<serde_json::Value> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn read_org(r: &rusqlite::Row<'_>) -> Result<Organisation> {
    let id = OrgId(r.get(0)?);
    let what = format!("organisation {id}");
    let sector: String = r.get(3)?;
    Ok(Organisation {
        id,
        slug: slug(&what, r.get(1)?)?,
        name: r.get(2)?,
        sector: sector
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))?,
        created_at: time(&what, &r.get::<_, String>(4)?)?,
    })
}

fn read_site(r: &rusqlite::Row<'_>) -> Result<Site> {
    let id = SiteId(r.get(0)?);
    let what = format!("site {id}");
    Ok(Site {
        id,
        org: OrgId(r.get(1)?),
        slug: slug(&what, r.get(2)?)?,
        name: r.get(3)?,
        created_at: time(&what, &r.get::<_, String>(4)?)?,
        last_report_at: maybe_time(&what, r.get(5)?)?,
    })
}

/// A token row; its sites come from `token_sites`.
fn read_token(r: &rusqlite::Row<'_>, sites: Vec<i64>) -> Result<Token> {
    let id: i64 = r.get(0)?;
    let what = format!("token {id}");
    let word: String = r.get(3)?;
    Ok(Token {
        id: TokenId(id),
        prefix: r.get(1)?,
        label: r.get(2)?,
        scope: scope_from(id, &word, r.get(4)?, sites)?,
        created_at: time(&what, &r.get::<_, String>(5)?)?,
        expires_at: maybe_time(&what, r.get(6)?)?,
        revoked_at: maybe_time(&what, r.get(7)?)?,
    })
}

fn read_plan(r: &rusqlite::Row<'_>) -> Result<StoredPlan> {
    let id = PlanId(r.get(0)?);
    let what = format!("plan {id}");
    Ok(StoredPlan {
        id,
        org: OrgId(r.get(1)?),
        created_at: time(&what, &r.get::<_, String>(2)?)?,
        findings: json(&format!("{what}: findings"), &r.get::<_, String>(3)?)?,
        plan: json(&what, &r.get::<_, String>(4)?)?,
    })
}

fn token_sites(conn: &rusqlite::Connection, token: i64) -> Result<Vec<i64>> {
    let mut st =
        conn.prepare("SELECT site_id FROM token_sites WHERE token_id = ?1 ORDER BY site_id")?;
    let rows = st.query_map([token], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Checks that every site of a sensor scope exists and is the scope's
/// organisation's.
fn check_scope_sites(tx: &Transaction<'_>, org: i64, sites: &[i64]) -> Result<()> {
    for &site in sites {
        let owner: Option<i64> = tx
            .query_row("SELECT org_id FROM sites WHERE id = ?1", [site], |r| {
                r.get(0)
            })
            .optional()?;
        match owner {
            None => return Err(StoreError::NoSite(SiteId(site))),
            Some(o) if o != org => {
                return Err(StoreError::Invalid(format!(
                    "site {site} is not of organisation {org}"
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn org_exists(tx: &Transaction<'_>, org: i64) -> Result<()> {
    tx.query_row("SELECT 1 FROM organisations WHERE id = ?1", [org], |_| {
        Ok(())
    })
    .optional()?
    .ok_or(StoreError::NoOrganisation(OrgId(org)))
}

/// The batch stored before under this id in the organisation, if any:
/// its site, scan and the scan's reference.
fn earlier_batch(
    tx: &Transaction<'_>,
    org: i64,
    batch: &SensorBatch,
) -> Result<Option<(i64, i64, Option<String>)>> {
    Ok(tx
        .query_row(
            "SELECT b.site_id, b.scan_id, s.scan_ref FROM batches b JOIN scans s ON s.id = b.scan_id
             WHERE b.org_id = ?1 AND b.batch_id = ?2",
            params![org, batch.id.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

/// The site's scan for the batch's reference, created on its first batch.
fn scan_for(tx: &Transaction<'_>, org: i64, batch: &SensorBatch) -> Result<i64> {
    let found: Option<i64> = tx
        .query_row(
            "SELECT id FROM scans WHERE site_id = ?1 AND scan_ref = ?2",
            params![batch.site.0, batch.scan_ref],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    let params = encode("the scan parameters", &batch.params)?;
    tx.execute(
        "INSERT INTO scans (started_at, status, targets, exclude, params, total_addresses, chunk_size, chunks_total, kind, org_id, site_id, scan_ref)
         VALUES (?1, ?2, '[]', '[]', ?3, 0, 0, 0, ?4, ?5, ?6, ?7)",
        params![
            timestamp(batch.started_at),
            ScanStatus::Running.as_str(),
            params,
            batch.kind.as_str(),
            org,
            batch.site.0,
            batch.scan_ref,
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

fn append_observations(
    tx: &Transaction<'_>,
    org: i64,
    scan: i64,
    batch: &SensorBatch,
) -> Result<()> {
    let mut ins = tx.prepare(
        "INSERT INTO observations (scan_id, chunk, done, addr, port, source, field, value, seen_at, org_id)
         VALUES (?1, -1, 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for o in &batch.observations {
        ins.execute(params![
            scan,
            o.addr.to_string(),
            o.port.map(i64::from),
            o.source.as_str(),
            o.field.as_str(),
            o.value,
            o.seen_at,
            org,
        ])?;
    }
    Ok(())
}

/// Appends devices after the scan's last one.
pub(super) fn append_devices(
    tx: &Transaction<'_>,
    org: Option<i64>,
    scan: i64,
    rows: &[DeviceRow],
) -> Result<()> {
    let next: i64 = tx.query_row(
        "SELECT COALESCE(MAX(idx) + 1, 0) FROM devices WHERE scan_id = ?1",
        [scan],
        |r| r.get(0),
    )?;
    let mut ins = tx.prepare(
        "INSERT INTO devices (scan_id, idx, device, org_id, manufacturer, covered, addr)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (idx, d) in (next..).zip(rows) {
        ins.execute(params![
            scan,
            idx,
            d.json,
            org,
            d.manufacturer,
            d.covered,
            d.addr
        ])?;
    }
    Ok(())
}

impl Estate for SqliteStore {
    fn create_organisation(&mut self, org: &NewOrganisation) -> Result<OrgId> {
        self.conn
            .execute(
                "INSERT INTO organisations (slug, name, sector, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    org.slug.as_str(),
                    org.name,
                    org.sector.as_str(),
                    timestamp(org.created_at)
                ],
            )
            .map_err(|e| match e {
                e if is_unique_violation(&e) => {
                    StoreError::Conflict(format!("organisation {:?}", org.slug.as_str()))
                }
                e => e.into(),
            })?;
        Ok(OrgId(self.conn.last_insert_rowid()))
    }

    fn organisations(&self) -> Result<Vec<Organisation>> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {ORG_COLUMNS} FROM organisations ORDER BY id"
        ))?;
        let mut rows = st.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(read_org(r)?);
        }
        Ok(out)
    }

    fn organisation_by_slug(&self, slug: &Slug) -> Result<Option<Organisation>> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {ORG_COLUMNS} FROM organisations WHERE slug = ?1"
        ))?;
        let mut rows = st.query([slug.as_str()])?;
        rows.next()?.map(read_org).transpose()
    }

    fn create_site(&mut self, site: &NewSite) -> Result<SiteId> {
        self.conn
            .execute(
                "INSERT INTO sites (org_id, slug, name, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    site.org.0,
                    site.slug.as_str(),
                    site.name,
                    timestamp(site.created_at)
                ],
            )
            .map_err(|e| match e {
                e if is_unique_violation(&e) => StoreError::Conflict(format!(
                    "site {:?} of organisation {}",
                    site.slug.as_str(),
                    site.org
                )),
                e if is_foreign_key_violation(&e) => StoreError::NoOrganisation(site.org),
                e => e.into(),
            })?;
        Ok(SiteId(self.conn.last_insert_rowid()))
    }

    fn sites(&self, org: Option<OrgId>) -> Result<Vec<Site>> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {SITE_COLUMNS} FROM sites WHERE ?1 IS NULL OR org_id = ?1 ORDER BY id"
        ))?;
        let mut rows = st.query([org.map(|o| o.0)])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(read_site(r)?);
        }
        Ok(out)
    }

    fn site(&self, id: SiteId) -> Result<Option<Site>> {
        let mut st = self
            .conn
            .prepare(&format!("SELECT {SITE_COLUMNS} FROM sites WHERE id = ?1"))?;
        let mut rows = st.query([id.0])?;
        rows.next()?.map(read_site).transpose()
    }

    fn site_by_slug(&self, org: OrgId, slug: &Slug) -> Result<Option<Site>> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {SITE_COLUMNS} FROM sites WHERE org_id = ?1 AND slug = ?2"
        ))?;
        let mut rows = st.query(params![org.0, slug.as_str()])?;
        rows.next()?.map(read_site).transpose()
    }

    fn create_token(&mut self, token: &NewToken) -> Result<TokenId> {
        let scope = ScopeColumns::of(&token.scope)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(org) = scope.org {
            org_exists(&tx, org)?;
            check_scope_sites(&tx, org, &scope.sites)?;
        }
        tx.execute(
            "INSERT INTO tokens (hash, prefix, label, scope, org_id, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                &token.hash[..],
                token.prefix,
                token.label,
                scope.word,
                scope.org,
                timestamp(token.created_at),
                token.expires_at.map(timestamp),
            ],
        )
        .map_err(|e| match e {
            e if is_unique_violation(&e) => StoreError::Conflict("a token with this secret".into()),
            e => e.into(),
        })?;
        let id = tx.last_insert_rowid();
        for site in &scope.sites {
            tx.execute(
                "INSERT INTO token_sites (token_id, site_id) VALUES (?1, ?2)",
                params![id, site],
            )?;
        }
        tx.commit()?;
        Ok(TokenId(id))
    }

    fn token_by_hash(&self, hash: &[u8; 32]) -> Result<Option<Token>> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens WHERE hash = ?1"
        ))?;
        let mut rows = st.query([&hash[..]])?;
        let Some(r) = rows.next()? else {
            return Ok(None);
        };
        let sites = token_sites(&self.conn, r.get(0)?)?;
        read_token(r, sites).map(Some)
    }

    fn tokens(&self) -> Result<Vec<Token>> {
        let mut sites: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        {
            let mut st = self
                .conn
                .prepare("SELECT token_id, site_id FROM token_sites ORDER BY token_id, site_id")?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            for row in rows {
                let (token, site) = row?;
                sites.entry(token).or_default().push(site);
            }
        }
        let mut st = self
            .conn
            .prepare(&format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY id"))?;
        let mut rows = st.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            out.push(read_token(r, sites.remove(&id).unwrap_or_default())?);
        }
        Ok(out)
    }

    fn revoke_token(&mut self, id: TokenId, at: OffsetDateTime) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
            params![id.0, timestamp(at)],
        )?;
        if n == 0 {
            return Err(StoreError::NoToken(id));
        }
        Ok(())
    }

    fn ingest_batch(&mut self, batch: &SensorBatch, at: OffsetDateTime) -> Result<BatchOutcome> {
        // Encoded before the transaction, so a device that cannot be
        // written leaves nothing behind.
        let devices: Vec<DeviceRow> = batch
            .devices
            .iter()
            .map(DeviceRow::of)
            .collect::<Result<_>>()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let org: i64 = tx
            .query_row(
                "SELECT org_id FROM sites WHERE id = ?1",
                [batch.site.0],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StoreError::NoSite(batch.site))?;
        if let Some((site, scan, scan_ref)) = earlier_batch(&tx, org, batch)? {
            return crate::stored::duplicate(batch, site, ScanId(scan), scan_ref);
        }
        let scan = scan_for(&tx, org, batch)?;
        append_observations(&tx, org, scan, batch)?;
        append_devices(&tx, Some(org), scan, &devices)?;
        if let Some(finished) = batch.finished_at {
            tx.execute(
                "UPDATE scans SET status = ?2, finished_at = ?3 WHERE id = ?1",
                params![scan, ScanStatus::Complete.as_str(), timestamp(finished)],
            )?;
        }
        tx.execute(
            "INSERT INTO batches (org_id, batch_id, site_id, scan_id, stored_at, observations, devices)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                org,
                batch.id.as_str(),
                batch.site.0,
                scan,
                timestamp(at),
                batch.observations.len() as i64,
                devices.len() as i64,
            ],
        )?;
        tx.execute(
            "UPDATE sites SET last_report_at = ?2 WHERE id = ?1",
            params![batch.site.0, timestamp(at)],
        )?;
        tx.commit()?;
        Ok(BatchOutcome::Stored { scan: ScanId(scan) })
    }

    fn site_scans(&self, site: SiteId) -> Result<Vec<Scan>> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {SCAN_COLUMNS} FROM scans WHERE site_id = ?1 ORDER BY {}",
            stored::site_scan_order(&DIALECT)
        ))?;
        let rows = st.query_map([site.0], SqliteStore::read_scan)?;
        rows.map(|r| r?.check()).collect()
    }

    fn scan_site(&self, scan: ScanId) -> Result<Option<SiteId>> {
        let site: Option<Option<i64>> = self
            .conn
            .query_row("SELECT site_id FROM scans WHERE id = ?1", [scan.0], |r| {
                r.get(0)
            })
            .optional()?;
        match site {
            None => Err(StoreError::NoScan(scan)),
            Some(site) => Ok(site.map(SiteId)),
        }
    }

    fn device_page(&self, query: &DeviceQuery) -> Result<Page<SiteDevice, DeviceCursor>> {
        let (sql, values) = device_page_sql(query);
        let mut st = self.conn.prepare(&sql)?;
        let mut rows = st.query(params_from_iter(values))?;
        let mut items = Vec::new();
        while let Some(r) = rows.next()? {
            let (org, site, scan, idx) = (r.get(0)?, r.get(1)?, ScanId(r.get(2)?), r.get(3)?);
            let text: String = r.get(4)?;
            let device = serde_json::from_str(&text)
                .map_err(|e| StoreError::Corrupt(format!("scan {scan}: device {idx}: {e}")))?;
            items.push(SiteDevice {
                org: OrgId(org),
                site: SiteId(site),
                scan,
                idx,
                device,
            });
        }
        Ok(crate::stored::page(items, query.limit))
    }

    fn save_plan(
        &mut self,
        org: OrgId,
        findings: &serde_json::Value,
        plan: &serde_json::Value,
        at: OffsetDateTime,
    ) -> Result<PlanId> {
        let findings = encode("the findings", findings)?;
        let plan = encode("the plan", plan)?;
        self.conn
            .execute(
                "INSERT INTO plans (org_id, created_at, findings, plan) VALUES (?1, ?2, ?3, ?4)",
                params![org.0, timestamp(at), findings, plan],
            )
            .map_err(|e| match e {
                e if is_foreign_key_violation(&e) => StoreError::NoOrganisation(org),
                e => e.into(),
            })?;
        Ok(PlanId(self.conn.last_insert_rowid()))
    }

    fn plan(&self, id: PlanId) -> Result<Option<StoredPlan>> {
        let mut st = self
            .conn
            .prepare(&format!("SELECT {PLAN_COLUMNS} FROM plans WHERE id = ?1"))?;
        let mut rows = st.query([id.0])?;
        rows.next()?.map(read_plan).transpose()
    }

    fn plans(&self, org: OrgId) -> Result<Vec<StoredPlan>> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {PLAN_COLUMNS} FROM plans WHERE org_id = ?1 ORDER BY created_at DESC, id DESC"
        ))?;
        let mut rows = st.query([org.0])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(read_plan(r)?);
        }
        Ok(out)
    }
}

/// The device page's query with SQLite's `?N` placeholders and values.
/// SQLite's `?N` placeholders, and its RFC 3339 text times read as time.
const DIALECT: Dialect = Dialect {
    placeholder: |n, _| format!("?{n}"),
    started_at: "julianday(started_at)",
};

fn device_page_sql(q: &DeviceQuery) -> (String, Vec<Value>) {
    let (sql, params) = stored::device_page_sql(q, &DIALECT);
    let values = params
        .into_iter()
        .map(|p| match p {
            Param::Int(i) => Value::Integer(i),
            Param::Bool(b) => Value::Integer(b.into()),
            Param::Text(t) => Value::Text(t),
        })
        .collect();
    (sql, values)
}
