//! `/changes`: each site's two latest scans compared, with the same counts
//! as `GET /api/v1/diff`.

mod common;

use camaudit_model::{Device, VendorId};
use camaudit_server::{on_both_backends, on_sqlite};
use camaudit_store::{BatchOutcome, ScanId, ScanKind, SensorBatch, SiteId};
use serde_json::json;

use common::{Browser, Fixture, T0, dashboard};

on_both_backends!(a_second_scan_shows_what_changed_with_the_apis_counts);
on_sqlite!(
    a_covered_device_that_was_gone_and_is_back_is_said_to_have_come_back,
    a_site_with_one_scan_says_so_and_a_viewer_sees_only_its_sites,
    a_viewer_asking_for_another_organisation_gets_the_404_page,
    an_admin_picks_the_organisation,
    the_latest_scan_is_the_latest_started_not_the_latest_stored,
    a_scan_still_arriving_is_named_and_not_compared,
);

/// Stores a complete scan of `site` with `devices`, started `hours` after
/// the fixture's first scan.
fn push_scan(f: &Fixture, site: SiteId, name: &str, hours: i64, devices: Vec<Device>) -> ScanId {
    store_scan(f, site, name, hours, devices, true)
}

fn store_scan(
    f: &Fixture,
    site: SiteId,
    name: &str,
    hours: i64,
    devices: Vec<Device>,
    complete: bool,
) -> ScanId {
    let mut store = f.store();
    let started = T0 + time::Duration::hours(hours);
    let outcome = store
        .ingest_batch(
            &SensorBatch {
                id: name.parse().unwrap(),
                site,
                scan_ref: format!("test/{name}"),
                kind: ScanKind::Scan,
                started_at: started,
                finished_at: complete.then(|| started + time::Duration::minutes(5)),
                params: json!({}),
                observations: Vec::new(),
                devices,
            },
            started,
        )
        .unwrap();
    match outcome {
        BatchOutcome::Stored { scan } => scan,
        BatchOutcome::Duplicate { .. } => panic!("batch {name} stored twice"),
    }
}

/// The council's devices a day later: the Bosch gone, the Axis updated,
/// the Hikvision at 10.10.8.21 swapped for an Annke that is a Hikvision
/// inside, and a new Dahua.
fn a_day_later(devices: &[Device]) -> Vec<Device> {
    let mut out: Vec<Device> = devices
        .iter()
        .filter(|d| d.manufacturer.as_ref().map(|m| m.as_str()) != Some("bosch"))
        .cloned()
        .collect();
    for d in &mut out {
        match d
            .manufacturer
            .as_ref()
            .map(|m| m.as_str().to_owned())
            .as_deref()
        {
            Some("axis") => d.firmware = Some("10.12.1".to_owned()),
            Some("hikvision") if d.mac.is_some() => {
                d.label_vendor = Some(VendorId::new("annke").unwrap());
                d.mac = Some("24:0f:9b:00:00:01".parse().unwrap());
                d.serial = Some("DS-2CD2385G1-I20240101AAWRE99999999".to_owned());
            }
            _ => {}
        }
    }
    let mut dahua = devices
        .iter()
        .find(|d| d.manufacturer.as_ref().map(|m| m.as_str()) == Some("dahua") && d.mac.is_some())
        .unwrap()
        .clone();
    dahua.addr = Some("10.60.8.99".parse().unwrap());
    dahua.mac = Some("08:ed:ed:00:00:99".parse().unwrap());
    dahua.serial = Some("6C01E93PAG69ZZZ".to_owned());
    out.push(dahua);
    out
}

/// The text of the element with `data-figure="name"` in `html`, each time
/// it occurs.
fn figures(html: &str, name: &str) -> Vec<String> {
    let key = format!("data-figure=\"{name}\">");
    html.match_indices(&key)
        .map(|(at, _)| {
            let rest = &html[at + key.len()..];
            rest[..rest.find('<').unwrap()].to_owned()
        })
        .collect()
}

/// The part of the page about one site.
fn site_section(html: &str, site: SiteId) -> &str {
    let start = html
        .find(&format!("data-site=\"{site}\""))
        .unwrap_or_else(|| panic!("no section for site {site}: {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap()]
}

async fn api_counts(f: &Fixture, from: ScanId, to: ScanId) -> serde_json::Value {
    let a = f
        .get(
            &format!("/api/v1/diff?from={from}&to={to}"),
            Some(&f.tokens.viewer_a),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text());
    a.json()["counts"].clone()
}

async fn a_second_scan_shows_what_changed_with_the_apis_counts(f: Fixture) {
    let f = dashboard(f);
    let later = push_scan(&f, f.site_a1, "later-a1", 24, a_day_later(&f.devices));
    let api = api_counts(&f, f.scan_a1, later).await;
    assert_eq!(api["new"], 1, "{api}");
    assert_eq!(api["rebrand_swaps"], 1, "{api}");
    for token in [&f.tokens.viewer_a, &f.tokens.admin] {
        let b = Browser::log_in(&f, token).await;
        let page = b.get(&f, &format!("/changes?org={}", f.org_a)).await;
        assert_eq!(page.status.as_u16(), 200, "{}", page.text());
        let html = page.text();
        let site = site_section(&html, f.site_a1);
        assert!(
            site.contains(&format!("data-from=\"{}\" data-to=\"{later}\"", f.scan_a1)),
            "{site}"
        );
        for (figure, field) in [
            ("new", "new"),
            ("gone", "gone"),
            ("changed", "changed"),
            ("came-back", "came_back"),
            ("replaced", "replaced"),
            ("unchanged", "unchanged"),
        ] {
            assert_eq!(
                figures(site, figure),
                vec![api[field].to_string()],
                "{figure}"
            );
        }
        assert!(site.contains("Swapped for a rebrand"), "{site}");
        assert!(site.contains("New covered device"), "{site}");
        assert!(site.contains("Firmware upgrade"), "{site}");
        assert!(site.contains("firmware 9.80.1 → 10.12.1"), "{site}");
        // Each device links to its page in the scan that saw it.
        assert!(site.contains(&format!("href=\"/devices/{}/{later}/", f.site_a1)));
        assert!(site.contains(&format!("data-device=\"{}/{}/", f.site_a1, f.scan_a1)));
        // The depot has no scan.
        assert!(site_section(&html, f.site_a2).contains("No scan yet"));
    }
}

async fn a_covered_device_that_was_gone_and_is_back_is_said_to_have_come_back(f: Fixture) {
    let f = dashboard(f);
    let without_dahua: Vec<Device> = f
        .devices
        .iter()
        .filter(|d| d.manufacturer.as_ref().map(|m| m.as_str()) != Some("dahua"))
        .cloned()
        .collect();
    let gone = push_scan(&f, f.site_a1, "gone-a1", 24, without_dahua);
    let back = push_scan(&f, f.site_a1, "back-a1", 48, f.devices.clone());
    let api = api_counts(&f, gone, back).await;
    assert!(api["came_back"].as_u64().unwrap() >= 1, "{api}");
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let html = b.get(&f, "/changes").await.text();
    let site = site_section(&html, f.site_a1);
    assert!(site.contains(&format!("data-from=\"{gone}\" data-to=\"{back}\"")));
    assert_eq!(
        figures(site, "came-back"),
        vec![api["came_back"].to_string()]
    );
    assert_eq!(figures(site, "new"), vec![api["new"].to_string()]);
    assert!(site.contains("Came back"), "{site}");
    assert_eq!(
        figures(&html, "total-came-back"),
        vec![api["came_back"].to_string()]
    );
}

async fn a_site_with_one_scan_says_so_and_a_viewer_sees_only_its_sites(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_b).await;
    let page = b.get(&f, "/changes").await;
    assert_eq!(page.status.as_u16(), 200);
    let html = page.text();
    assert!(
        site_section(&html, f.site_b1).contains("Only one scan so far"),
        "{html}"
    );
    assert!(
        !html.contains("leeds"),
        "a viewer of york saw leeds: {html}"
    );
    assert!(!html.contains(&format!("data-site=\"{}\"", f.site_a1)));
    // No organisation to choose for a viewer.
    assert!(!html.contains("<select"), "{html}");
    assert!(figures(&html, "total-new").is_empty());
}

async fn a_viewer_asking_for_another_organisation_gets_the_404_page(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    for path in [
        format!("/changes?org={}", f.org_b),
        "/changes?org=999999".to_owned(),
    ] {
        let page = b.get(&f, &path).await;
        assert_eq!(page.status.as_u16(), 404, "{path}");
        assert!(page.text().contains("data-error=\"404\""));
        assert!(!page.text().contains("york"));
    }
    let page = b.get(&f, "/changes?org=abc").await;
    assert_eq!(page.status.as_u16(), 400);
    assert!(page.text().contains("data-error=\"400\""));
}

async fn an_admin_picks_the_organisation(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.admin).await;
    let first = b.get(&f, "/changes").await.text();
    assert!(
        first.contains("<select id=\"org\" name=\"org\">"),
        "{first}"
    );
    assert!(first.contains(&format!("data-site=\"{}\"", f.site_a1)));
    assert!(!first.contains(&format!("data-site=\"{}\"", f.site_b1)));
    let york = b.get(&f, &format!("/changes?org={}", f.org_b)).await.text();
    assert!(york.contains(&format!("data-site=\"{}\"", f.site_b1)));
    assert!(!york.contains(&format!("data-site=\"{}\"", f.site_a1)));
    assert!(york.contains(&format!("<option value=\"{}\" selected>", f.org_b)));
    let none = b.get(&f, "/changes?org=999999").await;
    assert_eq!(none.status.as_u16(), 404);
}

async fn the_latest_scan_is_the_latest_started_not_the_latest_stored(f: Fixture) {
    let f = dashboard(f);
    let today = push_scan(&f, f.site_a1, "today-a1", 48, a_day_later(&f.devices));
    // An old capture pushed late: started before both.
    let old = push_scan(&f, f.site_a1, "old-a1", -24, f.devices.clone());
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let html = b.get(&f, "/changes").await.text();
    let site = site_section(&html, f.site_a1);
    assert!(
        site.contains(&format!("data-from=\"{}\" data-to=\"{today}\"", f.scan_a1)),
        "compared the wrong scans (old one is {old}): {site}"
    );
}

async fn a_scan_still_arriving_is_named_and_not_compared(f: Fixture) {
    let f = dashboard(f);
    let done = push_scan(&f, f.site_a1, "done-a1", 24, a_day_later(&f.devices));
    let arriving = store_scan(&f, f.site_a1, "half-a1", 48, Vec::new(), false);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let html = b.get(&f, "/changes").await.text();
    let site = site_section(&html, f.site_a1);
    assert!(
        site.contains(&format!("data-from=\"{}\" data-to=\"{done}\"", f.scan_a1)),
        "{site}"
    );
    assert!(
        site.contains(&format!("Scan {arriving} (started")) && site.contains("still arriving"),
        "{site}"
    );
}
