//! `GET /login`, `POST /login` and `POST /logout`.
//!
//! A person logs in with a viewer or admin token (`camaudit token create
//! --scope viewer --org …`), pasted once into the form. The form is
//! protected against cross-site log-in by a one-time value that must match
//! a cookie only this server set (double submit) on top of
//! `SameSite=Strict`; log-out is a form carrying the session's CSRF secret.

use std::time::Instant;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use camaudit_server::AppState;
use camaudit_server::access::Reader;
use camaudit_server::pool::Views;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::layout::{PageError, html};
use crate::session::{
    Person, SESSION_COOKIE, SessionError, SharedSessions, cookie, over_tls, random_text, safe_next,
    same_secret, set_cookie,
};

/// The cookie holding the log-in form's one-time value.
const LOGIN_COOKIE: &str = "camaudit_login";
/// The log-in form is good for this long.
const LOGIN_FORM_SECONDS: u64 = 15 * 60;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    next: &'a str,
    form_key: &'a str,
    problem: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

pub async fn form(
    axum::Extension(sessions): axum::Extension<SharedSessions>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    login_page(
        &sessions,
        &headers,
        safe_next(q.next.as_deref()),
        None,
        StatusCode::OK,
    )
}

fn login_page(
    sessions: &SharedSessions,
    headers: &HeaderMap,
    next: &str,
    problem: Option<&str>,
    status: StatusCode,
) -> Response {
    let form_key = match random_text() {
        Ok(k) => k,
        Err(e) => {
            tracing::error!("{e}");
            return PageError::internal("make a log-in form").into_response();
        }
    };
    let page = LoginPage {
        next,
        form_key: &form_key,
        problem,
    };
    let Ok(body) = page.render() else {
        return PageError::internal("render the log-in page").into_response();
    };
    let mut response = html(status, body);
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(
            LOGIN_COOKIE,
            &form_key,
            "/login",
            LOGIN_FORM_SECONDS,
            over_tls(headers, sessions.rules()),
        ),
    );
    response
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    token: String,
    form_key: String,
    next: Option<String>,
}

pub async fn submit(
    State(app): State<AppState>,
    axum::Extension(sessions): axum::Extension<SharedSessions>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref()).to_owned();
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    if expected.is_empty() || !same_secret(expected, &f.form_key) {
        return login_page(
            &sessions,
            &headers,
            &next,
            Some(
                "The log-in form expired or did not come from this server. Paste your token again.",
            ),
            StatusCode::BAD_REQUEST,
        );
    }
    let header = format!("Bearer {}", f.token.trim());
    let now = OffsetDateTime::now_utc();
    let checked = app
        .pool
        .run(move |store| {
            Ok(camaudit_auth::authenticate(
                store.as_estate(),
                Some(&header),
                now,
            ))
        })
        .await;
    let token = match checked {
        Err(e) => return PageError::from(e).into_response(),
        Ok(Err(why)) if !why.is_refusal() => {
            tracing::error!("log-in: {why}");
            return PageError::internal("check the token").into_response();
        }
        Ok(Err(why)) => {
            tracing::info!("log-in refused: {why}");
            return login_page(
                &sessions,
                &headers,
                &next,
                Some(
                    "That token is not valid: it may be mistyped, expired or revoked. Ask an admin for one (`camaudit token create --scope viewer --org …`).",
                ),
                StatusCode::UNAUTHORIZED,
            );
        }
        Ok(Ok(token)) => token,
    };
    if Reader::of(&token.scope).is_none() {
        return login_page(
            &sessions,
            &headers,
            &next,
            Some("A sensor token only sends scans; log in with a viewer or admin token."),
            StatusCode::FORBIDDEN,
        );
    }
    let id = match sessions.start(camaudit_auth::hash(f.token.trim()), Instant::now()) {
        Ok(id) => id,
        Err(e @ SessionError::Full) => {
            return PageError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response();
        }
        Err(e) => {
            tracing::error!("{e}");
            return PageError::internal("start a session").into_response();
        }
    };
    let secure = over_tls(&headers, sessions.rules());
    let mut response = Redirect::to(&next).into_response();
    let h = response.headers_mut();
    h.append(
        SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            &id,
            "/",
            sessions.rules().lifetime.as_secs(),
            secure,
        ),
    );
    h.append(
        SET_COOKIE,
        set_cookie(LOGIN_COOKIE, "", "/login", 0, secure),
    );
    crate::layout::add_security_headers(h);
    response
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    csrf: String,
}

pub async fn logout(
    person: Person,
    axum::Extension(sessions): axum::Extension<SharedSessions>,
    headers: HeaderMap,
    Form(f): Form<LogoutForm>,
) -> Response {
    if !person.csrf_matches(&f.csrf) {
        return PageError::forbidden(
            "This log-out did not come from a page of this server. Use the Log out button.",
        )
        .into_response();
    }
    if let Some(id) = cookie(&headers, SESSION_COOKIE) {
        sessions.end(id);
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            "",
            "/",
            0,
            over_tls(&headers, sessions.rules()),
        ),
    );
    response
}
