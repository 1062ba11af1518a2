//! `/registry`: the registry's answer for a name or model number, as
//! `GET /api/v1/registry` gives it.

mod common;

use camaudit_server::on_sqlite;

use common::{Browser, Fixture, dashboard, urlencode};

on_sqlite!(
    the_empty_form_shows_the_registry_version_to_a_viewer_and_an_admin,
    a_rebrand_names_its_maker_the_relation_and_its_source,
    a_trusted_maker_is_never_called_covered,
    a_model_number_matches_its_makers_pattern,
    a_name_nobody_knows_is_said_to_be_not_in_the_registry,
    hostile_queries_get_a_short_refusal,
);

/// The attribute value of the first `data-NAME="…"` in `html`.
fn attr<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=\"");
    let at = html.find(&key)? + key.len();
    html[at..].split('"').next()
}

/// The text of the first element carrying the bare attribute `name`.
fn text_of<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let at = html.find(&format!("{name}>"))? + name.len() + 1;
    html[at..].split('<').next()
}

async fn ask(f: &Fixture, b: &Browser, q: &str) -> (u16, String) {
    let a = b.get(f, &format!("/registry?q={}", urlencode(q))).await;
    (a.status.as_u16(), a.text())
}

async fn api(f: &Fixture, q: &str) -> serde_json::Value {
    let a = f
        .get(
            &format!("/api/v1/registry?q={}", urlencode(q)),
            Some(&f.tokens.viewer_a),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text());
    a.json()
}

async fn the_empty_form_shows_the_registry_version_to_a_viewer_and_an_admin(f: Fixture) {
    let f = dashboard(f);
    let version = f.app.engine.registry().info().version.to_owned();
    for token in [&f.tokens.viewer_a, &f.tokens.admin] {
        let b = Browser::log_in(&f, token).await;
        let (status, html) = ask(&f, &b, "").await;
        assert_eq!(status, 200);
        assert!(
            html.contains("<form method=\"get\" id=\"filters\""),
            "{html}"
        );
        assert!(html.contains("<label for=\"q\">"));
        assert!(html.contains(&format!("registry {version}")), "{html}");
        assert!(attr(&html, "data-verdict").is_none());
    }
}

async fn a_rebrand_names_its_maker_the_relation_and_its_source(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let (status, html) = ask(&f, &b, "Annke").await;
    assert_eq!(status, 200);
    let api = api(&f, "Annke").await;
    assert_eq!(
        attr(&html, "data-verdict"),
        api["verdict"]["verdict"].as_str(),
        "{html}"
    );
    assert_eq!(api["verdict"]["maker"], "hikvision");
    assert_eq!(text_of(&html, "data-maker"), Some("Hikvision"), "{html}");
    assert!(html.contains("Annke is OEM / white-label reseller of Hikvision"));
    // The relation's first source, as a link a person can follow.
    assert!(
        html.contains(
            "<a href=\"https://github.com/Supergiovane/node-red-contrib-hikvision-ultimate/issues/24\""
        ),
        "{html}"
    );
    assert!(html.contains("(confidence medium)"));
}

async fn a_trusted_maker_is_never_called_covered(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    for q in [
        "Axis",
        "Axis M1065-LW",
        "Bosch",
        "Hanwha",
        "Mobotix",
        "Avigilon",
    ] {
        let (status, html) = ask(&f, &b, q).await;
        assert_eq!(status, 200, "{q}");
        let verdict = attr(&html, "data-verdict").unwrap_or_else(|| panic!("{q}: {html}"));
        assert_eq!(verdict, "not-covered", "{q}");
        assert_eq!(
            Some(verdict),
            api(&f, q).await["verdict"]["verdict"].as_str(),
            "{q}"
        );
        assert!(!html.contains("class=\"covered\""), "{q} marked covered");
        assert!(html.contains("No procurement-ban regime in the registry covers it"));
    }
}

async fn a_model_number_matches_its_makers_pattern(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.admin).await;
    let (_, html) = ask(&f, &b, "DS-2CD2385G1-I").await;
    assert!(html.contains("Model-number patterns it matches"), "{html}");
    assert!(html.contains("a Hikvision model number"), "{html}");
    assert_eq!(
        attr(&html, "data-verdict"),
        api(&f, "DS-2CD2385G1-I").await["verdict"]["verdict"].as_str()
    );
}

async fn a_name_nobody_knows_is_said_to_be_not_in_the_registry(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_b).await;
    let (status, html) = ask(&f, &b, "Zorblax Quantum").await;
    assert_eq!(status, 200);
    assert!(html.contains("Not in the registry."), "{html}");
    assert_eq!(attr(&html, "data-verdict"), Some("unknown"));
    assert!(html.contains("That does not clear it"));
}

async fn hostile_queries_get_a_short_refusal(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let long = "A".repeat(10_000);
    let (status, html) = ask(&f, &b, &long).await;
    assert_eq!(status, 400);
    assert!(html.contains("role=\"alert\""));
    assert!(html.contains("at most 200 characters"));
    assert!(
        !html.contains(&"A".repeat(300)),
        "the page echoed the query"
    );
    assert!(html.len() < 20_000, "{} bytes", html.len());
    for q in ["an\u{0}ke", "\u{1b}[31mhik", "x\u{7f}"] {
        let (status, html) = ask(&f, &b, q).await;
        assert_eq!(status, 400, "{q:?}");
        assert!(html.contains("control characters"), "{q:?}");
    }
    let (status, html) = ask(&f, &b, "<script>alert(1)</script>").await;
    assert_eq!(status, 200);
    assert!(!html.contains("<script"), "{html}");
    // Bytes that are not UTF-8 are read, not a crash.
    let a = b.get(&f, "/registry?q=%FF%FE&q=Annke&q").await;
    assert!(a.status.as_u16() < 500, "{}", a.status);
}
