//! `/findings`: the latest stored plan's findings by severity, with the
//! counts of `GET /api/v1/findings` and links to the devices.

mod common;

use camaudit_model::Device;
use camaudit_server::{on_both_backends, on_sqlite};
use camaudit_store::{BatchOutcome, NewOrganisation, ScanKind, Sector, SensorBatch};
use serde_json::json;

use common::{Browser, Fixture, T0, dashboard};

on_both_backends!(the_counts_by_severity_are_the_apis);
on_sqlite!(
    each_finding_says_what_to_do_and_links_to_its_device,
    a_device_not_in_the_latest_scan_is_said_to_be_missing,
    an_organisation_without_a_plan_is_told_how_to_make_one,
    a_plan_without_a_board_report_is_named_not_shown,
    a_viewer_asking_for_another_organisation_gets_the_404_page,
);

/// The text of each element with `data-figure="name"`.
fn figures(html: &str, name: &str) -> Vec<String> {
    let key = format!("data-figure=\"{name}\">");
    html.match_indices(&key)
        .map(|(at, _)| {
            let rest = &html[at + key.len()..];
            rest[..rest.find('<').unwrap()].to_owned()
        })
        .collect()
}

async fn api_findings(
    f: &Fixture,
    token: &str,
    org: Option<camaudit_store::OrgId>,
) -> Vec<serde_json::Value> {
    let path = match org {
        Some(org) => format!("/api/v1/findings?org={org}"),
        None => "/api/v1/findings".to_owned(),
    };
    let a = f.get(&path, Some(token)).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text());
    a.json()["findings"].as_array().unwrap().clone()
}

async fn the_counts_by_severity_are_the_apis(f: Fixture) {
    let f = dashboard(f);
    for (token, org, path) in [
        (&f.tokens.viewer_a, None, "/findings".to_owned()),
        (&f.tokens.viewer_b, None, "/findings".to_owned()),
        (
            &f.tokens.admin,
            Some(f.org_b),
            format!("/findings?org={}", f.org_b),
        ),
    ] {
        let api = api_findings(&f, token, org).await;
        assert!(!api.is_empty());
        let b = Browser::log_in(&f, token).await;
        let page = b.get(&f, &path).await;
        assert_eq!(page.status.as_u16(), 200, "{}", page.text());
        let html = page.text();
        assert_eq!(figures(&html, "findings"), vec![api.len().to_string()]);
        for sev in ["critical", "high", "medium", "verify"] {
            let n = api.iter().filter(|x| x["severity"] == sev).count();
            assert_eq!(
                figures(&html, &format!("{sev}-findings")),
                vec![n.to_string()],
                "{sev} on {path}"
            );
        }
        assert!(
            html.contains("Covered equipment on a sensitive site"),
            "{html}"
        );
    }
}

async fn each_finding_says_what_to_do_and_links_to_its_device(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let html = b.get(&f, "/findings").await.text();
    // The Annke at 10.10.1.45 is the second device of site a1's scan.
    let idx = f
        .devices
        .iter()
        .position(|d| d.addr.map(|a| a.to_string()).as_deref() == Some("10.10.1.45"))
        .unwrap();
    assert!(
        html.contains(&format!(
            "<a href=\"/devices/{}/{}/{idx}\">10.10.1.45</a> — Hikvision sold as Annke",
            f.site_a1, f.scan_a1
        )),
        "{html}"
    );
    assert!(html.contains("What to do:</strong> Replace it with trusted equipment: now"));
    assert!(html.contains("Remove it and replace it with trusted equipment"));
    // The evidence a person can check, and the rule's published source.
    assert!(html.contains("Evidence you can check"));
    assert!(html.contains("rule <code>hikvision.http.body-isapi-deviceinfo</code>"));
    assert!(html.contains(
        "<a href=\"https://questions-statements.parliament.uk/written-statements/detail/2022-11-24/hcws386\""
    ));
    // Worst first.
    let critical = html
        .find("data-control=\"covered-on-sensitive-site\"")
        .unwrap();
    let verify = html
        .find("data-control=\"unknown-maker-on-sensitive-site\"")
        .unwrap();
    assert!(critical < verify);
    assert!(!html.contains("york"), "{html}");
}

async fn a_device_not_in_the_latest_scan_is_said_to_be_missing(f: Fixture) {
    let f = dashboard(f);
    let without: Vec<Device> = f
        .devices
        .iter()
        .filter(|d| d.addr.map(|a| a.to_string()).as_deref() != Some("198.51.100.20"))
        .cloned()
        .collect();
    let started = T0 + time::Duration::days(1);
    let outcome = f
        .store()
        .ingest_batch(
            &SensorBatch {
                id: "later-a1".parse().unwrap(),
                site: f.site_a1,
                scan_ref: "test/later-a1".to_owned(),
                kind: ScanKind::Scan,
                started_at: started,
                finished_at: Some(started),
                params: json!({}),
                observations: Vec::new(),
                devices: without,
            },
            started,
        )
        .unwrap();
    let BatchOutcome::Stored { scan } = outcome else {
        panic!("stored twice")
    };
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let html = b.get(&f, "/findings").await.text();
    let at = html
        .find("<h3>198.51.100.20 — Dahua")
        .expect("the Lorex NVR's finding, unlinked");
    assert!(html[at..].contains("is not in the latest scan of any of this organisation's sites"));
    // The others link to the new scan.
    assert!(html.contains(&format!("href=\"/devices/{}/{scan}/", f.site_a1)));
    assert!(!html.contains(&format!("href=\"/devices/{}/{}/", f.site_a1, f.scan_a1)));
}

async fn an_organisation_without_a_plan_is_told_how_to_make_one(f: Fixture) {
    let f = dashboard(f);
    let org = f
        .store()
        .create_organisation(&NewOrganisation {
            slug: "hull".parse().unwrap(),
            name: "hull council".to_owned(),
            sector: Sector::Council,
            created_at: T0,
        })
        .unwrap();
    let b = Browser::log_in(&f, &f.tokens.admin).await;
    let page = b.get(&f, &format!("/findings?org={org}")).await;
    assert_eq!(page.status.as_u16(), 200);
    let html = page.text();
    assert!(html.contains("has no plan yet"), "{html}");
    assert!(html.contains("camaudit plan --estate estate.toml --db … --save --org hull"));
    assert!(figures(&html, "findings").is_empty());
    let api = api_findings(&f, &f.tokens.admin, Some(org)).await;
    assert!(api.is_empty());
}

async fn a_plan_without_a_board_report_is_named_not_shown(f: Fixture) {
    let f = dashboard(f);
    let id = f
        .store()
        .save_plan(
            f.org_b,
            &json!([]),
            &json!({"actions": []}),
            T0 + time::Duration::days(2),
        )
        .unwrap();
    let b = Browser::log_in(&f, &f.tokens.viewer_b).await;
    let html = b.get(&f, "/findings").await.text();
    assert!(
        html.contains(&format!("The latest plan (plan {id}, made")),
        "{html}"
    );
    assert!(html.contains("saved without a board report"));
    assert!(figures(&html, "findings").is_empty());
}

async fn a_viewer_asking_for_another_organisation_gets_the_404_page(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let page = b.get(&f, &format!("/findings?org={}", f.org_b)).await;
    assert_eq!(page.status.as_u16(), 404);
    assert!(page.text().contains("data-error=\"404\""));
    assert!(!page.text().contains("york"));
    // Their own organisation named explicitly is fine.
    let own = b.get(&f, &format!("/findings?org={}", f.org_a)).await;
    assert_eq!(own.status.as_u16(), 200);
}
