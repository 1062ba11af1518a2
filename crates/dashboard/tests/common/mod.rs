//! The server's seeded estate (two organisations, their sites, a sensor
//! scan of real devices, saved plans, a token of every kind) behind the
//! whole router, dashboard included, and a browser's moves: log in, keep
//! the cookie, follow a redirect.
#![allow(dead_code, unused_imports)]

pub use camaudit_server::testing::*;

use axum::body::Body;
use axum::http::{Method, Request, header};
use camaudit_dashboard::session::SessionRules;

/// The fixture with the dashboard's pages beside the API, and a real plan
/// saved for each organisation ([`save_council_plans`]).
pub fn dashboard(fixture: Fixture) -> Fixture {
    save_council_plans(&fixture);
    fixture
        .with_router(|app, limits| camaudit_dashboard::router(app, limits, SessionRules::default()))
}

/// When the real plans are saved: after the fixture's placeholder plans
/// (saved at [`T0`]), so each organisation's latest plan is the real one.
pub const PLANNED_AT: time::OffsetDateTime = time::macros::datetime!(2026-11-30 10:00 UTC);

/// What `camaudit plan --format json` wrote for the example council
/// (`tests/data/council-plan.json`; regenerate it from the repository's
/// root with
/// `camaudit plan --estate examples/estate.toml --devices examples/council-devices.jsonl --from 2027-01-01 --format json --quiet > crates/dashboard/tests/data/council-plan.json`).
/// Its `board` is the board report the pages show.
pub fn council_plan() -> serde_json::Value {
    let text = include_str!("../data/council-plan.json");
    serde_json::from_str(text).expect("tests/data/council-plan.json is JSON")
}

/// The board report inside [`council_plan`].
pub fn council_board() -> camaudit_report::BoardReport {
    serde_json::from_value(council_plan()["board"].clone()).expect("the plan holds a board report")
}

/// Saves [`council_plan`] for both organisations as `plan --save` does
/// (its findings apart, the rest as the plan), at [`PLANNED_AT`].
pub fn save_council_plans(f: &Fixture) {
    let mut plan = council_plan();
    let findings = plan
        .as_object_mut()
        .and_then(|m| m.remove("findings"))
        .expect("the plan has findings");
    let mut store = f.store();
    for org in [f.org_a, f.org_b] {
        store.save_plan(org, &findings, &plan, PLANNED_AT).unwrap();
    }
}

/// The value of the `Set-Cookie` for `name` in an answer, if any.
pub fn set_cookie(a: &Answer, name: &str) -> Option<String> {
    a.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// The cookie's value from a `Set-Cookie` header.
pub fn cookie_value(set_cookie: &str) -> String {
    let pair = set_cookie.split(';').next().unwrap_or("");
    pair.split_once('=')
        .map(|(_, v)| v.to_owned())
        .unwrap_or_default()
}

/// The `value` of the hidden input `name` in a page.
pub fn hidden(page: &str, name: &str) -> Option<String> {
    let at = page.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &page[at + name.len() + 15..];
    rest.split('"').next().map(str::to_owned)
}

/// A logged-in browser: its session cookie and the page's CSRF secret.
pub struct Browser {
    pub session: String,
    pub csrf: String,
}

impl Browser {
    /// Opens the log-in page, posts `token` with the form's key, and
    /// returns the session; panics if the log-in is refused.
    pub async fn log_in(f: &Fixture, token: &str) -> Browser {
        let a = Browser::try_log_in(f, token).await;
        assert_eq!(a.status.as_u16(), 303, "log-in refused: {}", a.text());
        let session = cookie_value(&set_cookie(&a, "camaudit_session").expect("a session cookie"));
        let mut browser = Browser {
            session,
            csrf: String::new(),
        };
        let home = browser.get(f, "/").await;
        assert_eq!(home.status.as_u16(), 200, "{}", home.text());
        browser.csrf =
            hidden(&home.text(), "csrf").expect("the page's log-out form has a csrf field");
        browser
    }

    /// The log-in form posted with `token`, the answer as it is.
    pub async fn try_log_in(f: &Fixture, token: &str) -> Answer {
        let form = f.get("/login?next=/", None).await;
        let key = cookie_value(&set_cookie(&form, "camaudit_login").expect("a form cookie"));
        let field = hidden(&form.text(), "form_key").expect("a form_key field");
        assert_eq!(key, field);
        let body = format!(
            "token={}&form_key={}&next=%2F",
            urlencode(token),
            urlencode(&field)
        );
        let req = Request::builder()
            .method(Method::POST)
            .uri("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("camaudit_login={key}"))
            .body(Body::from(body))
            .unwrap();
        f.request(req).await
    }

    pub async fn get(&self, f: &Fixture, uri: &str) -> Answer {
        let req = Request::builder()
            .method(Method::GET)
            .uri(uri)
            .header(header::COOKIE, format!("camaudit_session={}", self.session))
            .body(Body::empty())
            .unwrap();
        f.request(req).await
    }

    pub async fn post_form(&self, f: &Fixture, uri: &str, body: &str) -> Answer {
        let req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("camaudit_session={}", self.session))
            .body(Body::from(body.to_owned()))
            .unwrap();
        f.request(req).await
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
