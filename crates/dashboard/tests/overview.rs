//! The overview page `/`: the headline figures of the latest stored board
//! report (equal to the API's), covered devices by site and sensitivity,
//! the live count and progress from the stored scans, the sites with
//! their last report; who may see which organisation.

mod common;

use camaudit_server::{on_both_backends, on_sqlite};

use common::{
    Browser, Fixture, assert_clean_page, batch_json, council_board, council_devices, dashboard,
    figure,
};

on_both_backends!(
    each_organisations_latest_plan_holds_the_councils_board,
    a_viewer_sees_its_boards_figures_as_the_api_gives_them,
    progress_falls_as_covered_devices_are_taken_away,
);
on_sqlite!(
    an_admin_picks_the_organisation,
    a_viewer_cannot_open_another_organisation,
    an_organisation_without_a_board_is_told_how_to_make_one,
    the_page_is_plain_accessible_html,
);

async fn each_organisations_latest_plan_holds_the_councils_board(f: Fixture) {
    let f = dashboard(f);
    let store = f.store();
    for org in [f.org_a, f.org_b] {
        let plans = store.plans(org).unwrap();
        let latest = plans.first().expect("a saved plan");
        let board: camaudit_report::BoardReport =
            serde_json::from_value(latest.plan["board"].clone()).unwrap();
        assert_eq!(board, council_board());
        assert_eq!(board.overview.covered_devices, 7);
        assert!(latest.findings.as_array().is_some_and(|f| !f.is_empty()));
    }
}

/// Every device of the API's `/devices` for the token, page by page.
async fn api_devices(f: &Fixture, token: &str, query: &str) -> Vec<serde_json::Value> {
    let mut all = Vec::new();
    let mut uri = format!("/api/v1/devices?limit=1000{query}");
    loop {
        let page = f.get(&uri, Some(token)).await.json();
        all.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(next) => uri = format!("/api/v1/devices?limit=1000{query}&cursor={next}"),
            None => return all,
        }
    }
}

async fn a_viewer_sees_its_boards_figures_as_the_api_gives_them(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let page = b.get(&f, "/").await;
    assert_eq!(page.status, 200);
    let page = page.text();
    // The latest plan through the API, and its board's figures.
    let plans = f
        .get("/api/v1/plans", Some(&f.tokens.viewer_a))
        .await
        .json();
    let latest = plans["items"][0]["id"].as_i64().unwrap();
    let plan = f
        .get(&format!("/api/v1/plans/{latest}"), Some(&f.tokens.viewer_a))
        .await
        .json();
    let o = &plan["plan"]["board"]["overview"];
    for (name, field) in [
        ("sites-with-covered", "sites_with_covered"),
        ("sites", "sites"),
        (
            "sensitive-sites-with-covered",
            "sensitive_sites_with_covered",
        ),
        ("sensitive-sites", "sensitive_sites"),
        ("covered-devices", "covered_devices"),
        ("devices", "devices"),
        ("covered-on-core", "covered_on_core"),
        ("covered-calling-home", "covered_calling_home"),
        ("rebrands", "rebrands"),
        ("covered-rebrands", "covered_rebrands"),
        ("kev-devices", "kev_devices"),
        ("immediate-actions", "immediate_actions"),
        ("weeks-to-clear", "weeks_to_clear"),
    ] {
        assert_eq!(
            figure(&page, name).as_deref(),
            Some(o[field].to_string().as_str()),
            "{name}"
        );
    }
    // By hand: the example council's 14 devices, 7 covered on 5 of its 6
    // sites, both sensitive sites among them; 3 covered devices there.
    assert_eq!(figure(&page, "covered-devices").as_deref(), Some("7"));
    assert_eq!(figure(&page, "sites-with-covered").as_deref(), Some("5"));
    assert_eq!(
        figure(&page, "covered-on-sensitive-sites").as_deref(),
        Some("3")
    );
    let pence = o["cost_to_clear"].as_u64().unwrap();
    let shown = figure(&page, "cost-to-clear").unwrap().replace(',', "");
    assert_eq!(shown, format!("{}.{:02}", pence / 100, pence % 100));
    // The live count is the API's devices of the latest scans.
    let all = api_devices(&f, &f.tokens.viewer_a, "").await;
    let covered = api_devices(&f, &f.tokens.viewer_a, "&covered=true").await;
    assert_eq!(figure(&page, "live-devices"), Some(all.len().to_string()));
    assert_eq!(
        figure(&page, "live-covered-devices"),
        Some(covered.len().to_string())
    );
    assert_eq!((all.len(), covered.len()), (14, 7));
    // The sites of the board, and those registered on the server.
    for site in [
        "Harbridge Town Hall",
        "Marsh Lane Depot",
        "civic-centre",
        "depot",
    ] {
        assert!(page.contains(site), "{site}");
    }
    assert!(page.contains("leeds council"));
    assert!(!page.contains("york"), "a viewer of leeds saw york");
    assert!(
        !page.contains("name=\"org\""),
        "a viewer has no organisation to pick"
    );
    assert!(!page.contains("before the latest scan"));
}

async fn progress_falls_as_covered_devices_are_taken_away(f: Fixture) {
    let f = dashboard(f);
    // The next scan of leeds' civic centre, after the plan: two of the
    // covered devices it replaces are gone.
    let removed = ["10.10.1.45", "10.60.8.11"];
    let kept: Vec<_> = council_devices()
        .into_iter()
        .filter(|d| {
            !d.addr
                .is_some_and(|a| removed.contains(&a.to_string().as_str()))
        })
        .collect();
    let a = f
        .post_batch(
            &f.tokens.sensor_a1,
            &batch_json("next", "civic-centre", "sensor/2", &kept),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text());
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let page = b.get(&f, "/").await.text();
    assert_eq!(figure(&page, "live-covered-devices").as_deref(), Some("5"));
    assert_eq!(figure(&page, "live-devices").as_deref(), Some("12"));
    // The plan's figures stay the plan's, and the page says it is older.
    assert_eq!(figure(&page, "covered-devices").as_deref(), Some("7"));
    assert!(page.contains("before the latest scan"), "{page}");
    // One row per scan: 7 covered, then 5; and the chart of it.
    let rows: Vec<&str> = page
        .split("<tr><th scope=\"row\">2026-")
        .skip(1)
        .map(|r| r.split("</tr>").next().unwrap())
        .collect();
    assert_eq!(rows.len(), 2, "{page}");
    assert!(rows[0].ends_with("<td class=\"num\">7</td>"), "{}", rows[0]);
    assert!(rows[1].ends_with("<td class=\"num\">5</td>"), "{}", rows[1]);
    assert!(page.contains("<title id=\"progress-chart-title\">"));
    assert!(page.contains("plan saved 2026-11-30"), "the plan is marked");
}

async fn an_admin_picks_the_organisation(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.admin).await;
    let first = b.get(&f, "/").await.text();
    assert!(
        first.contains("<p class=\"lede\">leeds council"),
        "the first by default"
    );
    assert!(first.contains(&format!(
        "<option value=\"{}\" selected>leeds council",
        f.org_a
    )));
    assert!(first.contains(&format!("<option value=\"{}\">york council", f.org_b)));
    assert!(first.contains("<label for=\"org\">"));
    let york = b.get(&f, &format!("/?org={}", f.org_b)).await;
    assert_eq!(york.status, 200);
    let york = york.text();
    assert!(york.contains("<p class=\"lede\">york council"));
    assert_eq!(figure(&york, "covered-devices").as_deref(), Some("7"));
    let missing = b.get(&f, "/?org=999999").await;
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("data-error=\"404\""));
    let bad = b.get(&f, "/?org=leeds").await;
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("data-error=\"400\""));
}

async fn a_viewer_cannot_open_another_organisation(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let other = b.get(&f, &format!("/?org={}", f.org_b)).await;
    let missing = b.get(&f, "/?org=999999").await;
    assert_eq!(other.status, 404);
    assert_eq!(
        other.text(),
        missing.text(),
        "another organisation looks like none"
    );
    assert!(!other.text().contains("york"));
    let own = b.get(&f, &format!("/?org={}", f.org_a)).await;
    assert_eq!(own.status, 200);
}

async fn an_organisation_without_a_board_is_told_how_to_make_one(f: Fixture) {
    // The fixture's own plans were saved without a board report.
    let f =
        f.with_router(|app, limits| camaudit_dashboard::router(app, limits, Default::default()));
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let page = b.get(&f, "/").await.text();
    assert!(page.contains("did not store the board report"), "{page}");
    assert!(figure(&page, "covered-devices").is_none());
    // The live count and the sites are there all the same.
    assert_eq!(figure(&page, "live-covered-devices").as_deref(), Some("7"));
    // An organisation with no plan at all.
    let mut store = f.store();
    let org = store
        .create_organisation(&camaudit_store::NewOrganisation {
            slug: "st-annes".parse().unwrap(),
            name: "St Anne's School".into(),
            sector: camaudit_store::Sector::School,
            created_at: common::T0,
        })
        .unwrap();
    drop(store);
    let admin = Browser::log_in(&f, &f.tokens.admin).await;
    let page = admin.get(&f, &format!("/?org={org}")).await.text();
    assert!(page.contains("has no plan yet"), "{page}");
    assert!(page.contains("--save --org st-annes"), "{page}");
    assert!(page.contains("No scan yet"));
}

async fn the_page_is_plain_accessible_html(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.admin).await;
    let page = b.get(&f, "/").await.text();
    assert_clean_page(&page);
    assert_eq!(
        page.matches("<svg").count(),
        2,
        "by site and by sensitivity"
    );
    assert!(page.contains("<th scope=\"col\">"));
    assert!(page.contains("<th scope=\"row\">"));
    assert!(page.contains("<h1>Estate overview</h1>"));
    assert!(page.contains("<button type=\"submit\">Show</button>"));
}
