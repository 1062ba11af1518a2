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
/// with its board report saved for each organisation
/// ([`Fixture::save_council_plans`]: [`council_plan`], [`council_board`]).
pub fn dashboard(fixture: Fixture) -> Fixture {
    fixture.save_council_plans();
    fixture
        .with_router(|app, limits| camaudit_dashboard::router(app, limits, SessionRules::default()))
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

/// The text of the element marked `data-figure="name"` (the figure alone,
/// by the dashboard's markup contract), if the page has one.
pub fn figure(page: &str, name: &str) -> Option<String> {
    let marker = format!("data-figure=\"{name}\"");
    let at = page.find(&marker)?;
    let rest = &page[at + marker.len()..];
    let text = &rest[rest.find('>')? + 1..];
    Some(text[..text.find('<')?].to_owned())
}

/// What every page must be: no script, no inline style, every table with
/// a caption, every chart with a title.
pub fn assert_clean_page(page: &str) {
    for banned in ["<script", "<style", "style=\"", "http://", "https://"] {
        assert!(!page.contains(banned), "the page has {banned}: {page}");
    }
    assert_eq!(
        page.matches("<table").count(),
        page.matches("<caption>").count(),
        "every table has a caption"
    );
    assert_eq!(
        page.matches("<svg").count(),
        page.matches("<title id=").count(),
        "every chart has a title"
    );
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
