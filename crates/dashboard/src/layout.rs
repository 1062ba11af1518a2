//! What every page shares: the frame around it ([`Layout`]: who is logged
//! in, the navigation, the log-out form), the HTML response with its
//! security headers ([`html`]), and the error page ([`PageError`]).

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use camaudit_server::error::ApiError;

use crate::session::Person;

/// The sections of the dashboard, in the navigation's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Overview,
    Devices,
    Findings,
    Plan,
    Changes,
    Registry,
    /// Across organisations: every organisation for an admin, the sector
    /// figures and its own row for a viewer.
    Rollup,
}

impl Nav {
    /// Every section, with its path and name. A viewer sees the roll-up
    /// too (as figures by sector, naming no other organisation).
    pub fn sections() -> Vec<(Nav, &'static str, &'static str)> {
        vec![
            (Nav::Overview, "/", "Overview"),
            (Nav::Devices, "/devices", "Devices"),
            (Nav::Findings, "/findings", "Findings"),
            (Nav::Plan, "/plan", "Plan"),
            (Nav::Changes, "/changes", "Changes"),
            (Nav::Registry, "/registry", "Registry"),
            (Nav::Rollup, "/rollup", "Across organisations"),
        ]
    }
}

/// The frame of a page: its title, the section it is in, and who is
/// looking. Each page's template has a `layout` field of this type and
/// `{% extends "base.html" %}`.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The page's `<title>` and `<h1>`.
    pub title: String,
    pub nav: Nav,
    /// "viewer of Leeds City Council (alice)" or "admin (ops)".
    pub who: String,
    pub csrf: String,
    pub sections: Vec<(Nav, &'static str, &'static str)>,
}

impl Layout {
    pub fn new(
        person: &Person,
        nav: Nav,
        title: impl Into<String>,
        who: impl Into<String>,
    ) -> Layout {
        Layout {
            title: title.into(),
            nav,
            who: who.into(),
            csrf: person.csrf().to_owned(),
            sections: Nav::sections(),
        }
    }

    /// Whether `nav` is the section this page is in (for `aria-current`).
    pub fn is(&self, nav: &Nav) -> bool {
        self.nav == *nav
    }
}

/// The Content-Security-Policy of every page: nothing from outside the
/// server, no script at all, styles only from the served sheet, forms only
/// to this server, never inside another site's frame.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A rendered page as a response with the dashboard's headers.
pub fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    add_security_headers(h);
    response
}

/// The headers every dashboard answer carries: pages hold an
/// organisation's findings, so no cache keeps them and no other site
/// frames or reads them.
pub fn add_security_headers(h: &mut axum::http::HeaderMap) {
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

/// Renders a page template, or the error page if the template fails.
pub fn render<T: Template>(page: &T) -> Response {
    match page.render() {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => {
            tracing::error!("rendering a page: {e}");
            PageError::internal("render this page").into_response()
        }
    }
}

/// A page that cannot be shown: a status, and a sentence that says what to
/// do next. Another organisation's object is [`PageError::not_found`], like
/// one that does not exist.
#[derive(Debug, Clone)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
}

impl PageError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> PageError {
        PageError {
            status,
            message: message.into(),
        }
    }

    /// `what` is "device", "site", …
    pub fn not_found(what: &str) -> PageError {
        PageError::new(
            StatusCode::NOT_FOUND,
            format!("There is no such {what}, or it is not in your organisation."),
        )
    }

    pub fn bad_request(message: impl Into<String>) -> PageError {
        PageError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn forbidden(message: impl Into<String>) -> PageError {
        PageError::new(StatusCode::FORBIDDEN, message)
    }

    /// `doing` completes "The server could not …".
    pub fn internal(doing: &str) -> PageError {
        PageError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "The server could not {doing}. Try again; if it persists, ask the server's administrator to look at its log."
            ),
        )
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        PageError::new(e.status, e.message)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    reason: &'a str,
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            status: self.status.as_u16(),
            reason: self.status.canonical_reason().unwrap_or("Error"),
            message: &self.message,
        };
        let body = page
            .render()
            .unwrap_or_else(|_| "<!DOCTYPE html><title>Error</title><p>Error</p>".to_owned());
        html(self.status, body)
    }
}
