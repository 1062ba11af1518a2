//! Log-in, sessions, log-out and CSRF, through the whole router.

mod common;

use camaudit_server::{on_both_backends, on_sqlite};

use common::{Browser, Fixture, dashboard, set_cookie};

on_both_backends!(a_viewer_logs_in_sees_only_its_organisation_and_logs_out);
on_sqlite!(
    pages_without_a_session_go_to_the_log_in_page,
    bad_tokens_and_sensor_tokens_are_refused,
    a_log_in_without_the_forms_key_is_refused,
    log_out_needs_the_sessions_csrf_secret,
    a_revoked_token_ends_its_session,
    cookies_are_http_only_and_strict,
    pages_carry_a_policy_that_loads_nothing_from_elsewhere,
    unknown_paths_answer_html_and_the_api_keeps_json,
);

async fn a_viewer_logs_in_sees_only_its_organisation_and_logs_out(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_a).await;
    let home = b.get(&f, "/").await.text();
    assert!(home.contains("leeds council"), "{home}");
    assert!(
        !home.contains("york council"),
        "a viewer of leeds saw york: {home}"
    );
    let out = b
        .post_form(&f, "/logout", &format!("csrf={}", b.csrf))
        .await;
    assert_eq!(out.status.as_u16(), 303);
    assert_eq!(out.headers["location"], "/login");
    let after = b.get(&f, "/").await;
    assert_eq!(after.status.as_u16(), 303, "the session outlived log-out");
}

async fn pages_without_a_session_go_to_the_log_in_page(f: Fixture) {
    let f = dashboard(f);
    let a = f.get("/?x=1", None).await;
    assert_eq!(a.status.as_u16(), 303);
    assert_eq!(a.headers["location"], "/login?next=/%3Fx%3D1");
    let forged = Browser {
        session: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
        csrf: String::new(),
    };
    assert_eq!(forged.get(&f, "/").await.status.as_u16(), 303);
    // A bearer token is for the API, not a page.
    let a = f.get("/", Some(&f.tokens.admin)).await;
    assert_eq!(a.status.as_u16(), 303);
}

async fn bad_tokens_and_sensor_tokens_are_refused(f: Fixture) {
    let f = dashboard(f);
    for (token, status) in [
        ("cam_not-a-token", 401),
        (f.tokens.expired.as_str(), 401),
        (f.tokens.revoked.as_str(), 401),
        (f.tokens.sensor_a1.as_str(), 403),
    ] {
        let a = Browser::try_log_in(&f, token).await;
        assert_eq!(a.status.as_u16(), status, "{token}: {}", a.text());
        assert!(set_cookie(&a, "camaudit_session").is_none());
        assert!(a.text().contains("role=\"alert\""));
    }
}

async fn a_log_in_without_the_forms_key_is_refused(f: Fixture) {
    let f = dashboard(f);
    // A cross-site form cannot read or set our cookie: no key, no log-in.
    let body = format!("token={}&form_key=abc&next=%2F", f.tokens.admin);
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(body))
        .unwrap();
    let a = f.request(req).await;
    assert_eq!(a.status.as_u16(), 400);
    assert!(set_cookie(&a, "camaudit_session").is_none());
}

async fn log_out_needs_the_sessions_csrf_secret(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.admin).await;
    let other = Browser::log_in(&f, &f.tokens.admin).await;
    for body in [
        "csrf=wrong".to_owned(),
        String::from(""),
        format!("csrf={}", other.csrf),
    ] {
        let a = b.post_form(&f, "/logout", &body).await;
        assert_ne!(a.status.as_u16(), 303, "{body}");
        assert_eq!(
            b.get(&f, "/").await.status.as_u16(),
            200,
            "{body} logged out"
        );
    }
}

async fn a_revoked_token_ends_its_session(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.viewer_b).await;
    let mut store = f.store();
    let id = store
        .tokens()
        .unwrap()
        .into_iter()
        .find(|t| t.scope == camaudit_store::TokenScope::Viewer { org: f.org_b })
        .unwrap()
        .id;
    store
        .revoke_token(id, time::OffsetDateTime::now_utc())
        .unwrap();
    assert_eq!(b.get(&f, "/").await.status.as_u16(), 303);
}

async fn cookies_are_http_only_and_strict(f: Fixture) {
    let f = dashboard(f);
    let a = Browser::try_log_in(&f, &f.tokens.admin).await;
    let c = set_cookie(&a, "camaudit_session").unwrap();
    assert!(
        c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Path=/"),
        "{c}"
    );
    assert!(!c.contains("Secure"), "plain HTTP on loopback: {c}");
}

async fn pages_carry_a_policy_that_loads_nothing_from_elsewhere(f: Fixture) {
    let f = dashboard(f);
    let b = Browser::log_in(&f, &f.tokens.admin).await;
    let a = b.get(&f, "/").await;
    let csp = a.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("unsafe"),
        "{csp}"
    );
    assert_eq!(a.headers["cache-control"], "no-store");
    let css = f.get("/assets/dashboard.css", None).await;
    assert_eq!(css.status.as_u16(), 200);
    assert!(css.text().contains("@media print"));
    assert!(!a.text().contains("<script"), "a page has a script");
    assert!(
        !a.text().contains("http://") && !a.text().contains("https://"),
        "{}",
        a.text()
    );
}

async fn unknown_paths_answer_html_and_the_api_keeps_json(f: Fixture) {
    let f = dashboard(f);
    let page = f.get("/no-such-page", None).await;
    assert_eq!(page.status.as_u16(), 404);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let api = f.get("/api/v1/no-such-route", None).await;
    assert_eq!(api.status.as_u16(), 404);
    assert_eq!(api.code(), "no_route");
}
