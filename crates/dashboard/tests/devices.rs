//! The device list and the device page, through the whole router, against
//! the API's answers for the same person and filter.

mod common;

use std::collections::BTreeSet;

use camaudit_server::{on_both_backends, on_sqlite};
use camaudit_store::{BatchId, ScanKind, SensorBatch};
use serde_json::json;

use camaudit_dashboard::session::SessionRules;
use common::{Browser, Fixture, T0, council_board, dashboard};

on_both_backends!(
    the_list_is_the_apis_list_for_each_filter,
    another_organisations_devices_are_the_404_page,
    a_device_with_two_scans_shows_its_change,
);
on_sqlite!(
    pages_follow_one_another_like_the_apis,
    an_admin_sees_every_organisation_or_the_one_chosen,
    a_covered_rebrand_shows_its_maker_brand_and_the_relations_source,
    a_trusted_makers_device_never_says_covered,
    hostile_query_values_are_the_400_page,
    zone_and_severity_without_a_plan_say_how_to_make_one,
    the_export_is_the_lists_devices,
    zone_and_severity_come_from_the_latest_plan,
    a_device_page_shows_its_findings_from_the_plan,
    evidence_naming_another_maker_is_marked_against,
);

/// Each `data-device` of a page, in order.
fn rows(page: &str) -> Vec<String> {
    page.split("<tr data-device=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// The text of the element with `data-figure="name"`.
fn figure(page: &str, name: &str) -> Option<usize> {
    let at = page.find(&format!("data-figure=\"{name}\">"))?;
    let rest = &page[at..];
    let text = rest[rest.find('>')? + 1..].split('<').next()?;
    text.trim().parse().ok()
}

/// The href of the "Next page" link.
fn next_link(page: &str) -> Option<String> {
    let end = page.find("\" rel=\"next\"")?;
    let start = page[..end].rfind("href=\"")? + 6;
    Some(page[start..end].replace("&#38;", "&"))
}

/// Text as the templates write it.
fn escape(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// Every device of the API's list for `query`, followed through its pages.
async fn api_devices(f: &Fixture, token: &str, query: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut uri = format!("/api/v1/devices?{query}");
        if let Some(c) = &cursor {
            uri.push_str(&format!("&cursor={c}"));
        }
        let a = f.get(&uri, Some(token)).await;
        assert_eq!(a.status.as_u16(), 200, "{uri}: {}", a.text());
        let j = a.json();
        for d in j["items"].as_array().unwrap() {
            out.push(format!("{}/{}/{}", d["site"], d["scan"], d["idx"]));
        }
        match j["next"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

async fn page_ok(b: &Browser, f: &Fixture, uri: &str) -> String {
    let a = b.get(f, uri).await;
    assert_eq!(a.status.as_u16(), 200, "{uri}: {}", a.text());
    a.text()
}

async fn the_list_is_the_apis_list_for_each_filter(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let all = api_devices(&f, &f.tokens.viewer_a, "").await;
    assert_eq!(all.len(), f.devices.len(), "the fixture's scan of site a1");
    let site = format!("site={}", f.site_a1.0);
    let empty_site = format!("site={}", f.site_a2.0);
    for query in [
        "",
        "covered=true",
        "covered=false",
        "maker=hikvision",
        "maker=dahua",
        "maker=axis&covered=true",
        site.as_str(),
        empty_site.as_str(),
    ] {
        let want = api_devices(&f, &f.tokens.viewer_a, query).await;
        let page = page_ok(&b, &f, &format!("/devices?{query}")).await;
        assert_eq!(rows(&page), want, "{query}");
        assert_eq!(figure(&page, "devices-shown"), Some(want.len()), "{query}");
        assert_eq!(figure(&page, "devices-total"), Some(all.len()), "{query}");
        // Site a1 holds all of organisation A's devices.
        if !query.is_empty() && query != site {
            assert!(want.len() < all.len(), "{query} narrows nothing");
        }
    }
    // The filters narrow to what they say: every covered row is covered,
    // and a maker's rows are that maker's.
    let covered = page_ok(&b, &f, "/devices?covered=true").await;
    let expected = f.devices.iter().filter(|d| d.covered).count();
    assert_eq!(rows(&covered).len(), expected);
    assert_eq!(
        covered.matches("class=\"verdict covered\"").count(),
        expected,
        "{covered}"
    );
    let dahua = page_ok(&b, &f, "/devices?maker=dahua").await;
    let made_by_dahua = f
        .devices
        .iter()
        .filter(|d| {
            d.manufacturer
                .as_ref()
                .is_some_and(|m| m.as_str() == "dahua")
        })
        .count();
    assert_eq!(rows(&dahua).len(), made_by_dahua);
    assert!(
        dahua.contains("Lorex") && dahua.contains("(rebrand)"),
        "{dahua}"
    );
}

async fn pages_follow_one_another_like_the_apis(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let want = api_devices(&f, &f.tokens.viewer_a, "limit=5").await;
    let mut uri = "/devices?limit=5".to_owned();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = page_ok(&b, &f, &uri).await;
        let here = rows(&page);
        assert!(here.len() <= 5, "{uri}");
        assert_eq!(figure(&page, "devices-on-page"), Some(here.len()));
        assert_eq!(figure(&page, "devices-shown"), Some(want.len()));
        seen.extend(here);
        pages += 1;
        match next_link(&page) {
            Some(next) => uri = next,
            None => break,
        }
        assert!(pages < 10, "the pages do not end");
    }
    assert_eq!(pages, want.len().div_ceil(5));
    assert_eq!(seen, want);
    // The API's own cursor opens the same page.
    let first = f
        .get("/api/v1/devices?limit=5", Some(&f.tokens.viewer_a))
        .await
        .json();
    let cursor = first["next"].as_str().unwrap();
    let page = page_ok(&b, &f, &format!("/devices?limit=5&after={cursor}")).await;
    assert_eq!(rows(&page), want[5..10].to_vec());
    assert!(page.contains(">First page<"));
}

async fn an_admin_sees_every_organisation_or_the_one_chosen(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.admin).await;
    let want = api_devices(&f, &f.tokens.admin, "limit=1000").await;
    let page = page_ok(&b, &f, "/devices?limit=500").await;
    assert_eq!(rows(&page), want);
    assert!(page.contains("leeds council") && page.contains("york council"));
    let org_b = page_ok(&b, &f, &format!("/devices?org={}", f.org_b.0)).await;
    let b_site = format!("{}/", f.site_b1.0);
    assert_eq!(rows(&org_b).len(), f.devices.len());
    assert!(
        rows(&org_b).iter().all(|r| r.starts_with(&b_site)),
        "{org_b}"
    );
    // A site of another organisation than the one chosen is no site of it.
    let a = b
        .get(
            &f,
            &format!("/devices?org={}&site={}", f.org_b.0, f.site_a1.0),
        )
        .await;
    assert_eq!(a.status.as_u16(), 404);
    let a = b.get(&f, "/devices?org=999").await;
    assert_eq!(a.status.as_u16(), 404);
}

async fn another_organisations_devices_are_the_404_page(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    for uri in [
        format!("/devices?site={}", f.site_b1.0),
        format!("/devices?org={}", f.org_b.0),
        format!("/devices/{}/{}/0", f.site_b1.0, f.scan_b1.0),
        // Site a1 with b1's scan: the scan is not that site's.
        format!("/devices/{}/{}/0", f.site_a1.0, f.scan_b1.0),
        format!("/devices.csv?site={}", f.site_b1.0),
        format!("/devices/{}/{}/999", f.site_a1.0, f.scan_a1.0),
    ] {
        let a = b.get(&f, &uri).await;
        assert_eq!(a.status.as_u16(), 404, "{uri}");
        let text = a.text();
        assert!(text.contains("data-error=\"404\""), "{uri}: {text}");
        assert!(!text.contains("york"), "{uri} shows org B: {text}");
    }
    // Their own organisation's are there.
    let own = b
        .get(&f, &format!("/devices/{}/{}/0", f.site_a1.0, f.scan_a1.0))
        .await;
    assert_eq!(own.status.as_u16(), 200, "{}", own.text());
}

/// Position of the device at `addr` in the fixture's scan.
fn idx_of(f: &Fixture, addr: &str) -> usize {
    f.devices
        .iter()
        .position(|d| d.addr.is_some_and(|a| a.to_string() == addr))
        .unwrap()
}

async fn a_covered_rebrand_shows_its_maker_brand_and_the_relations_source(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let idx = idx_of(&f, "10.10.1.45");
    let page = page_ok(
        &b,
        &f,
        &format!("/devices/{}/{}/{idx}", f.site_a1.0, f.scan_a1.0),
    )
    .await;
    assert!(page.contains("data-verdict=\"covered\""), "{page}");
    assert!(
        page.contains("Hikvision") && page.contains("Annke"),
        "{page}"
    );
    assert!(
        page.contains("OEM / white label"),
        "the relation in words: {page}"
    );
    // The registry's source for Annke → Hikvision, as a link.
    assert!(
        page.contains(
            "href=\"https://github.com/Supergiovane/node-red-contrib-hikvision-ultimate/issues/24\""
        ),
        "{page}"
    );
    assert!(page.contains("Why it is covered"), "{page}");
    assert!(page.contains("CVE-2021-36260"), "its KEV: {page}");
    // Its evidence, each piece in words with the raw field beside it.
    let d = &f.devices[idx];
    assert_eq!(figure(&page, "evidence-items"), Some(d.evidence.len()));
    for e in &d.evidence {
        let sentence = camaudit_report::phrase(e);
        assert!(page.contains(&escape(&sentence)), "missing: {sentence}");
    }
    assert!(!page.contains("<script"), "{page}");
    assert!(!page.contains("style="), "{page}");
}

async fn a_trusted_makers_device_never_says_covered(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    for addr in ["10.10.8.30", "10.30.8.11"] {
        let idx = idx_of(&f, addr);
        assert!(!f.devices[idx].covered);
        let page = page_ok(
            &b,
            &f,
            &format!("/devices/{}/{}/{idx}", f.site_a1.0, f.scan_a1.0),
        )
        .await;
        assert!(
            page.contains("data-verdict=\"not-covered\""),
            "{addr}: {page}"
        );
        for said in [
            "verdict covered",
            "Why it is covered",
            "is covered by",
            ">Covered<",
        ] {
            assert!(!page.contains(said), "{addr} says {said:?}: {page}");
        }
    }
    let list = page_ok(&b, &f, "/devices?maker=axis").await;
    assert_eq!(rows(&list).len(), 1);
    assert!(list.contains("not covered") && !list.contains("verdict covered"));
}

async fn a_device_with_two_scans_shows_its_change(f: Fixture) {
    let f = dashboard(f);
    let idx = idx_of(&f, "10.10.8.21");
    let mut devices = f.devices.clone();
    let before = devices[idx].firmware.clone().unwrap();
    devices[idx].firmware = Some("V5.7.99 build 261101".to_owned());
    let later = T0 + time::Duration::days(1);
    let mut store = f.store();
    let outcome = store
        .ingest_batch(
            &SensorBatch {
                id: "second-a1".parse::<BatchId>().unwrap(),
                site: f.site_a1,
                scan_ref: "seed/second-a1".to_owned(),
                kind: ScanKind::Scan,
                started_at: later,
                finished_at: Some(later + time::Duration::minutes(5)),
                params: json!({}),
                observations: Vec::new(),
                devices,
            },
            later,
        )
        .unwrap();
    let scan = match outcome {
        camaudit_store::BatchOutcome::Stored { scan } => scan,
        other => panic!("{other:?}"),
    };
    drop(store);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let page = page_ok(
        &b,
        &f,
        &format!("/devices/{}/{}/{idx}", f.site_a1.0, scan.0),
    )
    .await;
    assert!(page.contains("data-change=\"firmware\""), "{page}");
    assert!(
        page.contains(&before) && page.contains("V5.7.99 build 261101"),
        "{page}"
    );
    assert_eq!(figure(&page, "sightings"), Some(2));
    let api = f
        .get(
            &format!("/api/v1/devices/{}/{}/{idx}/history", f.site_a1.0, scan.0),
            Some(&f.tokens.viewer_a),
        )
        .await
        .json();
    assert_eq!(
        figure(&page, "sightings"),
        api["sightings"].as_u64().map(|n| n as usize)
    );
    assert_eq!(
        page.matches("<tr data-change=").count(),
        api["changes"].as_array().unwrap().len()
    );
    let old = page_ok(
        &b,
        &f,
        &format!("/devices/{}/{}/{idx}", f.site_a1.0, f.scan_a1.0),
    )
    .await;
    assert!(
        old.contains(&format!("latest picture is scan {}", scan.0)),
        "{old}"
    );
    assert!(!page.contains("latest picture is"), "{page}");
    // The list now reads the newer scan.
    let list = page_ok(&b, &f, &format!("/devices?site={}", f.site_a1.0)).await;
    let newest = format!("{}/{}/", f.site_a1.0, scan.0);
    assert!(rows(&list).iter().all(|r| r.starts_with(&newest)), "{list}");
}

async fn hostile_query_values_are_the_400_page(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let long = "A".repeat(10_000);
    for uri in [
        "/devices?limit=-1".to_owned(),
        "/devices?limit=0".to_owned(),
        "/devices?limit=99999999999999".to_owned(),
        "/devices?site=-5".to_owned(),
        "/devices?site=999999999999999999999999".to_owned(),
        "/devices?after=garbage!".to_owned(),
        format!("/devices?after={long}"),
        format!("/devices?maker={long}"),
        "/devices?maker=%00%01".to_owned(),
        "/devices?covered=perhaps".to_owned(),
        "/devices?zone=%3Cscript%3E".to_owned(),
        "/devices?severity=1".to_owned(),
        "/devices?colour=red".to_owned(),
        "/devices.csv?after=x".to_owned(),
        "/devices/abc/1/2".to_owned(),
        "/devices/1/-1/2".to_owned(),
        "/devices/1/1/99999999999999999999999".to_owned(),
    ] {
        let a = b.get(&f, &uri).await;
        assert_eq!(a.status.as_u16(), 400, "{uri}: {}", a.text());
        let text = a.text();
        assert!(text.contains("data-error=\"400\""), "{uri}: {text}");
        assert!(text.len() < 4_000, "{uri} echoes its input");
        assert!(!text.contains("<script"), "{uri}");
    }
}

async fn zone_and_severity_without_a_plan_say_how_to_make_one(f: Fixture) {
    // The server fixture's own plans carry no board report (as plans saved
    // before they did), so they place no device.
    let f = f.with_router(|app, limits| {
        camaudit_dashboard::router(app, limits, SessionRules::default())
    });
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let page = page_ok(&b, &f, "/devices?severity=critical").await;
    assert_eq!(rows(&page).len(), 0);
    assert_eq!(figure(&page, "devices-shown"), Some(0));
    assert!(page.contains("Zone and severity need a plan"), "{page}");
    assert!(page.contains("--save --org leeds"), "{page}");
    let all = page_ok(&b, &f, "/devices").await;
    assert!(all.contains("no plan"), "{all}");
    let idx = idx_of(&f, "10.10.1.45");
    let device = page_ok(
        &b,
        &f,
        &format!("/devices/{}/{}/{idx}", f.site_a1.0, f.scan_a1.0),
    )
    .await;
    assert!(device.contains("cannot say"), "{device}");
}

/// The addresses of a page's rows.
async fn addresses(b: &Browser, f: &Fixture, uri: &str) -> BTreeSet<String> {
    let page = page_ok(b, f, uri).await;
    rows(&page)
        .iter()
        .map(|place| {
            let idx: usize = place.rsplit('/').next().unwrap().parse().unwrap();
            f.devices[idx].addr.unwrap().to_string()
        })
        .collect()
}

async fn zone_and_severity_come_from_the_latest_plan(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let board = council_board();
    let set = |addrs: &[&str]| {
        addrs
            .iter()
            .map(|a| (*a).to_owned())
            .collect::<BTreeSet<_>>()
    };
    // By hand from crates/server/tests/data/council-plan.json's findings.
    assert_eq!(
        addresses(&b, &f, "/devices?severity=critical").await,
        set(&["10.10.1.45", "10.10.8.21", "10.60.8.11"])
    );
    assert_eq!(
        addresses(&b, &f, "/devices?zone=core").await,
        set(&["10.10.1.45"])
    );
    assert_eq!(
        addresses(&b, &f, "/devices?severity=high&covered=true").await,
        set(&["10.40.20.7", "198.51.100.20"])
    );
    // And for every zone, from the board: the devices with a finding there.
    for zone in ["core", "isolated-cctv", "guest", "internet-facing"] {
        let want: BTreeSet<String> = board
            .findings
            .iter()
            .filter(|d| d.zone.as_deref() == Some(zone))
            .map(|d| d.device.clone())
            .collect();
        let page = page_ok(&b, &f, &format!("/devices?zone={zone}")).await;
        assert_eq!(figure(&page, "devices-shown"), Some(want.len()), "{zone}");
        assert_eq!(
            addresses(&b, &f, &format!("/devices?zone={zone}")).await,
            want
        );
    }
    // Pages of a list the plan filters follow one another too.
    let whole = rows(&page_ok(&b, &f, "/devices?zone=isolated-cctv").await);
    let mut uri = "/devices?zone=isolated-cctv&limit=2".to_owned();
    let mut paged = Vec::new();
    for _ in 0..10 {
        let page = page_ok(&b, &f, &uri).await;
        assert_eq!(figure(&page, "devices-shown"), Some(whole.len()));
        paged.extend(rows(&page));
        match next_link(&page) {
            Some(next) => uri = next,
            None => break,
        }
    }
    assert_eq!(paged, whole);
    // A device with findings shows the worst, one without says none.
    let all = page_ok(&b, &f, "/devices").await;
    assert!(!all.contains("no plan"), "{all}");
    assert!(all.contains("<span class=\"sev critical\">critical</span>"));
    // The export filters the same way.
    let csv = b.get(&f, "/devices.csv?severity=critical").await.text();
    assert_eq!(csv.lines().count(), 1 + 3, "{csv}");
    assert!(
        csv.lines().skip(1).all(|l| l.ends_with(",critical")),
        "{csv}"
    );
}

async fn a_device_page_shows_its_findings_from_the_plan(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let idx = idx_of(&f, "10.10.1.45");
    let page = page_ok(
        &b,
        &f,
        &format!("/devices/{}/{}/{idx}", f.site_a1.0, f.scan_a1.0),
    )
    .await;
    let board = council_board();
    let mine: Vec<_> = board
        .findings
        .iter()
        .filter(|d| d.device == "10.10.1.45")
        .collect();
    assert_eq!(mine.len(), 3);
    for finding in &mine {
        assert!(
            page.contains(&escape(&finding.title)),
            "{}: {page}",
            finding.title
        );
        assert!(page.contains(&format!("<code>{}</code>", finding.control)));
    }
    assert!(
        page.contains("the plan places this device on the core network"),
        "{page}"
    );
    let axis = idx_of(&f, "10.10.8.30");
    let page = page_ok(
        &b,
        &f,
        &format!("/devices/{}/{}/{axis}", f.site_a1.0, f.scan_a1.0),
    )
    .await;
    assert!(
        page.contains("The plan raised no finding for this device."),
        "{page}"
    );
}

async fn the_export_is_the_lists_devices(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let a = b.get(&f, "/devices.csv?covered=true").await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text());
    assert!(
        a.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = a.text();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("org,site,scan,idx,") && header.ends_with(",zone,worst_severity"));
    let places: BTreeSet<String> = lines
        .map(|l| l.split(',').skip(1).take(3).collect::<Vec<_>>().join("/"))
        .collect();
    let want: BTreeSet<String> = api_devices(&f, &f.tokens.viewer_a, "covered=true")
        .await
        .into_iter()
        .collect();
    assert_eq!(places, want);
    // Without a session there is no file.
    assert_eq!(f.get("/devices.csv", None).await.status.as_u16(), 303);
}

async fn evidence_naming_another_maker_is_marked_against(f: Fixture) {
    let f = dashboard(f);
    // An Axis camera one of whose answers claims Hikvision (a spoofed or
    // misread banner): the attribution stands, the claim is shown against it.
    let mut axis = f.devices[idx_of(&f, "10.10.8.30")].clone();
    axis.evidence[0].asserts.manufacturer = Some("hikvision".parse().unwrap());
    let mut store = f.store();
    let outcome = store
        .ingest_batch(
            &SensorBatch {
                id: "depot-1".parse::<BatchId>().unwrap(),
                site: f.site_a2,
                scan_ref: "seed/depot-1".to_owned(),
                kind: ScanKind::Scan,
                started_at: T0,
                finished_at: Some(T0 + time::Duration::minutes(5)),
                params: json!({}),
                observations: Vec::new(),
                devices: vec![axis],
            },
            T0,
        )
        .unwrap();
    let camaudit_store::BatchOutcome::Stored { scan } = outcome else {
        panic!("{outcome:?}")
    };
    drop(store);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let page = page_ok(&b, &f, &format!("/devices/{}/{}/0", f.site_a2.0, scan.0)).await;
    assert!(page.contains("(names another maker: Hikvision)"), "{page}");
    assert!(page.contains("data-verdict=\"not-covered\""), "{page}");
    assert!(!page.contains("Why it is covered"), "{page}");
}
