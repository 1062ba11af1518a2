//! [`Estate`] on PostgreSQL. A batch's observations and devices go in with
//! binary `COPY … FROM STDIN` inside the batch's transaction: one stream
//! per table, however many rows, which is what PostgreSQL loads fastest.
//!
//! Several stores (the server's pool) may ingest at once. The batch id is
//! claimed with `INSERT … ON CONFLICT DO NOTHING`, which waits for a
//! concurrent claim of the same id to commit or roll back, so a retry sent
//! while the first attempt is still being written is reported as a
//! duplicate, never stored twice; the scan's row is locked first, so two
//! batches of one scan are written one after the other and never take the
//! same device positions.

use std::collections::BTreeMap;

use camaudit_model::Observation;
use futures_util::pin_mut;
use time::OffsetDateTime;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Row, Transaction};

use super::{PostgresStore, SCAN_COLUMNS, encode, read_scan, refuse_nul_times};
use crate::stored::{
    self, DeviceRow, Dialect, ORG_COLUMNS, PLAN_COLUMNS, Param, SITE_COLUMNS, ScopeColumns,
    TOKEN_COLUMNS, page, scope_from, slug,
};
use crate::{
    BatchOutcome, DeviceCursor, DeviceQuery, Estate, NewOrganisation, NewSite, NewToken, OrgId,
    Organisation, Page, PlanId, Result, Scan, ScanId, ScanStatus, SensorBatch, Site, SiteDevice,
    SiteId, Slug, StoreError, StoredPlan, Token, TokenId,
};

fn is(e: &tokio_postgres::Error, state: &SqlState) -> bool {
    e.code() == Some(state)
}

/// Refuses text PostgreSQL cannot hold (a NUL), naming what it is.
fn storable(what: &'static str, s: &str) -> Result<()> {
    if s.contains('\0') {
        return Err(StoreError::Unstorable {
            what,
            why: "it holds a NUL character",
        });
    }
    Ok(())
}

fn read_org(r: &Row) -> Result<Organisation> {
    let id = OrgId(r.try_get(0)?);
    let what = format!("organisation {id}");
    let sector: String = r.try_get(3)?;
    Ok(Organisation {
        id,
        slug: slug(&what, r.try_get(1)?)?,
        name: r.try_get(2)?,
        sector: sector
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))?,
        created_at: r.try_get(4)?,
    })
}

fn read_site(r: &Row) -> Result<Site> {
    let id = SiteId(r.try_get(0)?);
    Ok(Site {
        id,
        org: OrgId(r.try_get(1)?),
        slug: slug(&format!("site {id}"), r.try_get(2)?)?,
        name: r.try_get(3)?,
        created_at: r.try_get(4)?,
        last_report_at: r.try_get(5)?,
    })
}

fn read_token(r: &Row, sites: Vec<i64>) -> Result<Token> {
    let id: i64 = r.try_get(0)?;
    let word: String = r.try_get(3)?;
    Ok(Token {
        id: TokenId(id),
        prefix: r.try_get(1)?,
        label: r.try_get(2)?,
        scope: scope_from(id, &word, r.try_get(4)?, sites)?,
        created_at: r.try_get(5)?,
        expires_at: r.try_get(6)?,
        revoked_at: r.try_get(7)?,
    })
}

fn read_plan(r: &Row) -> Result<StoredPlan> {
    let id = PlanId(r.try_get(0)?);
    let json = |column: usize, what: &str| -> Result<serde_json::Value> {
        let text: String = r.try_get(column)?;
        serde_json::from_str(&text)
            .map_err(|e| StoreError::Corrupt(format!("plan {id}: {what}: {e}")))
    };
    Ok(StoredPlan {
        id,
        org: OrgId(r.try_get(1)?),
        created_at: r.try_get(2)?,
        findings: json(3, "findings")?,
        plan: json(4, "plan")?,
    })
}

/// Appends devices after the scan's last one, by binary COPY.
pub(super) async fn append_devices(
    tx: &Transaction<'_>,
    org: Option<i64>,
    scan: i64,
    rows: &[DeviceRow],
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let next: i64 = tx
        .query_one(
            "SELECT COALESCE(MAX(idx) + 1, 0)::int8 FROM devices WHERE scan_id = $1",
            &[&scan],
        )
        .await?
        .try_get(0)?;
    let sink = tx
        .copy_in("COPY devices (scan_id, idx, device, org_id, manufacturer, covered, addr) FROM STDIN BINARY")
        .await?;
    let types = [
        Type::INT8,
        Type::INT4,
        Type::TEXT,
        Type::INT8,
        Type::TEXT,
        Type::BOOL,
        Type::TEXT,
    ];
    let writer = BinaryCopyInWriter::new(sink, &types);
    pin_mut!(writer);
    for (idx, d) in (next..).zip(rows) {
        let idx = i32::try_from(idx).map_err(|_| StoreError::Unstorable {
            what: "a device",
            why: "the scan has more devices than a position can number",
        })?;
        writer
            .as_mut()
            .write(&[
                &scan,
                &idx,
                &d.json,
                &org,
                &d.manufacturer,
                &d.covered,
                &d.addr,
            ])
            .await?;
    }
    writer.finish().await?;
    Ok(())
}

/// Appends a batch's observations (unchunked, done), by binary COPY.
async fn append_observations(
    tx: &Transaction<'_>,
    org: i64,
    scan: i64,
    observations: &[Observation],
) -> Result<()> {
    if observations.is_empty() {
        return Ok(());
    }
    let sink = tx
        .copy_in("COPY observations (scan_id, chunk, done, addr, port, source, field, value, seen_at, org_id) FROM STDIN BINARY")
        .await?;
    let types = [
        Type::INT8,
        Type::INT8,
        Type::BOOL,
        Type::TEXT,
        Type::INT4,
        Type::TEXT,
        Type::TEXT,
        Type::BYTEA,
        Type::TEXT,
        Type::INT8,
    ];
    let writer = BinaryCopyInWriter::new(sink, &types);
    pin_mut!(writer);
    let (unchunked, done) = (-1i64, true);
    for o in observations {
        let addr = o.addr.to_string();
        let port = o.port.map(i32::from);
        writer
            .as_mut()
            .write(&[
                &scan,
                &unchunked,
                &done,
                &addr,
                &port,
                &o.source.as_str(),
                &o.field.as_str(),
                &o.value.as_bytes(),
                &o.seen_at,
                &org,
            ])
            .await?;
    }
    writer.finish().await?;
    Ok(())
}

/// What a batch's transaction needs, owned, to move to the connection's
/// thread.
struct BatchRows {
    id: String,
    site: i64,
    scan_ref: String,
    kind: &'static str,
    started_at: OffsetDateTime,
    finished_at: Option<OffsetDateTime>,
    params: String,
    observations: Vec<Observation>,
    devices: Vec<DeviceRow>,
}

impl BatchRows {
    fn of(batch: &SensorBatch) -> Result<BatchRows> {
        storable("a scan reference", &batch.scan_ref)?;
        refuse_nul_times(&batch.observations)?;
        Ok(BatchRows {
            id: batch.id.as_str().to_owned(),
            site: batch.site.0,
            scan_ref: batch.scan_ref.clone(),
            kind: batch.kind.as_str(),
            started_at: batch.started_at,
            finished_at: batch.finished_at,
            params: encode("the scan parameters", &batch.params)?,
            observations: batch.observations.clone(),
            devices: batch
                .devices
                .iter()
                .map(DeviceRow::of)
                .collect::<Result<_>>()?,
        })
    }
}

/// What the batch's transaction found.
enum Ingested {
    Stored(i64),
    /// An earlier batch of this id: its site, scan and the scan's reference.
    Earlier(i64, i64, Option<String>),
}

/// The site's scan for the batch's reference, created on its first batch.
async fn scan_for(tx: &Transaction<'_>, org: i64, b: &BatchRows) -> Result<i64> {
    let created = tx
        .query_opt(
            "INSERT INTO scans (started_at, status, targets, exclude, params, total_addresses, chunk_size, chunks_total, kind, org_id, site_id, scan_ref)
             VALUES ($1, $2, '[]', '[]', $3, 0, 0, 0, $4, $5, $6, $7)
             ON CONFLICT (site_id, scan_ref) DO NOTHING RETURNING id",
            &[&b.started_at, &ScanStatus::Running.as_str(), &b.params, &b.kind, &org, &b.site, &b.scan_ref],
        )
        .await?;
    let row = match created {
        Some(row) => row,
        None => {
            tx.query_one(
                "SELECT id FROM scans WHERE site_id = $1 AND scan_ref = $2",
                &[&b.site, &b.scan_ref],
            )
            .await?
        }
    };
    Ok(row.try_get(0)?)
}

async fn ingest(tx: Transaction<'_>, b: &BatchRows, at: OffsetDateTime) -> Result<Ingested> {
    let org: i64 = tx
        .query_opt("SELECT org_id FROM sites WHERE id = $1", &[&b.site])
        .await?
        .ok_or(StoreError::NoSite(SiteId(b.site)))?
        .try_get(0)?;
    let scan = scan_for(&tx, org, b).await?;
    // Taken before anything references the scan: the foreign keys of the
    // rows below share-lock it, and two batches each holding that share
    // while waiting for the other's would deadlock.
    tx.execute(
        "SELECT 1 FROM scans WHERE id = $1 FOR NO KEY UPDATE",
        &[&scan],
    )
    .await?;
    let (observations, devices) = (b.observations.len() as i64, b.devices.len() as i64);
    let claimed = tx
        .execute(
            "INSERT INTO batches (org_id, batch_id, site_id, scan_id, stored_at, observations, devices)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, batch_id) DO NOTHING",
            &[&org, &b.id, &b.site, &scan, &at, &observations, &devices],
        )
        .await?;
    if claimed == 0 {
        // Dropping the transaction rolls back a scan created above.
        let earlier = tx
            .query_one(
                "SELECT b.site_id, b.scan_id, s.scan_ref FROM batches b JOIN scans s ON s.id = b.scan_id
                 WHERE b.org_id = $1 AND b.batch_id = $2",
                &[&org, &b.id],
            )
            .await?;
        return Ok(Ingested::Earlier(
            earlier.try_get(0)?,
            earlier.try_get(1)?,
            earlier.try_get(2)?,
        ));
    }
    append_observations(&tx, org, scan, &b.observations).await?;
    append_devices(&tx, Some(org), scan, &b.devices).await?;
    if let Some(finished) = b.finished_at {
        tx.execute(
            "UPDATE scans SET status = $2, finished_at = $3 WHERE id = $1",
            &[&scan, &ScanStatus::Complete.as_str(), &finished],
        )
        .await?;
    }
    tx.execute(
        "UPDATE sites SET last_report_at = $2 WHERE id = $1",
        &[&b.site, &at],
    )
    .await?;
    tx.commit().await?;
    Ok(Ingested::Stored(scan))
}

type Params = Vec<Box<dyn ToSql + Sync + Send>>;

/// PostgreSQL's `$N` placeholders (integers cast to int8, so the row
/// comparison with the cursor gets one type whatever the server would
/// infer); `started_at` is a timestamptz, which orders as time.
const DIALECT: Dialect = Dialect {
    placeholder: |n, p| match p {
        Param::Int(_) => format!("${n}::int8"),
        Param::Bool(_) | Param::Text(_) => format!("${n}"),
    },
    started_at: "started_at",
};

/// The device page's query with PostgreSQL's `$N` placeholders and values.
fn device_page_sql(q: &DeviceQuery) -> (String, Params) {
    let (sql, params) = stored::device_page_sql(q, &DIALECT);
    let values = params
        .into_iter()
        .map(|p| -> Box<dyn ToSql + Sync + Send> {
            match p {
                Param::Int(i) => Box::new(i),
                Param::Bool(b) => Box::new(b),
                Param::Text(t) => Box::new(t),
            }
        })
        .collect();
    (sql, values)
}

fn read_site_device(r: &Row) -> Result<SiteDevice> {
    let org: Option<i64> = r.try_get(0)?;
    let scan = ScanId(r.try_get(2)?);
    let idx: i32 = r.try_get(3)?;
    let text: String = r.try_get(4)?;
    let device = serde_json::from_str(&text)
        .map_err(|e| StoreError::Corrupt(format!("scan {scan}: device {idx}: {e}")))?;
    Ok(SiteDevice {
        org: OrgId(org.ok_or_else(|| {
            StoreError::Corrupt(format!("scan {scan}: a site's scan without organisation"))
        })?),
        site: SiteId(r.try_get(1)?),
        scan,
        idx: i64::from(idx),
        device,
    })
}

impl PostgresStore {
    /// Runs one query on the connection's thread and returns its rows.
    fn rows(&self, sql: String, params: Params) -> Result<Vec<Row>> {
        self.call(move |rt, client| {
            rt.block_on(async {
                let refs: Vec<&(dyn ToSql + Sync)> = params
                    .iter()
                    .map(|p| p.as_ref() as &(dyn ToSql + Sync))
                    .collect();
                Ok(client.query(&sql, &refs).await?)
            })
        })
    }

    fn all_token_sites(&self, token: Option<i64>) -> Result<BTreeMap<i64, Vec<i64>>> {
        let rows = self.rows(
            "SELECT token_id, site_id FROM token_sites WHERE $1::int8 IS NULL OR token_id = $1
             ORDER BY token_id, site_id"
                .into(),
            vec![Box::new(token)],
        )?;
        let mut sites: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for r in rows {
            sites.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
        }
        Ok(sites)
    }
}

impl Estate for PostgresStore {
    fn create_organisation(&mut self, org: &NewOrganisation) -> Result<OrgId> {
        storable("an organisation's name", &org.name)?;
        let slug = org.slug.to_string();
        let (name, sector, at) = (org.name.clone(), org.sector.as_str(), org.created_at);
        self.call(move |rt, client| {
            rt.block_on(async {
                let row = client
                    .query_one(
                        "INSERT INTO organisations (slug, name, sector, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                        &[&slug, &name, &sector, &at],
                    )
                    .await
                    .map_err(|e| match e {
                        e if is(&e, &SqlState::UNIQUE_VIOLATION) => {
                            StoreError::Conflict(format!("organisation {slug:?}"))
                        }
                        e => e.into(),
                    })?;
                Ok(OrgId(row.try_get(0)?))
            })
        })
    }

    fn organisations(&self) -> Result<Vec<Organisation>> {
        let sql = format!("SELECT {ORG_COLUMNS} FROM organisations ORDER BY id");
        self.rows(sql, vec![])?.iter().map(read_org).collect()
    }

    fn organisation_by_slug(&self, slug: &Slug) -> Result<Option<Organisation>> {
        let sql = format!("SELECT {ORG_COLUMNS} FROM organisations WHERE slug = $1");
        let rows = self.rows(sql, vec![Box::new(slug.to_string())])?;
        rows.first().map(read_org).transpose()
    }

    fn create_site(&mut self, site: &NewSite) -> Result<SiteId> {
        storable("a site's name", &site.name)?;
        let (org, slug, name, at) = (
            site.org,
            site.slug.to_string(),
            site.name.clone(),
            site.created_at,
        );
        self.call(move |rt, client| {
            rt.block_on(async {
                let row = client
                    .query_one(
                        "INSERT INTO sites (org_id, slug, name, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                        &[&org.0, &slug, &name, &at],
                    )
                    .await
                    .map_err(|e| match e {
                        e if is(&e, &SqlState::UNIQUE_VIOLATION) => StoreError::Conflict(format!(
                            "site {slug:?} of organisation {org}"
                        )),
                        e if is(&e, &SqlState::FOREIGN_KEY_VIOLATION) => {
                            StoreError::NoOrganisation(org)
                        }
                        e => e.into(),
                    })?;
                Ok(SiteId(row.try_get(0)?))
            })
        })
    }

    fn sites(&self, org: Option<OrgId>) -> Result<Vec<Site>> {
        let sql = format!(
            "SELECT {SITE_COLUMNS} FROM sites WHERE $1::int8 IS NULL OR org_id = $1 ORDER BY id"
        );
        self.rows(sql, vec![Box::new(org.map(|o| o.0))])?
            .iter()
            .map(read_site)
            .collect()
    }

    fn site(&self, id: SiteId) -> Result<Option<Site>> {
        let sql = format!("SELECT {SITE_COLUMNS} FROM sites WHERE id = $1");
        let rows = self.rows(sql, vec![Box::new(id.0)])?;
        rows.first().map(read_site).transpose()
    }

    fn site_by_slug(&self, org: OrgId, slug: &Slug) -> Result<Option<Site>> {
        let sql = format!("SELECT {SITE_COLUMNS} FROM sites WHERE org_id = $1 AND slug = $2");
        let rows = self.rows(sql, vec![Box::new(org.0), Box::new(slug.to_string())])?;
        rows.first().map(read_site).transpose()
    }

    fn create_token(&mut self, token: &NewToken) -> Result<TokenId> {
        storable("a token's label", &token.label)?;
        storable("a token's prefix", &token.prefix)?;
        let scope = ScopeColumns::of(&token.scope)?;
        let hash = token.hash.to_vec();
        let (prefix, label) = (token.prefix.clone(), token.label.clone());
        let (created, expires) = (token.created_at, token.expires_at);
        self.call(move |rt, client| {
            rt.block_on(async {
                let tx = client.transaction().await?;
                if let Some(org) = scope.org {
                    check_scope(&tx, org, &scope.sites).await?;
                }
                let row = tx
                    .query_one(
                        "INSERT INTO tokens (hash, prefix, label, scope, org_id, created_at, expires_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                        &[&hash, &prefix, &label, &scope.word, &scope.org, &created, &expires],
                    )
                    .await
                    .map_err(|e| match e {
                        e if is(&e, &SqlState::UNIQUE_VIOLATION) => {
                            StoreError::Conflict("a token with this secret".into())
                        }
                        e => e.into(),
                    })?;
                let id: i64 = row.try_get(0)?;
                tx.execute(
                    "INSERT INTO token_sites (token_id, site_id) SELECT $1, UNNEST($2::int8[])",
                    &[&id, &scope.sites],
                )
                .await?;
                tx.commit().await?;
                Ok(TokenId(id))
            })
        })
    }

    fn token_by_hash(&self, hash: &[u8; 32]) -> Result<Option<Token>> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE hash = $1");
        let rows = self.rows(sql, vec![Box::new(hash.to_vec())])?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        let id: i64 = r.try_get(0)?;
        let mut sites = self.all_token_sites(Some(id))?;
        read_token(r, sites.remove(&id).unwrap_or_default()).map(Some)
    }

    fn tokens(&self) -> Result<Vec<Token>> {
        let mut sites = self.all_token_sites(None)?;
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY id");
        self.rows(sql, vec![])?
            .iter()
            .map(|r| {
                let id: i64 = r.try_get(0)?;
                read_token(r, sites.remove(&id).unwrap_or_default())
            })
            .collect()
    }

    fn revoke_token(&mut self, id: TokenId, at: OffsetDateTime) -> Result<()> {
        let n = self.call(move |rt, client| {
            rt.block_on(async {
                Ok(client
                    .execute(
                        "UPDATE tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1",
                        &[&id.0, &at],
                    )
                    .await?)
            })
        })?;
        if n == 0 {
            return Err(StoreError::NoToken(id));
        }
        Ok(())
    }

    fn ingest_batch(&mut self, batch: &SensorBatch, at: OffsetDateTime) -> Result<BatchOutcome> {
        let rows = BatchRows::of(batch)?;
        let done = self.call(move |rt, client| {
            rt.block_on(async {
                let tx = client.transaction().await?;
                ingest(tx, &rows, at).await
            })
        })?;
        match done {
            Ingested::Stored(scan) => Ok(BatchOutcome::Stored { scan: ScanId(scan) }),
            Ingested::Earlier(site, scan, scan_ref) => {
                crate::stored::duplicate(batch, site, ScanId(scan), scan_ref)
            }
        }
    }

    fn site_scans(&self, site: SiteId) -> Result<Vec<Scan>> {
        let sql = format!(
            "SELECT {SCAN_COLUMNS} FROM scans WHERE site_id = $1 ORDER BY {}",
            stored::site_scan_order(&DIALECT)
        );
        self.rows(sql, vec![Box::new(site.0)])?
            .iter()
            .map(read_scan)
            .collect()
    }

    fn scan_site(&self, scan: ScanId) -> Result<Option<SiteId>> {
        let rows = self.rows(
            "SELECT site_id FROM scans WHERE id = $1".into(),
            vec![Box::new(scan.0)],
        )?;
        let row = rows.first().ok_or(StoreError::NoScan(scan))?;
        Ok(row.try_get::<_, Option<i64>>(0)?.map(SiteId))
    }

    fn device_page(&self, query: &DeviceQuery) -> Result<Page<SiteDevice, DeviceCursor>> {
        let (sql, params) = device_page_sql(query);
        let items = self
            .rows(sql, params)?
            .iter()
            .map(read_site_device)
            .collect::<Result<_>>()?;
        Ok(page(items, query.limit))
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
        self.call(move |rt, client| {
            rt.block_on(async {
                let row = client
                    .query_one(
                        "INSERT INTO plans (org_id, created_at, findings, plan) VALUES ($1, $2, $3, $4) RETURNING id",
                        &[&org.0, &at, &findings, &plan],
                    )
                    .await
                    .map_err(|e| match e {
                        e if is(&e, &SqlState::FOREIGN_KEY_VIOLATION) => {
                            StoreError::NoOrganisation(org)
                        }
                        e => e.into(),
                    })?;
                Ok(PlanId(row.try_get(0)?))
            })
        })
    }

    fn plan(&self, id: PlanId) -> Result<Option<StoredPlan>> {
        let sql = format!("SELECT {PLAN_COLUMNS} FROM plans WHERE id = $1");
        let rows = self.rows(sql, vec![Box::new(id.0)])?;
        rows.first().map(read_plan).transpose()
    }

    fn plans(&self, org: OrgId) -> Result<Vec<StoredPlan>> {
        let sql = format!(
            "SELECT {PLAN_COLUMNS} FROM plans WHERE org_id = $1 ORDER BY created_at DESC, id DESC"
        );
        self.rows(sql, vec![Box::new(org.0)])?
            .iter()
            .map(read_plan)
            .collect()
    }
}

/// The organisation exists, and every site of a sensor scope is its.
async fn check_scope(tx: &Transaction<'_>, org: i64, sites: &[i64]) -> Result<()> {
    if tx
        .query_opt("SELECT 1 FROM organisations WHERE id = $1", &[&org])
        .await?
        .is_none()
    {
        return Err(StoreError::NoOrganisation(OrgId(org)));
    }
    for &site in sites {
        let owner = tx
            .query_opt("SELECT org_id FROM sites WHERE id = $1", &[&site])
            .await?;
        match owner.map(|r| r.try_get::<_, i64>(0)).transpose()? {
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
