//! The estate's behaviour, the same on both backends: organisations, sites,
//! tokens, sensor batches, device pages and plans. Every test runs once on
//! SQLite and once on a real PostgreSQL server.

mod common;

use camaudit_model::{Device, Observation};
use camaudit_store::{
    BatchOutcome, DeviceCursor, DeviceQuery, EstateStore, NewOrganisation, NewSite, NewToken,
    OrgId, ScanId, ScanKind, ScanStatus, Sector, SensorBatch, SiteId, StoreError, TokenScope,
};
use common::Fresh;
use time::OffsetDateTime;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-03-01 09:00:00 UTC);
const T1: OffsetDateTime = datetime!(2026-03-01 09:10:00 UTC);
const T2: OffsetDateTime = datetime!(2026-03-02 09:00:00 UTC);

on_both_backends!(
    organisations_and_sites_round_trip_and_taken_slugs_conflict,
    tokens_keep_their_scope_and_refuse_sites_outside_it,
    revoking_twice_keeps_the_first_time,
    a_retried_batch_writes_nothing_and_names_its_scan,
    batches_of_one_scan_append_and_the_last_completes_it,
    batch_ids_are_per_organisation_and_a_reused_id_is_refused,
    a_batch_that_fails_half_way_leaves_nothing,
    device_pages_read_each_sites_latest_scan_in_order,
    device_pages_filter_by_org_site_covered_and_maker,
    replaced_devices_stay_filterable,
    plans_come_back_newest_first,
    several_stores_ingest_into_one_estate_at_once,
    a_store_of_schema_2_migrates_and_its_devices_become_filterable,
    a_sites_latest_scan_is_its_latest_complete_one_by_start_time,
);

fn org(s: &mut dyn EstateStore, slug: &str) -> OrgId {
    s.create_organisation(&NewOrganisation {
        slug: slug.parse().unwrap(),
        name: format!("{slug} council"),
        sector: Sector::Council,
        created_at: T0,
    })
    .unwrap()
}

fn site(s: &mut dyn EstateStore, org: OrgId, slug: &str) -> SiteId {
    s.create_site(&NewSite {
        org,
        slug: slug.parse().unwrap(),
        name: format!("{slug} building"),
        created_at: T0,
    })
    .unwrap()
}

fn device(addr: &str, maker: Option<&str>, covered: bool) -> Device {
    serde_json::from_value(serde_json::json!({
        "addr": addr, "mac": null, "open_ports": [80], "label_vendor": null,
        "manufacturer": maker, "owner": null, "model": null, "firmware": null,
        "serial": null, "device_type": "camera", "covered": covered,
        "covered_by": if covered { vec!["uk-2022-directive"] } else { vec![] },
        "confidence": 0.9, "attribution": [], "evidence": []
    }))
    .unwrap()
}

fn obs(addr: &str, value: &str) -> Observation {
    Observation::new(addr.parse().unwrap(), Some(80), "http.title", value).unwrap()
}

fn batch(id: &str, site: SiteId, scan_ref: &str, devices: Vec<Device>) -> SensorBatch {
    SensorBatch {
        id: id.parse().unwrap(),
        site,
        scan_ref: scan_ref.to_owned(),
        kind: ScanKind::Scan,
        started_at: T0,
        finished_at: None,
        params: serde_json::json!({"vantage": {"zone": "core"}}),
        observations: devices
            .iter()
            .map(|d| obs(&d.addr.unwrap().to_string(), id))
            .collect(),
        devices,
    }
}

fn stored(outcome: BatchOutcome) -> ScanId {
    match outcome {
        BatchOutcome::Stored { scan } => scan,
        other => panic!("expected a stored batch, got {other:?}"),
    }
}

fn addrs(devices: &[Device]) -> Vec<String> {
    devices
        .iter()
        .map(|d| d.addr.map(|a| a.to_string()).unwrap_or_default())
        .collect()
}

fn organisations_and_sites_round_trip_and_taken_slugs_conflict(fresh: Fresh) {
    let mut s = fresh.open_estate();
    let leeds = org(&mut *s, "leeds");
    let york = org(&mut *s, "york");
    let again = s.create_organisation(&NewOrganisation {
        slug: "leeds".parse().unwrap(),
        name: "Another Leeds".into(),
        sector: Sector::School,
        created_at: T1,
    });
    assert!(
        matches!(&again, Err(StoreError::Conflict(what)) if what.contains("leeds")),
        "{again:?}"
    );
    let found = s
        .organisation_by_slug(&"york".parse().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!((found.id, found.name.as_str()), (york, "york council"));
    assert_eq!((found.sector, found.created_at), (Sector::Council, T0));
    assert!(
        s.organisation_by_slug(&"hull".parse().unwrap())
            .unwrap()
            .is_none()
    );
    let slugs: Vec<String> = s
        .organisations()
        .unwrap()
        .into_iter()
        .map(|o| o.slug.to_string())
        .collect();
    assert_eq!(slugs, ["leeds", "york"]);

    let civic = site(&mut *s, leeds, "civic-centre");
    let depot = site(&mut *s, leeds, "depot");
    let york_civic = site(&mut *s, york, "civic-centre"); // same slug, other organisation
    let taken = s.create_site(&NewSite {
        org: leeds,
        slug: "depot".parse().unwrap(),
        name: "Depot 2".into(),
        created_at: T1,
    });
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    let orphan = s.create_site(&NewSite {
        org: OrgId(york.0 + 100),
        slug: "x".parse().unwrap(),
        name: "x".into(),
        created_at: T1,
    });
    assert!(
        matches!(orphan, Err(StoreError::NoOrganisation(_))),
        "{orphan:?}"
    );
    let ids = |org| -> Vec<SiteId> { s.sites(org).unwrap().iter().map(|x| x.id).collect() };
    assert_eq!(ids(Some(leeds)), [civic, depot]);
    assert_eq!(ids(Some(york)), [york_civic]);
    assert_eq!(ids(None), [civic, depot, york_civic]);
    let depot_site = s.site(depot).unwrap().unwrap();
    assert_eq!(
        (depot_site.org, depot_site.name.as_str()),
        (leeds, "depot building")
    );
    assert_eq!(depot_site.last_report_at, None);
    let by_slug = s
        .site_by_slug(york, &"civic-centre".parse().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(by_slug.id, york_civic);
    assert!(
        s.site_by_slug(york, &"depot".parse().unwrap())
            .unwrap()
            .is_none()
    );
    assert!(s.site(SiteId(york_civic.0 + 100)).unwrap().is_none());
}

fn new_token(hash_byte: u8, scope: TokenScope) -> NewToken {
    NewToken {
        hash: [hash_byte; 32],
        prefix: format!("cam_{hash_byte:02x}"),
        label: format!("token {hash_byte}"),
        scope,
        created_at: T0,
        expires_at: Some(T2),
    }
}

fn tokens_keep_their_scope_and_refuse_sites_outside_it(fresh: Fresh) {
    let mut s = fresh.open_estate();
    let leeds = org(&mut *s, "leeds");
    let york = org(&mut *s, "york");
    let (a, b) = (site(&mut *s, leeds, "a"), site(&mut *s, leeds, "b"));
    let y = site(&mut *s, york, "y");
    let scopes = [
        TokenScope::Admin,
        TokenScope::Viewer { org: york },
        TokenScope::Sensor {
            org: leeds,
            sites: vec![a, b],
        },
    ];
    let mut ids = Vec::new();
    for (n, scope) in scopes.iter().enumerate() {
        ids.push(s.create_token(&new_token(n as u8, scope.clone())).unwrap());
    }
    let sensor = s.token_by_hash(&[2; 32]).unwrap().unwrap();
    assert_eq!(sensor.id, ids[2]);
    assert_eq!(sensor.scope, scopes[2]);
    assert_eq!(
        (sensor.prefix.as_str(), sensor.label.as_str()),
        ("cam_02", "token 2")
    );
    assert_eq!(
        (sensor.created_at, sensor.expires_at, sensor.revoked_at),
        (T0, Some(T2), None)
    );
    assert!(sensor.is_valid_at(T1) && !sensor.is_valid_at(T2));
    assert!(s.token_by_hash(&[9; 32]).unwrap().is_none());
    let listed: Vec<TokenScope> = s.tokens().unwrap().into_iter().map(|t| t.scope).collect();
    assert_eq!(listed, scopes);

    let refused = [
        (new_token(0, TokenScope::Admin), "a secret already stored"),
        (
            new_token(
                5,
                TokenScope::Sensor {
                    org: leeds,
                    sites: vec![a, y],
                },
            ),
            "a site of another organisation",
        ),
        (
            new_token(
                6,
                TokenScope::Sensor {
                    org: leeds,
                    sites: vec![SiteId(y.0 + 50)],
                },
            ),
            "a site that does not exist",
        ),
        (
            new_token(
                7,
                TokenScope::Sensor {
                    org: leeds,
                    sites: vec![],
                },
            ),
            "no site",
        ),
        (
            new_token(
                8,
                TokenScope::Viewer {
                    org: OrgId(york.0 + 50),
                },
            ),
            "an organisation that does not exist",
        ),
    ];
    for (token, why) in refused {
        let err = s.create_token(&token);
        assert!(err.is_err(), "a token with {why} was stored");
    }
    assert!(matches!(
        s.create_token(&new_token(0, TokenScope::Admin)),
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.create_token(&new_token(
            5,
            TokenScope::Sensor {
                org: leeds,
                sites: vec![a, y]
            }
        )),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(s.tokens().unwrap().len(), 3, "a refused token left a row");
}

fn revoking_twice_keeps_the_first_time(fresh: Fresh) {
    let mut s = fresh.open_estate();
    let id = s.create_token(&new_token(1, TokenScope::Admin)).unwrap();
    s.revoke_token(id, T1).unwrap();
    s.revoke_token(id, T2).unwrap();
    let t = s.token_by_hash(&[1; 32]).unwrap().unwrap();
    assert_eq!(t.revoked_at, Some(T1));
    assert!(!t.is_valid_at(T0), "revoked is never valid");
    let unknown = camaudit_store::TokenId(id.0 + 10);
    assert!(matches!(
        s.revoke_token(unknown, T1),
        Err(StoreError::NoToken(_))
    ));
}

fn a_retried_batch_writes_nothing_and_names_its_scan(fresh: Fresh) {
    let mut s = fresh.open_estate();
    let leeds = org(&mut *s, "leeds");
    let civic = site(&mut *s, leeds, "civic");
    let b = batch(
        "sensor-1:0001",
        civic,
        "host/1",
        vec![device("10.0.0.1", Some("hikvision"), true)],
    );
    let scan = stored(s.ingest_batch(&b, T1).unwrap());
    for _ in 0..2 {
        assert_eq!(
            s.ingest_batch(&b, T2).unwrap(),
            BatchOutcome::Duplicate { scan }
        );
    }
    assert_eq!(s.observation_count(scan).unwrap(), 1);
    assert_eq!(s.devices(scan).unwrap().len(), 1);
    assert_eq!(
        s.site(civic).unwrap().unwrap().last_report_at,
        Some(T1),
        "a retry is not a report"
    );
    assert_eq!(s.scan_site(scan).unwrap(), Some(civic));
    let unknown_site = SiteId(civic.0 + 10);
    let lost = s.ingest_batch(&batch("x", unknown_site, "r", vec![]), T1);
    assert!(matches!(lost, Err(StoreError::NoSite(_))), "{lost:?}");
}

fn batches_of_one_scan_append_and_the_last_completes_it(fresh: Fresh) {
    let mut s = fresh.open_estate();
    let leeds = org(&mut *s, "leeds");
    let civic = site(&mut *s, leeds, "civic");
    let first = batch(
        "b1",
        civic,
        "host/7",
        vec![
            device("10.0.0.1", Some("dahua"), true),
            device("10.0.0.2", Some("axis"), false),
        ],
    );
    let scan = stored(s.ingest_batch(&first, T1).unwrap());
    let running = s.scan(scan).unwrap();
    assert_eq!(
        (running.status, running.kind, running.started_at),
        (ScanStatus::Running, ScanKind::Scan, T0)
    );
    assert_eq!(running.params, first.params);
    let mut last = batch("b2", civic, "host/7", vec![device("10.0.0.3", None, false)]);
    last.finished_at = Some(T2);
    assert_eq!(stored(s.ingest_batch(&last, T2).unwrap()), scan);
    let done = s.scan(scan).unwrap();
    assert_eq!(
        (done.status, done.finished_at),
        (ScanStatus::Complete, Some(T2))
    );
    assert_eq!(
        addrs(&s.devices(scan).unwrap()),
        ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
    );
    let values: Vec<String> = s
        .observations(scan)
        .unwrap()
        .into_iter()
        .map(|o| o.value)
        .collect();
    assert_eq!(values, ["b1", "b1", "b2"]);
    assert_eq!(s.site(civic).unwrap().unwrap().last_report_at, Some(T2));

    let next = stored(
        s.ingest_batch(&batch("b3", civic, "host/8", vec![]), T2)
            .unwrap(),
    );
    assert!(next > scan, "a new reference is a new scan");
    let scans: Vec<ScanId> = s.site_scans(civic).unwrap().iter().map(|x| x.id).collect();
    assert_eq!(scans, [scan, next]);
    // A local scan belongs to no site; an unknown scan is an error.
    let local = s
        .create_scan(&camaudit_store::NewScan {
            kind: ScanKind::Import,
            started_at: T0,
            targets: vec!["x.xml".into()],
            exclude: vec![],
            params: serde_json::Value::Null,
            total_addresses: 0,
            chunk_size: 0,
            chunks_total: 0,
        })
        .unwrap();
    assert_eq!(s.scan_site(local).unwrap(), None);
    assert!(matches!(
        s.scan_site(ScanId(local.0 + 10)),
        Err(StoreError::NoScan(_))
    ));
}

fn batch_ids_are_per_organisation_and_a_reused_id_is_refused(fresh: Fresh) {
    let mut s = fresh.open_estate();
    let (leeds, york) = (org(&mut *s, "leeds"), org(&mut *s, "york"));
    let (l1, l2) = (site(&mut *s, leeds, "l1"), site(&mut *s, leeds, "l2"));
    let y = site(&mut *s, york, "y");
    let in_leeds = stored(s.ingest_batch(&batch("same", l1, "r", vec![]), T1).unwrap());
    let in_york = stored(s.ingest_batch(&batch("same", y, "r", vec![]), T1).unwrap());
    assert_ne!(in_leeds, in_york, "one organisation's id is not another's");
    for reused in [
        batch("same", l2, "r", vec![]),
        batch("same", l1, "other", vec![]),
    ] {
        let err = s.ingest_batch(&reused, T2);
        assert!(matches!(err, Err(StoreError::Invalid(_))), "{err:?}");
    }
    assert!(
        s.site_scans(l2).unwrap().is_empty(),
        "the refused batch left a scan"
    );
    assert_eq!(s.site_scans(l1).unwrap().len(), 1);
}

/// A trigger makes the batch's last insert fail: the observations, devices
/// and scan written before it in the transaction must go too.
fn a_batch_that_fails_half_way_leaves_nothing(fresh: Fresh) {
    let mut s = fresh.open_estate();
    let leeds = org(&mut *s, "leeds");
    let civic = site(&mut *s, leeds, "civic");
    if fresh.is_postgres() {
        fresh.raw(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by test'; END $$;
             CREATE TRIGGER refuse BEFORE INSERT ON batches FOR EACH ROW WHEN (NEW.batch_id = 'doomed') EXECUTE FUNCTION refuse();",
        );
    } else {
        fresh.raw(
            "CREATE TRIGGER refuse BEFORE INSERT ON batches WHEN NEW.batch_id = 'doomed'
             BEGIN SELECT RAISE(ABORT, 'refused by test'); END;",
        );
    }
    let doomed = batch(
        "doomed",
        civic,
        "r",
        vec![device("10.0.0.1", Some("hikvision"), true)],
    );
    let err = s.ingest_batch(&doomed, T1).unwrap_err();
    assert!(err.to_string().contains("refused by test"), "{err}");
    assert!(s.site_scans(civic).unwrap().is_empty());
    assert!(s.scans().unwrap().is_empty());
    assert_eq!(s.site(civic).unwrap().unwrap().last_report_at, None);
    let page = s
        .device_page(&DeviceQuery {
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert!(page.items.is_empty());
    // The same store goes on working after the failed transaction.
    let scan = stored(
        s.ingest_batch(&batch("fine", civic, "r", vec![]), T1)
            .unwrap(),
    );
    assert_eq!(s.observation_count(scan).unwrap(), 0);
}

/// Two organisations, three sites; each site has an older and a newer
/// scan, of which only the newer is read.
fn estate_with_two_scans_per_site(s: &mut dyn EstateStore) -> (OrgId, OrgId, [SiteId; 3]) {
    let (leeds, york) = (org(s, "leeds"), org(s, "york"));
    let sites = [site(s, leeds, "a"), site(s, leeds, "b"), site(s, york, "c")];
    for (n, &site) in sites.iter().enumerate() {
        let old = vec![device(&format!("10.{n}.0.99"), Some("hikvision"), true)];
        s.ingest_batch(&batch(&format!("old-{n}"), site, "old", old), T0)
            .unwrap();
    }
    for (n, &site) in sites.iter().enumerate() {
        let new: Vec<Device> = (0..5)
            .map(|i| {
                let (maker, covered) = match i % 3 {
                    0 => (Some("hikvision"), true),
                    1 => (Some("dahua"), true),
                    _ => (Some("axis"), false),
                };
                device(&format!("10.{n}.0.{i}"), maker, covered)
            })
            .collect();
        s.ingest_batch(&batch(&format!("new-{n}"), site, "new", new), T1)
            .unwrap();
    }
    (leeds, york, sites)
}

/// Every page of a query, following `next`, with each page's size checked.
fn read_all(s: &dyn EstateStore, mut q: DeviceQuery) -> Vec<(SiteId, String)> {
    let mut out = Vec::new();
    for _ in 0..100 {
        let page = s.device_page(&q).unwrap();
        assert!(page.items.len() <= q.limit as usize);
        if page.next.is_some() {
            assert_eq!(
                page.items.len(),
                q.limit as usize,
                "a short page that is not the last"
            );
        }
        out.extend(
            page.items
                .iter()
                .map(|d| (d.site, d.device.addr.unwrap().to_string())),
        );
        match page.next {
            Some(next) => q.after = Some(next),
            None => return out,
        }
    }
    panic!("the pages never ended");
}

fn device_pages_read_each_sites_latest_scan_in_order(fresh: Fresh) {
    let mut s = fresh.open_estate();
    let (leeds, _, sites) = estate_with_two_scans_per_site(&mut *s);
    let everything = read_all(
        &*s,
        DeviceQuery {
            limit: 1000,
            ..Default::default()
        },
    );
    let expected: Vec<(SiteId, String)> = sites
        .iter()
        .enumerate()
        .flat_map(|(n, &site)| (0..5).map(move |i| (site, format!("10.{n}.0.{i}"))))
        .collect();
    assert_eq!(
        everything, expected,
        "latest scans only, by site then position"
    );
    for limit in [1, 2, 4, 5, 7, 15] {
        let paged = read_all(
            &*s,
            DeviceQuery {
                limit,
                ..Default::default()
            },
        );
        assert_eq!(paged, expected, "pages of {limit}");
    }
    let first = s
        .device_page(&DeviceQuery {
            limit: 3,
            ..Default::default()
        })
        .unwrap();
    let at = first.next.unwrap();
    assert_eq!(
        (at.site, at.idx),
        (sites[0], 2),
        "the cursor is the last item's place"
    );
    let d = &first.items[2];
    assert_eq!(
        (d.org, d.site, d.scan, d.idx),
        (leeds, sites[0], at.scan, 2)
    );
    let rest = s
        .device_page(&DeviceQuery {
            after: Some(at),
            limit: 1,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(rest.items[0].idx, 3, "the cursor is exclusive");
    // A cursor from past the end gives an empty last page.
    let beyond = DeviceCursor {
        site: SiteId(i64::MAX),
        scan: ScanId(0),
        idx: 0,
    };
    let end = s
        .device_page(&DeviceQuery {
            after: Some(beyond),
            limit: 5,
            ..Default::default()
        })
        .unwrap();
    assert!(end.items.is_empty() && end.next.is_none());
}

fn device_pages_filter_by_org_site_covered_and_maker(fresh: Fresh) {
    let mut s = fresh.open_estate();
    let (leeds, york, sites) = estate_with_two_scans_per_site(&mut *s);
    let count = |q: DeviceQuery| read_all(&*s, DeviceQuery { limit: 4, ..q }).len();
    assert_eq!(
        count(DeviceQuery {
            org: Some(leeds),
            ..Default::default()
        }),
        10
    );
    assert_eq!(
        count(DeviceQuery {
            org: Some(york),
            ..Default::default()
        }),
        5
    );
    assert_eq!(
        count(DeviceQuery {
            org: Some(york),
            site: Some(sites[0]),
            ..Default::default()
        }),
        0,
        "a site of another organisation shows nothing"
    );
    assert_eq!(
        count(DeviceQuery {
            site: Some(sites[1]),
            ..Default::default()
        }),
        5
    );
    // Per site: hikvision at 0 and 3, dahua at 1 and 4, axis at 2.
    assert_eq!(
        count(DeviceQuery {
            covered: Some(true),
            ..Default::default()
        }),
        12
    );
    assert_eq!(
        count(DeviceQuery {
            covered: Some(false),
            ..Default::default()
        }),
        3
    );
    let dahua = DeviceQuery {
        org: Some(leeds),
        maker: Some("dahua".into()),
        ..Default::default()
    };
    let found = read_all(&*s, DeviceQuery { limit: 1, ..dahua });
    assert_eq!(
        found,
        [
            (sites[0], "10.0.0.1".to_owned()),
            (sites[0], "10.0.0.4".to_owned()),
            (sites[1], "10.1.0.1".to_owned()),
            (sites[1], "10.1.0.4".to_owned()),
        ]
    );
    assert_eq!(
        count(DeviceQuery {
            maker: Some("axis".into()),
            covered: Some(true),
            ..Default::default()
        }),
        0
    );
}

fn replaced_devices_stay_filterable(fresh: Fresh) {
    let mut s = fresh.open_estate();
    let leeds = org(&mut *s, "leeds");
    let civic = site(&mut *s, leeds, "civic");
    let b = batch(
        "b",
        civic,
        "r",
        vec![device("10.0.0.1", Some("axis"), false)],
    );
    let scan = stored(s.ingest_batch(&b, T1).unwrap());
    // Identified again (a newer registry): the maker and coverage change.
    s.set_devices(scan, &[device("10.0.0.1", Some("hikvision"), true)])
        .unwrap();
    let q = DeviceQuery {
        maker: Some("hikvision".into()),
        covered: Some(true),
        org: Some(leeds),
        limit: 5,
        ..Default::default()
    };
    let page = s.device_page(&q).unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].org, leeds);
    let axis = DeviceQuery {
        maker: Some("axis".into()),
        limit: 5,
        ..Default::default()
    };
    assert!(s.device_page(&axis).unwrap().items.is_empty());
    // A local scan's devices are in no site's page.
    let local = s
        .create_scan(&camaudit_store::NewScan {
            kind: ScanKind::Scan,
            started_at: T2,
            targets: vec!["10.9.0.0/24".into()],
            exclude: vec![],
            params: serde_json::Value::Null,
            total_addresses: 254,
            chunk_size: 256,
            chunks_total: 1,
        })
        .unwrap();
    s.set_devices(local, &[device("10.9.0.1", Some("hikvision"), true)])
        .unwrap();
    assert_eq!(s.device_page(&q).unwrap().items.len(), 1);
}

fn plans_come_back_newest_first(fresh: Fresh) {
    let mut s = fresh.open_estate();
    let (leeds, york) = (org(&mut *s, "leeds"), org(&mut *s, "york"));
    let findings = serde_json::json!([{"control": "no-core-network", "device": 3}]);
    let older = s
        .save_plan(leeds, &findings, &serde_json::json!({"actions": 1}), T0)
        .unwrap();
    let newer = s
        .save_plan(
            leeds,
            &serde_json::json!([]),
            &serde_json::json!({"actions": 2}),
            T1,
        )
        .unwrap();
    s.save_plan(york, &findings, &serde_json::json!({"actions": 3}), T2)
        .unwrap();
    let ids: Vec<_> = s.plans(leeds).unwrap().iter().map(|p| p.id).collect();
    assert_eq!(ids, [newer, older]);
    let p = s.plan(older).unwrap().unwrap();
    assert_eq!((p.org, p.created_at), (leeds, T0));
    assert_eq!(
        (p.findings, p.plan),
        (findings, serde_json::json!({"actions": 1}))
    );
    assert!(
        s.plan(camaudit_store::PlanId(newer.0 + 10))
            .unwrap()
            .is_none()
    );
    let orphan = s.save_plan(
        OrgId(york.0 + 10),
        &serde_json::json!([]),
        &serde_json::json!({}),
        T0,
    );
    assert!(
        matches!(orphan, Err(StoreError::NoOrganisation(_))),
        "{orphan:?}"
    );
}

/// The estate server keeps a few stores open on one database: batches of
/// one scan stored through several of them at once are all there, once,
/// with their devices numbered without a gap or a clash.
fn several_stores_ingest_into_one_estate_at_once(fresh: Fresh) {
    let (civic, depot) = {
        let mut s = fresh.open_estate();
        let leeds = org(&mut *s, "leeds");
        (site(&mut *s, leeds, "civic"), site(&mut *s, leeds, "depot"))
    };
    const STORES: usize = 4;
    const EACH: usize = 6;
    std::thread::scope(|scope| {
        for w in 0..STORES {
            let fresh = &fresh;
            scope.spawn(move || {
                let mut s = fresh.open_estate();
                for n in 0..EACH {
                    let site = if n % 2 == 0 { civic } else { depot };
                    let d = vec![device(&format!("10.{w}.{n}.1"), None, false); 3];
                    let b = batch(&format!("w{w}-{n}"), site, "shared", d);
                    s.ingest_batch(&b, T1).unwrap();
                    // Each batch is retried once, as a sensor would after a
                    // lost answer.
                    assert!(matches!(
                        s.ingest_batch(&b, T1).unwrap(),
                        BatchOutcome::Duplicate { .. }
                    ));
                }
            });
        }
    });
    let s = fresh.open_estate();
    for site in [civic, depot] {
        let scans = s.site_scans(site).unwrap();
        assert_eq!(scans.len(), 1, "one scan per site and reference");
        let devices = s.devices(scans[0].id).unwrap();
        assert_eq!(devices.len(), STORES * EACH / 2 * 3);
        assert_eq!(
            s.observation_count(scans[0].id).unwrap(),
            devices.len() as u64
        );
    }
    let all = read_all(
        &*s,
        DeviceQuery {
            limit: 50,
            ..Default::default()
        },
    );
    assert_eq!(all.len(), STORES * EACH * 3);
}

/// A store as the previous camaudit left it (schema 2, a scan with a
/// device): it opens, gains the estate, and its device's maker, coverage
/// and address are copied out of the JSON into the columns reads use.
fn a_store_of_schema_2_migrates_and_its_devices_become_filterable(fresh: Fresh) {
    let (before, versions) = if fresh.is_postgres() {
        (
            [
                include_str!("../../../migrations/postgres/0001_scans.sql"),
                include_str!("../../../migrations/postgres/0002_scan_kind.sql"),
            ],
            "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());",
        )
    } else {
        (
            [
                include_str!("../../../migrations/sqlite/0001_scans.sql"),
                include_str!("../../../migrations/sqlite/0002_scan_kind.sql"),
            ],
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);",
        )
    };
    for sql in before {
        fresh.raw(sql);
    }
    fresh.raw(versions);
    fresh.raw(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, 'scans', '2026-11-01T00:00:00Z'), (2, 'scan_kind', '2026-11-01T00:00:00Z');
         INSERT INTO scans (started_at, status, targets, exclude, params, total_addresses, chunk_size, chunks_total, kind)
         VALUES ('2026-11-23T10:00:00Z', 'complete', '[]', '[]', 'null', 0, 0, 0, 'import');",
    );
    let json = serde_json::to_string(&device("10.4.0.9", Some("hikvision"), true)).unwrap();
    let plain = serde_json::to_string(&device("10.4.0.10", None, false)).unwrap();
    fresh.raw(&format!(
        "INSERT INTO devices (scan_id, idx, device) VALUES (1, 0, '{json}'), (1, 1, '{plain}')"
    ));
    let s = fresh.open_estate();
    assert_eq!(
        s.devices(ScanId(1)).unwrap().len(),
        2,
        "the old rows are kept"
    );
    let columns = fresh.raw_value(
        "SELECT COALESCE(MAX(manufacturer), '-') || ' ' || SUM(CASE WHEN covered THEN 1 ELSE 0 END) || ' ' || MIN(addr) FROM devices",
    );
    assert_eq!(columns, "hikvision 1 10.4.0.10");
    let recorded = fresh.raw_value("SELECT COUNT(*) || ' ' || MAX(version) FROM schema_migrations");
    assert_eq!(recorded, format!("3 {}", camaudit_store::SCHEMA_VERSION));
}

/// A site's latest scan is chosen by start time, not by the order scans
/// arrived in: a capture from yesterday pushed after today's scan does not
/// replace it, a newer scan still arriving does not hide a complete one,
/// and a site with no complete scan yet shows its unfinished one.
fn a_sites_latest_scan_is_its_latest_complete_one_by_start_time(fresh: Fresh) {
    let mut s = fresh.open_estate();
    let leeds = org(&mut *s, "leeds");
    let (hall, depot) = (site(&mut *s, leeds, "hall"), site(&mut *s, leeds, "depot"));
    let scan = |id: &str, site: SiteId, started_at: OffsetDateTime, finished: bool, addr: &str| {
        SensorBatch {
            started_at,
            finished_at: finished.then_some(started_at + time::Duration::minutes(5)),
            ..batch(id, site, id, vec![device(addr, Some("hikvision"), true)])
        }
    };
    let today = datetime!(2026-03-02 09:00:00 UTC);
    // Today's scan first, then yesterday's capture pushed late: 10:00+02:00
    // is 08:00 UTC, and sorts after 09:00Z as text.
    let yesterday_late = datetime!(2026-03-02 10:00:00 +2);
    let today_scan = stored(
        s.ingest_batch(&scan("today", hall, today, true, "10.0.0.1"), T2)
            .unwrap(),
    );
    let late = scan("late", hall, yesterday_late, true, "10.0.0.2");
    s.ingest_batch(&late, T2).unwrap();
    // A newer scan of the hall, still arriving.
    let running = scan(
        "running",
        hall,
        today + time::Duration::hours(1),
        false,
        "10.0.0.3",
    );
    s.ingest_batch(&running, T2).unwrap();
    // The depot has only an unfinished scan, a fraction of a second after
    // an older complete one would be (fractions sort wrongly as text too).
    let first = datetime!(2026-03-02 09:00:00.5 UTC);
    s.ingest_batch(&scan("depot-1", depot, first, false, "10.1.0.1"), T2)
        .unwrap();
    s.ingest_batch(&scan("depot-0", depot, today, false, "10.1.0.0"), T2)
        .unwrap();

    let read = read_all(
        &*s,
        DeviceQuery {
            limit: 10,
            ..Default::default()
        },
    );
    assert_eq!(
        read,
        [
            (hall, "10.0.0.1".to_owned()),
            (depot, "10.1.0.1".to_owned())
        ],
        "today's complete scan of the hall; the depot's latest unfinished one"
    );
    let page = s
        .device_page(&DeviceQuery {
            site: Some(hall),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.items[0].scan, today_scan);
    assert_eq!(
        s.latest_scan(hall).unwrap().map(|sc| sc.id),
        Some(today_scan)
    );
    let depot_latest = s.latest_scan(depot).unwrap().unwrap();
    assert_eq!(
        depot_latest.started_at, first,
        "the depot's latest unfinished scan"
    );
    let empty = site(&mut *s, leeds, "empty");
    assert!(s.latest_scan(empty).unwrap().is_none());
    // A site's scans are listed oldest first by start time too.
    let starts: Vec<OffsetDateTime> = s
        .site_scans(hall)
        .unwrap()
        .iter()
        .map(|sc| sc.started_at)
        .collect();
    assert_eq!(
        starts,
        [yesterday_late, today, today + time::Duration::hours(1)]
    );
}
