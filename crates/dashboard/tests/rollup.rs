//! The `/rollup` page: an admin sees every organisation's row and the
//! figures by sector; a viewer the same sector figures and its own row,
//! and nothing anywhere that names another organisation. The figures are
//! the API's (`GET /api/v1/rollup`), counted by hand in
//! crates/server/tests/rollup.rs.

mod common;

use camaudit_server::{on_both_backends, on_sqlite};
use camaudit_store::{NewOrganisation, NewSite, Sector};

use common::{Browser, Fixture, T0, assert_clean_page, dashboard, figure};

on_both_backends!(
    an_admin_sees_every_organisation_and_the_apis_figures,
    a_viewer_sees_sector_figures_and_only_its_own_organisation,
);
on_sqlite!(a_bad_threshold_is_a_400_page);

/// What names the organisations other than leeds.
const OTHERS: [&str; 5] = ["york", "st-annes", "St Anne", "Main building", "north-nhs"];

/// The dashboard's estate with a school (one site, no plan) and an NHS
/// trust (nothing yet).
fn estate(f: Fixture) -> Fixture {
    let f = dashboard(f);
    let mut store = f.store();
    let mut org = |slug: &str, name: &str, sector| {
        store
            .create_organisation(&NewOrganisation {
                slug: slug.parse().unwrap(),
                name: name.to_owned(),
                sector,
                created_at: T0,
            })
            .unwrap()
    };
    let school = org("st-annes", "St Anne's School", Sector::School);
    org("north-nhs", "North NHS Trust", Sector::NhsTrust);
    store
        .create_site(&NewSite {
            org: school,
            slug: "main-building".parse().unwrap(),
            name: "Main building".into(),
            created_at: T0,
        })
        .unwrap();
    drop(store);
    f
}

async fn an_admin_sees_every_organisation_and_the_apis_figures(f: Fixture) {
    let f = estate(f);
    let api = f
        .get("/api/v1/rollup?stale_after_days=3", Some(&f.tokens.admin))
        .await
        .json();
    let b = Browser::log_in(&f, &f.tokens.admin).await;
    let page = b.get(&f, "/rollup?stale_after_days=3").await;
    assert_eq!(page.status, 200);
    let page = page.text();
    assert_clean_page(&page);
    for slug in ["leeds", "york", "st-annes", "north-nhs"] {
        assert!(
            page.contains(&format!("<tr data-org=\"{slug}\">")),
            "{slug}"
        );
    }
    let t = &api["totals"];
    for (name, field) in [
        ("organisations", "organisations"),
        ("organisations-planned", "organisations_planned"),
        ("organisations-with-covered", "organisations_with_covered"),
        ("sites", "sites"),
        ("sites-with-covered", "sites_with_covered"),
        ("sensitive-sites", "sensitive_sites"),
        (
            "sensitive-sites-with-covered",
            "sensitive_sites_with_covered",
        ),
        ("covered-devices", "covered_devices"),
        ("covered-on-sensitive-sites", "covered_on_sensitive_sites"),
        ("covered-on-core", "covered_on_core"),
        ("not-reporting", "not_reporting"),
    ] {
        assert_eq!(figure(&page, name), Some(t[field].to_string()), "{name}");
    }
    // By hand: two councils with the example's plan, a school and a trust
    // without one.
    assert_eq!(figure(&page, "organisations").as_deref(), Some("4"));
    assert_eq!(
        figure(&page, "organisations-with-covered").as_deref(),
        Some("2")
    );
    assert_eq!(figure(&page, "sites-with-covered").as_deref(), Some("10"));
    assert_eq!(
        figure(&page, "covered-on-sensitive-sites").as_deref(),
        Some("6")
    );
    assert_eq!(figure(&page, "council-organisations").as_deref(), Some("2"));
    assert_eq!(figure(&page, "school-organisations").as_deref(), Some("1"));
    assert_eq!(
        figure(&page, "council-covered-devices").as_deref(),
        Some("14")
    );
    assert!(
        !page.contains("data-sector=\"police\""),
        "empty sectors are left out"
    );
    assert!(
        page.contains("value=\"3\""),
        "the threshold is in its field"
    );
    assert!(page.contains("<form method=\"get\" id=\"filters\""));
    assert!(page.contains("<label for=\"stale_after_days\">"));
    assert!(page.contains("St Anne&#39;s School"), "{page}");
}

async fn a_viewer_sees_sector_figures_and_only_its_own_organisation(f: Fixture) {
    let f = estate(f);
    let admin = Browser::log_in(&f, &f.tokens.admin).await;
    let as_admin = admin.get(&f, "/rollup").await.text();
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let page = b.get(&f, "/rollup").await;
    assert_eq!(page.status, 200);
    let page = page.text();
    assert_clean_page(&page);
    for name in [
        "organisations",
        "organisations-with-covered",
        "sites-with-covered",
        "covered-on-core",
        "council-organisations",
        "council-sites-with-covered",
        "school-organisations",
    ] {
        assert!(figure(&page, name).is_some(), "{name}");
        assert_eq!(figure(&page, name), figure(&as_admin, name), "{name}");
    }
    assert!(page.contains("<tr data-org=\"leeds\">"));
    assert_eq!(page.matches("<tr data-org=").count(), 1);
    assert!(page.contains("Your organisation"));
    for other in OTHERS {
        assert!(
            !page.contains(other),
            "a viewer of leeds saw {other}: {page}"
        );
    }
    let home = b.get(&f, "/").await.text();
    assert!(
        home.contains("href=\"/rollup\""),
        "the viewer's navigation has it"
    );
}

async fn a_bad_threshold_is_a_400_page(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.admin).await;
    for bad in ["0", "99999", "soon"] {
        let a = b.get(&f, &format!("/rollup?stale_after_days={bad}")).await;
        assert_eq!(a.status, 400, "{bad}");
        assert!(a.text().contains("data-error=\"400\""));
    }
}
