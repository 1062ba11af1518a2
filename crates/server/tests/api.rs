//! The API's reads and its batch ingest, on both backends: what comes back
//! is what was stored, pages walk every device once in a stable order, and
//! a retried batch is stored once.

mod common;

use camaudit_server::{on_both_backends, on_sqlite};

use std::collections::BTreeSet;

use common::{Fixture, batch_json};
use serde_json::Value;

on_both_backends!(
    a_batch_is_stored_once_and_a_retry_is_a_duplicate,
    batches_of_one_scan_go_into_one_stored_scan,
    pages_walk_every_device_once_in_order,
    filters_select_what_they_say,
    exports_hold_the_same_devices_as_the_pages,
    one_device_reads_back_as_listed,
    reads_of_sites_scans_plans_and_findings,
    a_diff_says_what_went_between_two_scans_of_a_site,
);

on_sqlite!(the_registry_answers_for_a_rebrand_and_a_model);

async fn a_batch_is_stored_once_and_a_retry_is_a_duplicate(f: Fixture) {
    let before = f.stored(f.site_a1);
    let batch = batch_json(
        "sensor-1:42:0",
        "civic-centre",
        "sensor-1/42",
        &f.devices[..3],
    );
    let first = f.post_batch(&f.tokens.sensor_a1, &batch).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let j = first.json();
    assert_eq!(j["batch"], "sensor-1:42:0");
    assert_eq!(j["outcome"], "stored");
    let scan = j["scan"].as_i64().unwrap();
    let after = f.stored(f.site_a1);
    assert_eq!(after, (before.0 + 1, before.1 + 3));

    let again = f.post_batch(&f.tokens.sensor_a1, &batch).await;
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.json()["outcome"], "duplicate");
    assert_eq!(again.json()["scan"], scan);
    assert_eq!(f.stored(f.site_a1), after, "a retry wrote something");

    let site = f
        .get(
            &format!("/api/v1/sites/{}", f.site_a1),
            Some(&f.tokens.admin),
        )
        .await
        .json();
    assert!(site["last_report_at"].is_string(), "{site}");
}

async fn batches_of_one_scan_go_into_one_stored_scan(f: Fixture) {
    let before = f.stored(f.site_a1);
    let mut part1 = batch_json("s:7:0", "civic-centre", "sensor-1/7", &f.devices[..2]);
    part1["scan"]["finished_at"] = Value::Null;
    let part2 = batch_json("s:7:1", "civic-centre", "sensor-1/7", &f.devices[2..5]);
    let a = f.post_batch(&f.tokens.sensor_a1, &part1).await;
    let b = f.post_batch(&f.tokens.sensor_a1, &part2).await;
    assert_eq!(
        (a.status.as_u16(), b.status.as_u16()),
        (201, 201),
        "{} {}",
        a.text(),
        b.text()
    );
    assert_eq!(a.json()["scan"], b.json()["scan"]);
    assert_eq!(f.stored(f.site_a1), (before.0 + 1, before.1 + 5));
    let scan = a.json()["scan"].as_i64().unwrap();
    let read = f
        .get(&format!("/api/v1/scans/{scan}"), Some(&f.tokens.viewer_a))
        .await;
    assert_eq!(read.status, 200, "{}", read.text());
    assert_eq!(read.json()["status"], "complete");
    assert_eq!(read.json()["site"], f.site_a1.0);
}

/// Every page's `next`, followed, until the end.
async fn walk(f: &Fixture, token: &str, query: &str, limit: u32) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let mut uri = format!("/api/v1/devices?limit={limit}{query}");
        if let Some(c) = &cursor {
            uri.push_str(&format!("&cursor={c}"));
        }
        let page = f.get(&uri, Some(token)).await;
        assert_eq!(page.status, 200, "{uri}: {}", page.text());
        let j = page.json();
        let items = j["items"].as_array().unwrap();
        assert!(items.len() <= limit as usize);
        all.extend(items.iter().cloned());
        match j["next"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return all,
        }
    }
    panic!("pages never ended");
}

fn place(d: &Value) -> (i64, i64, i64) {
    (
        d["site"].as_i64().unwrap(),
        d["scan"].as_i64().unwrap(),
        d["idx"].as_i64().unwrap(),
    )
}

async fn pages_walk_every_device_once_in_order(f: Fixture) {
    let n = f.devices.len();
    let admin = walk(&f, &f.tokens.admin, "", 3).await;
    assert_eq!(admin.len(), 2 * n, "both organisations' devices");
    let places: Vec<_> = admin.iter().map(place).collect();
    let mut sorted = places.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(places, sorted, "not in a stable order without repeats");
    let one_page = walk(&f, &f.tokens.admin, "", 1000).await;
    assert_eq!(one_page, admin, "pages of 3 and of 1000 differ");

    let viewer = walk(&f, &f.tokens.viewer_a, "", 4).await;
    assert_eq!(viewer.len(), n);
    assert!(viewer.iter().all(|d| d["org"] == f.org_a.0));
    // Devices come back as stored.
    let first: camaudit_model::Device =
        serde_json::from_value(viewer[0]["device"].clone()).unwrap();
    assert_eq!(first, f.devices[0]);
}

async fn filters_select_what_they_say(f: Fixture) {
    let covered = walk(&f, &f.tokens.viewer_a, "&covered=true", 100).await;
    let expected = f.devices.iter().filter(|d| d.covered).count();
    assert!(expected > 0);
    assert_eq!(covered.len(), expected);
    assert!(covered.iter().all(|d| d["device"]["covered"] == true));
    let not_covered = walk(&f, &f.tokens.viewer_a, "&covered=false", 100).await;
    assert_eq!(not_covered.len(), f.devices.len() - expected);

    let dahua = walk(&f, &f.tokens.admin, "&maker=dahua", 100).await;
    let expected = f
        .devices
        .iter()
        .filter(|d| {
            d.manufacturer
                .as_ref()
                .is_some_and(|m| m.as_str() == "dahua")
        })
        .count();
    assert!(expected > 0);
    assert_eq!(dahua.len(), 2 * expected);
    assert!(dahua.iter().all(|d| d["device"]["manufacturer"] == "dahua"));

    let site = walk(&f, &f.tokens.admin, &format!("&site={}", f.site_b1), 100).await;
    assert_eq!(site.len(), f.devices.len());
    assert!(site.iter().all(|d| d["site"] == f.site_b1.0));
    let empty = walk(&f, &f.tokens.admin, &format!("&site={}", f.site_a2), 100).await;
    assert!(empty.is_empty(), "a site with no scan has no devices");
}

async fn exports_hold_the_same_devices_as_the_pages(f: Fixture) {
    let pages = walk(&f, &f.tokens.viewer_a, "&covered=true", 2).await;
    let jsonl = f
        .get(
            "/api/v1/devices.jsonl?covered=true",
            Some(&f.tokens.viewer_a),
        )
        .await;
    assert_eq!(jsonl.status, 200);
    assert_eq!(jsonl.headers["content-type"], "application/x-ndjson");
    let lines: Vec<Value> = jsonl
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines, pages);

    let csv = f.get("/api/v1/devices.csv", Some(&f.tokens.admin)).await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let mut reader = csv::Reader::from_reader(csv.body.as_slice());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "org");
    assert_eq!(&header[4], "addr");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2 * f.devices.len());
    let covered_col = header.iter().position(|h| h == "covered").unwrap();
    let covered = rows.iter().filter(|r| &r[covered_col] == "true").count();
    assert_eq!(covered, 2 * f.devices.iter().filter(|d| d.covered).count());
}

async fn one_device_reads_back_as_listed(f: Fixture) {
    let listed = walk(&f, &f.tokens.viewer_a, "", 100).await;
    let d = &listed[2];
    let (site, scan, idx) = place(d);
    let one = f
        .get(
            &format!("/api/v1/devices/{site}/{scan}/{idx}"),
            Some(&f.tokens.viewer_a),
        )
        .await;
    assert_eq!(one.status, 200, "{}", one.text());
    assert_eq!(&one.json(), d);
    for (uri, why) in [
        (
            format!("/api/v1/devices/{site}/{scan}/9999"),
            "past the end",
        ),
        (format!("/api/v1/devices/{site}/{scan}/-1"), "negative"),
        (
            format!("/api/v1/devices/{}/{scan}/{idx}", f.site_a2),
            "wrong site",
        ),
    ] {
        let a = f.get(&uri, Some(&f.tokens.viewer_a)).await;
        assert_eq!(a.status, 404, "{why}: {}", a.text());
    }
}

async fn reads_of_sites_scans_plans_and_findings(f: Fixture) {
    let orgs = f
        .get("/api/v1/organisations", Some(&f.tokens.admin))
        .await
        .json();
    assert_eq!(orgs["items"].as_array().unwrap().len(), 2);
    let orgs = f
        .get("/api/v1/organisations", Some(&f.tokens.viewer_b))
        .await
        .json();
    let slugs: Vec<_> = orgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["slug"].clone())
        .collect();
    assert_eq!(slugs, ["york"]);

    let sites = f
        .get("/api/v1/sites", Some(&f.tokens.viewer_a))
        .await
        .json();
    let ids: BTreeSet<i64> = sites["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, BTreeSet::from([f.site_a1.0, f.site_a2.0]));

    let scans = f
        .get(
            &format!("/api/v1/scans?site={}", f.site_a1),
            Some(&f.tokens.viewer_a),
        )
        .await
        .json();
    let items = scans["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], f.scan_a1.0);
    assert_eq!(items[0]["started_at"], "2026-11-30T09:00:00Z");

    let plans = f
        .get("/api/v1/plans", Some(&f.tokens.viewer_a))
        .await
        .json();
    assert_eq!(plans["items"].as_array().unwrap().len(), 1);
    assert_eq!(plans["items"][0]["id"], f.plan_a.0);
    let plan = f
        .get(
            &format!("/api/v1/plans/{}", f.plan_a),
            Some(&f.tokens.viewer_a),
        )
        .await
        .json();
    assert_eq!(plan["findings"][0]["org"], "leeds");

    let findings = f.get("/api/v1/findings", Some(&f.tokens.viewer_b)).await;
    assert_eq!(findings.status, 200);
    assert_eq!(findings.json()["plan"], f.plan_b.0);
    assert_eq!(findings.json()["findings"][0]["org"], "york");
    let admin = f.get("/api/v1/findings", Some(&f.tokens.admin)).await;
    assert_eq!(admin.status, 400, "an admin must name the organisation");
    assert_eq!(admin.code(), "missing_org");
    let admin = f
        .get(
            &format!("/api/v1/findings?org={}", f.org_a),
            Some(&f.tokens.admin),
        )
        .await;
    assert_eq!(admin.json()["findings"][0]["org"], "leeds");
    let none = f
        .get("/api/v1/findings?org=999999", Some(&f.tokens.admin))
        .await;
    assert_eq!(none.status, 404, "{}", none.text());
}

async fn the_registry_answers_for_a_rebrand_and_a_model(f: Fixture) {
    let annke = f
        .get("/api/v1/registry?q=Annke", Some(&f.tokens.viewer_a))
        .await;
    assert_eq!(annke.status, 200, "{}", annke.text());
    let j = annke.json();
    assert_eq!(j["verdict"]["maker"], "hikvision", "{j}");
    assert!(
        j["verdict"]["verdict"]
            .as_str()
            .unwrap()
            .contains("covered"),
        "{j}"
    );
    assert!(j["profile"].is_object());

    let model = f
        .get("/api/v1/registry?q=DS-2CD2143G2-I", Some(&f.tokens.admin))
        .await
        .json();
    assert_eq!(model["verdict"]["maker"], "hikvision", "{model}");

    let axis = f
        .get("/api/v1/registry?q=Axis", Some(&f.tokens.admin))
        .await
        .json();
    assert_eq!(axis["verdict"]["verdict"], "not-covered", "{axis}");

    let nothing = f.get("/api/v1/registry?q=", Some(&f.tokens.admin)).await;
    assert_eq!(nothing.status, 400);
}

async fn a_diff_says_what_went_between_two_scans_of_a_site(f: Fixture) {
    // The next scan of Leeds' civic centre no longer sees the first device.
    let batch = batch_json("next:1", "civic-centre", "sensor-1/next", &f.devices[1..]);
    let stored = f.post_batch(&f.tokens.sensor_a1, &batch).await;
    assert_eq!(stored.status, 201, "{}", stored.text());
    let next = stored.json()["scan"].as_i64().unwrap();
    let uri = format!("/api/v1/diff?from={}&to={next}", f.scan_a1);
    let d = f.get(&uri, Some(&f.tokens.viewer_a)).await;
    assert_eq!(d.status, 200, "{}", d.text());
    let j = d.json();
    assert_eq!(j["gone"].as_array().unwrap().len(), 1, "{j}");
    assert_eq!(j["new"].as_array().unwrap().len(), 0, "{j}");
    assert_eq!(j["counts"]["gone"], 1);
    assert_eq!(j["from"]["id"], f.scan_a1.0);
    // York's viewer may not see it; two sites are not compared.
    assert_eq!(f.get(&uri, Some(&f.tokens.viewer_b)).await.status, 404);
    let across = format!("/api/v1/diff?from={}&to={}", f.scan_a1, f.scan_b1);
    let a = f.get(&across, Some(&f.tokens.admin)).await;
    assert_eq!(a.status, 400, "{}", a.text());
    assert_eq!(a.code(), "different_sites");
    let a = f.get("/api/v1/diff?from=1", Some(&f.tokens.admin)).await;
    assert_eq!(a.status, 400);
}
