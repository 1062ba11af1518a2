//! The server against its OpenAPI document (`crates/server/openapi.json`):
//! the document lists exactly the router's routes; every operation answers
//! (not 404/405) with a token of the right kind; and every JSON answer, a
//! success or an error, validates against the schema the document gives for
//! its status. Validation is the `jsonschema` crate's (JSON Schema 2020-12,
//! OpenAPI 3.1's dialect), formats such as `date-time` included.

mod common;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, header};
use common::{Answer, Fixture, batch_json};
use jsonschema::Draft;
use serde_json::{Value, json};

fn doc() -> Value {
    serde_json::from_str(camaudit_server::routes::OPENAPI).expect("the document is JSON")
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method).is_some() {
                ops.insert((method.to_owned(), path.clone()));
            }
        }
    }
    ops
}

/// `#/a/b` in the document.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => doc
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling $ref {r}")),
        None => v,
    }
}

/// Checks one answer against the document: its status is declared for the
/// operation, its content type is, and a JSON body validates.
fn check(doc: &Value, method: &str, path: &str, a: &Answer) {
    let op = &doc["paths"][path][method];
    let status = a.status.as_str();
    let declared = op["responses"].get(status).unwrap_or_else(|| {
        panic!(
            "{method} {path} answered {status}, which the document does not declare: {}",
            a.text()
        )
    });
    let declared = resolve(doc, declared);
    let content_type = a.headers[header::CONTENT_TYPE].to_str().unwrap();
    let mime = content_type.split(';').next().unwrap().trim();
    let content = declared["content"].get(mime).unwrap_or_else(|| {
        panic!("{method} {path} {status}: content type {mime} not in the document")
    });
    if mime != "application/json" {
        return;
    }
    let schema = content
        .get("schema")
        .unwrap_or_else(|| panic!("{method} {path} {status}: no schema"));
    // The schema with the document's components beside it, so that its
    // `$ref`s resolve.
    let root = json!({"allOf": [schema], "components": doc["components"]});
    let validator = jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("{method} {path} {status}: bad schema: {e}"));
    let body = a.json();
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status} does not match the document:\n{}\nbody: {body}",
        errors.join("\n")
    );
}

/// A path of the document with its parameters filled from the fixture.
fn concrete(f: &Fixture, path: &str) -> String {
    let filled = match path {
        "/api/v1/sites/{id}" => path.replace("{id}", &f.site_a1.to_string()),
        "/api/v1/scans/{id}" => path.replace("{id}", &f.scan_a1.to_string()),
        "/api/v1/plans/{id}" => path.replace("{id}", &f.plan_a.to_string()),
        "/api/v1/devices/{site}/{scan}/{idx}" | "/api/v1/devices/{site}/{scan}/{idx}/history" => {
            path.replace("{site}", &f.site_a1.to_string())
                .replace("{scan}", &f.scan_a1.to_string())
                .replace("{idx}", "0")
        }
        _ => path.to_owned(),
    };
    assert!(
        !filled.contains('{'),
        "the test does not know how to fill {path}"
    );
    filled
}

/// Values for the document's required query parameters.
fn required_query(f: &Fixture, doc: &Value, method: &str, path: &str) -> String {
    let params = doc["paths"][path][method]["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut query = Vec::new();
    for p in params {
        if p["in"] == "query" && p["required"] == true {
            let scan = f.scan_a1.to_string();
            let value = match p["name"].as_str().unwrap() {
                "q" => "annke",
                "from" | "to" => scan.as_str(),
                other => panic!("the test has no value for the required parameter {other}"),
            };
            query.push(format!("{}={value}", p["name"].as_str().unwrap()));
        }
    }
    if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    }
}

async fn call(
    f: &Fixture,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Answer {
    let mut req = Request::builder()
        .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
        .uri(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let body = match body {
        Some(b) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(serde_json::to_vec(b).unwrap())
        }
        None => Body::empty(),
    };
    f.request(req.body(body).unwrap()).await
}

/// The check can fail: a site without its slug, a time that is not one.
#[test]
fn an_answer_unlike_the_document_is_caught() {
    let doc = doc();
    let answer = |body: Value| Answer {
        status: axum::http::StatusCode::OK,
        headers: [(header::CONTENT_TYPE, "application/json".parse().unwrap())]
            .into_iter()
            .collect(),
        body: serde_json::to_vec(&body).unwrap(),
    };
    let good = json!({"id": 1, "org": 1, "slug": "depot", "name": "Depot",
                      "created_at": "2026-12-01T10:00:00Z", "last_report_at": null});
    check(&doc, "get", "/api/v1/sites/{id}", &answer(good.clone()));
    for (field, value) in [
        ("slug", Value::Null),
        ("created_at", json!("yesterday")),
        ("extra", json!(1)),
    ] {
        let mut bad = good.clone();
        bad[field] = value;
        let caught =
            std::panic::catch_unwind(|| check(&doc, "get", "/api/v1/sites/{id}", &answer(bad)));
        assert!(caught.is_err(), "a site with a bad {field} passed");
    }
}

#[test]
fn the_document_lists_exactly_the_routers_routes() {
    let doc = doc();
    assert_eq!(doc["openapi"], "3.1.0");
    let documented = operations(&doc);
    let routed: BTreeSet<(String, String)> = camaudit_server::routes::api()
        .routes()
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the document: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented but not routed: {unrouted:?}"
    );
}

#[tokio::test]
async fn every_operation_answers_as_documented() {
    let f = Fixture::sqlite("openapi_answers");
    // Real plans with their board reports: the roll-up's figures in full.
    f.save_council_plans();
    let doc = doc();
    let mut checked = 0;
    for (i, (method, path)) in operations(&doc).into_iter().enumerate() {
        let uri = format!(
            "{}{}",
            concrete(&f, &path),
            required_query(&f, &doc, &method, &path)
        );
        let (token, body) = if method == "post" {
            let devices = &f.devices[..2];
            (
                &f.tokens.sensor_a1,
                Some(batch_json(
                    &format!("doc-{i}"),
                    "civic-centre",
                    "doc/1",
                    devices,
                )),
            )
        } else {
            (&f.tokens.viewer_a, None)
        };
        let a = call(&f, &method, &uri, Some(token), body.as_ref()).await;
        assert!(
            a.status != 404 && a.status != 405,
            "{method} {uri}: {}",
            a.text()
        );
        assert!(a.status.is_success(), "{method} {uri}: {}", a.text());
        check(&doc, &method, &path, &a);
        // The admin's view of the same (a 400 where it must name an
        // organisation) is documented too.
        let a = call(&f, &method, &uri, Some(&f.tokens.admin), body.as_ref()).await;
        check(&doc, &method, &path, &a);
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} operations");
}

#[tokio::test]
async fn error_answers_are_documented_too() {
    let f = Fixture::sqlite("openapi_errors");
    let doc = doc();
    for (method, path) in operations(&doc) {
        let secured = doc["paths"][&path][&method].get("security") != Some(&json!([]));
        let uri = format!(
            "{}{}",
            concrete(&f, &path),
            required_query(&f, &doc, &method, &path)
        );
        if secured {
            // No token, then a sensor token where it reads (or a viewer where it writes).
            check(
                &doc,
                &method,
                &path,
                &call(&f, &method, &uri, None, None).await,
            );
            let wrong = if method == "post" {
                &f.tokens.viewer_a
            } else {
                &f.tokens.sensor_a1
            };
            let body = (method == "post").then(|| batch_json("e-1", "civic-centre", "e/1", &[]));
            check(
                &doc,
                &method,
                &path,
                &call(&f, &method, &uri, Some(wrong), body.as_ref()).await,
            );
        }
        if path.contains('{') {
            let missing = path
                .split('/')
                .map(|seg| if seg.starts_with('{') { "999999" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            let a = call(&f, &method, &missing, Some(&f.tokens.viewer_a), None).await;
            assert_eq!(a.status, 404, "{missing}");
            check(&doc, &method, &path, &a);
            let bad = path
                .split('/')
                .map(|seg| if seg.starts_with('{') { "x" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            let a = call(&f, &method, &bad, Some(&f.tokens.viewer_a), None).await;
            assert_eq!(a.status, 400, "{bad}");
            check(&doc, &method, &path, &a);
        }
        if method == "get" && secured {
            let a = call(
                &f,
                &method,
                &format!("{uri}{}bogus=1", if uri.contains('?') { "&" } else { "?" }),
                Some(&f.tokens.viewer_a),
                None,
            )
            .await;
            // A route that takes no parameters ignores them; the others refuse.
            if a.status != 200 {
                assert_eq!(a.status, 400, "{path}: {}", a.text());
            }
            check(&doc, &method, &path, &a);
        }
    }
    // A batch's refusals.
    let p = "/api/v1/batches";
    let a = call(
        &f,
        "post",
        p,
        Some(&f.tokens.sensor_a1),
        Some(&json!({"id": 1})),
    )
    .await;
    check(&doc, "post", p, &a);
    let big = json!({"pad": "x".repeat(common::MAX_BODY)});
    let a = call(&f, "post", p, Some(&f.tokens.sensor_a1), Some(&big)).await;
    assert_eq!(a.status, 413);
    check(&doc, "post", p, &a);
    let outside = batch_json("e-2", "depot", "e/2", &[]);
    let a = call(&f, "post", p, Some(&f.tokens.sensor_a1), Some(&outside)).await;
    assert_eq!(a.status, 403);
    check(&doc, "post", p, &a);
    let dup = batch_json("e-3", "civic-centre", "e/3", &[]);
    assert_eq!(
        call(&f, "post", p, Some(&f.tokens.sensor_a1), Some(&dup))
            .await
            .status,
        201
    );
    let a = call(&f, "post", p, Some(&f.tokens.sensor_a1), Some(&dup)).await;
    assert_eq!(a.status, 200);
    check(&doc, "post", p, &a);
}

/// Every secured operation documents the 429 of a token over its rate, and
/// the refusals validate: a limit of one request a second leaves the
/// admin's token over it after its first request.
#[tokio::test]
async fn rate_limited_answers_are_documented() {
    use camaudit_server::Limits;
    use camaudit_server::rate::RateLimit;
    let f = Fixture::sqlite("openapi_429").with_router(|app, limits| {
        let rate = RateLimit {
            per_second: 1,
            burst: 1,
        };
        camaudit_server::router(
            app,
            &Limits {
                rate,
                ..limits.clone()
            },
        )
    });
    let doc = doc();
    let first = call(&f, "get", "/api/v1/sites", Some(&f.tokens.admin), None).await;
    assert_eq!(first.status, 200);
    let mut refused = 0;
    for (method, path) in operations(&doc) {
        let op = &doc["paths"][&path][&method];
        if op.get("security") == Some(&json!([])) {
            continue;
        }
        assert!(
            op["responses"].get("429").is_some(),
            "{method} {path}: no 429"
        );
        let uri = format!(
            "{}{}",
            concrete(&f, &path),
            required_query(&f, &doc, &method, &path)
        );
        let a = call(&f, &method, &uri, Some(&f.tokens.admin), None).await;
        if a.status == 429 {
            check(&doc, &method, &path, &a);
            refused += 1;
        }
    }
    // Each refused answer was checked; on a machine slow enough to refill
    // the bucket between two requests, fewer are.
    assert!(refused >= 1, "no operation was refused");
}
