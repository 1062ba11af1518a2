//! `/plan`: the latest stored plan's timeline, with the figures of
//! `GET /api/v1/plans/{id}`.

mod common;

use camaudit_server::{on_both_backends, on_sqlite};
use camaudit_store::{NewOrganisation, OrgId, Sector};

use common::{Browser, Fixture, T0, dashboard};

on_both_backends!(the_figures_are_the_stored_plans);
on_sqlite!(
    the_actions_due_now_link_to_their_devices,
    the_cost_and_the_risk_are_charts_with_tables,
    an_organisation_without_a_plan_is_told_how_to_make_one,
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

/// The latest stored plan of `org` as the API gives it.
async fn api_plan(f: &Fixture, token: &str, org: OrgId) -> serde_json::Value {
    let list = f
        .get(&format!("/api/v1/plans?org={org}"), Some(token))
        .await
        .json();
    let id = &list["items"][0]["id"];
    let a = f.get(&format!("/api/v1/plans/{id}"), Some(token)).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text());
    a.json()
}

/// "6,458.75" back to pence.
fn pence(shown: &str) -> u64 {
    let digits: String = shown.chars().filter(char::is_ascii_digit).collect();
    digits.parse().unwrap()
}

async fn the_figures_are_the_stored_plans(f: Fixture) {
    let f = dashboard(f);
    for (token, org, path) in [
        (&f.tokens.viewer_a, f.org_a, "/plan".to_owned()),
        (&f.tokens.admin, f.org_b, format!("/plan?org={}", f.org_b)),
    ] {
        let api = api_plan(&f, token, org).await;
        let board = &api["plan"]["board"]["plan"];
        let b = Browser::log_in(&f, token).await;
        let page = b.get(&f, &path).await;
        assert_eq!(page.status.as_u16(), 200, "{}", page.text());
        let html = page.text();
        let cost = figures(&html, "cost-to-clear");
        assert_eq!(cost.len(), 1, "{html}");
        assert_eq!(
            pence(&cost[0]),
            board["summary"]["cost"].as_u64().unwrap(),
            "{}",
            cost[0]
        );
        assert_eq!(
            figures(&html, "weeks-to-clear"),
            vec![board["weeks_to_clear"].to_string()]
        );
        assert_eq!(
            figures(&html, "actions"),
            vec![board["summary"]["actions"].to_string()]
        );
        assert_eq!(
            figures(&html, "unscheduled-actions"),
            vec![board["summary"]["unscheduled"].to_string()]
        );
        assert!(
            html.contains(&format!("Plan {}, made", api["id"])),
            "{html}"
        );
        assert!(html.contains("clear by 2027-01-"), "{html}");
    }
}

async fn the_actions_due_now_link_to_their_devices(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let html = b.get(&f, "/plan").await.text();
    let idx = f
        .devices
        .iter()
        .position(|d| d.addr.map(|a| a.to_string()).as_deref() == Some("10.10.1.45"))
        .unwrap();
    let row = format!(
        "<tr data-device=\"{site}/{scan}/{idx}\"><th scope=\"row\"><a href=\"/devices/{site}/{scan}/{idx}\">10.10.1.45</a></th><td>Harbridge Town Hall</td><td>take it off the network</td><td>2027-01-01</td>",
        site = f.site_a1,
        scan = f.scan_a1
    );
    assert!(html.contains(&row), "{html}");
    assert!(html.contains("update its firmware (fixes CVE-2021-36260)"));
    // Planned work is not "now".
    let now = &html[html.find("id=\"now\"").unwrap()..html.find("id=\"cost\"").unwrap()];
    assert!(
        !now.contains("10.20.8.31"),
        "a planned action listed as due now"
    );
}

async fn the_cost_and_the_risk_are_charts_with_tables(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let html = b.get(&f, "/plan").await.text();
    let cost = &html[html.find("id=\"cost\"").unwrap()..html.find("id=\"risk\"").unwrap()];
    let risk = &html[html.find("id=\"risk\"").unwrap()..];
    for (part, what) in [(cost, "cost"), (risk, "risk")] {
        assert!(part.contains("<svg"), "no {what} chart: {part}");
        assert!(
            part.contains(&format!("<title id=\"{what}-chart-title\">")),
            "the {what} chart has no title"
        );
        assert!(part.contains("<caption>"), "no {what} table");
        assert!(
            !part.contains("style="),
            "a style attribute in the {what} chart"
        );
    }
    assert!(cost.contains("<td class=\"num\">£6,458.75</td>"), "{cost}");
    assert!(risk.contains(
        "<th scope=\"row\">2027-01-01 (before any work)</th><td class=\"num\">207.4</td>"
    ));
    assert!(!html.contains("<script") && !html.contains("<style"));
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
    let html = b.get(&f, &format!("/plan?org={org}")).await.text();
    assert!(html.contains("has no plan yet"), "{html}");
    assert!(html.contains("--save --org hull"));
    assert!(figures(&html, "cost-to-clear").is_empty());
}

async fn a_viewer_asking_for_another_organisation_gets_the_404_page(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_b).await;
    let page = b.get(&f, &format!("/plan?org={}", f.org_a)).await;
    assert_eq!(page.status.as_u16(), 404);
    assert!(page.text().contains("data-error=\"404\""));
    assert!(!page.text().contains("leeds"));
}
