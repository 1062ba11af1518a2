//! Bad requests and the OWASP API Security Top 10 items that apply to this
//! server: broken authentication (API2), object-level authorisation across
//! organisations (API1, BOLA), function-level authorisation (API5: a sensor
//! reads nothing), mass assignment (API3/API6: unknown fields refused), and
//! unrestricted resource consumption (API4: body limit, absurd pages).
//! Each refusal is a 4xx with a JSON error, and writes nothing.

mod common;

use camaudit_server::{on_both_backends, on_sqlite};

use axum::body::Body;
use axum::http::{Request, header};
use common::{Answer, Fixture, MAX_BODY, batch_json};
use serde_json::{Value, json};

on_both_backends!(
    every_bad_token_is_the_same_401,
    a_batch_outside_the_tokens_scope_is_403_and_writes_nothing,
    only_a_sensor_token_sends_batches,
    a_sensor_token_reads_nothing,
    another_organisations_objects_are_404,
    mass_assignment_is_an_unknown_field,
    malformed_and_mistyped_batches_are_400,
    an_oversized_body_is_413_and_writes_nothing,
);

on_sqlite!(
    absurd_pagination_is_400,
    garbage_never_crashes_the_server,
    unknown_routes_and_methods_answer_json,
);

/// Every `/api/` route of the router but the public document.
fn protected_uris(f: &Fixture) -> Vec<String> {
    vec![
        "/api/v1/organisations".into(),
        "/api/v1/sites".into(),
        format!("/api/v1/sites/{}", f.site_a1),
        "/api/v1/scans".into(),
        format!("/api/v1/scans/{}", f.scan_a1),
        "/api/v1/devices".into(),
        "/api/v1/devices.csv".into(),
        "/api/v1/devices.jsonl".into(),
        format!("/api/v1/devices/{}/{}/0", f.site_a1, f.scan_a1),
        "/api/v1/plans".into(),
        format!("/api/v1/plans/{}", f.plan_a),
        format!("/api/v1/findings?org={}", f.org_a),
        "/api/v1/registry?q=annke".into(),
        format!("/api/v1/diff?from={}&to={}", f.scan_a1, f.scan_a1),
    ]
}

fn assert_error(a: &Answer, status: u16, code: &str) {
    assert_eq!(a.status, status, "{}", a.text());
    assert_eq!(a.code(), code, "{}", a.text());
    let message = a.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(
        !message.is_empty() && !message.contains('\n'),
        "{message:?}"
    );
}

async fn every_bad_token_is_the_same_401(f: Fixture) {
    let forged = format!("cam_{}", "A".repeat(43));
    let bad: Vec<(Option<String>, &str)> = vec![
        (None, "no header"),
        (Some(format!("Bearer {forged}")), "unknown"),
        (Some(format!("Bearer {}", f.tokens.expired)), "expired"),
        (Some(format!("Bearer {}", f.tokens.revoked)), "revoked"),
        (Some("Bearer not-a-token".into()), "malformed"),
        (Some(f.tokens.admin.clone()), "no scheme"),
        (Some(format!("Basic {}", f.tokens.admin)), "wrong scheme"),
        (Some(format!("Bearer {}x", f.tokens.admin)), "altered"),
    ];
    let mut bodies = Vec::new();
    for uri in protected_uris(&f) {
        for (header, why) in &bad {
            let mut req = Request::get(&uri);
            if let Some(h) = header {
                req = req.header(header::AUTHORIZATION, h);
            }
            let a = f.request(req.body(Body::empty()).unwrap()).await;
            assert_error(&a, 401, "unauthorized");
            assert!(a.text().len() < 300, "{why}: {}", a.text());
            bodies.push(a.body);
        }
    }
    // And the batch route, before its body is even looked at.
    let a = f
        .post_bytes("/api/v1/batches", None, b"{not json".to_vec())
        .await;
    assert_error(&a, 401, "unauthorized");
    bodies.push(a.body);
    let a = f
        .post_bytes("/api/v1/batches", Some(&f.tokens.revoked), b"{}".to_vec())
        .await;
    assert_error(&a, 401, "unauthorized");
    bodies.push(a.body);
    bodies.dedup();
    assert_eq!(
        bodies.len(),
        1,
        "the 401s differ, which tells a guesser something"
    );
    // The document is public.
    let doc = f.get("/api/v1/openapi.json", None).await;
    assert_eq!(doc.status, 200);
    assert_eq!(f.get("/healthz", None).await.status, 200);
}

async fn a_batch_outside_the_tokens_scope_is_403_and_writes_nothing(f: Fixture) {
    let before = [
        f.stored(f.site_a1),
        f.stored(f.site_a2),
        f.stored(f.site_b1),
    ];
    let cases = [
        (
            &f.tokens.sensor_a1,
            "depot",
            "another site of its organisation",
        ),
        (&f.tokens.sensor_b1, "depot", "another organisation's site"),
        (
            &f.tokens.sensor_a1,
            "no-such-site",
            "a site that does not exist",
        ),
    ];
    for (i, (token, site, why)) in cases.into_iter().enumerate() {
        let batch = batch_json(&format!("scope-{i}"), site, "x/1", &f.devices[..2]);
        let a = f.post_batch(token, &batch).await;
        assert_eq!(a.status, 403, "{why}: {}", a.text());
        assert_eq!(a.code(), "forbidden");
    }
    // York's sensor naming York's "civic-centre" writes York's site, never
    // Leeds' site of the same slug.
    let batch = batch_json("york-1", "civic-centre", "york/1", &f.devices[..1]);
    assert_eq!(f.post_batch(&f.tokens.sensor_b1, &batch).await.status, 201);
    let after = [
        f.stored(f.site_a1),
        f.stored(f.site_a2),
        f.stored(f.site_b1),
    ];
    assert_eq!(after[..2], before[..2], "a refused batch wrote something");
    assert_eq!(after[2], (before[2].0 + 1, before[2].1 + 1));
}

async fn only_a_sensor_token_sends_batches(f: Fixture) {
    let before = f.stored(f.site_a1);
    for token in [&f.tokens.admin, &f.tokens.viewer_a] {
        let batch = batch_json("not-a-sensor", "civic-centre", "x/1", &f.devices[..1]);
        let a = f.post_batch(token, &batch).await;
        assert_error(&a, 403, "forbidden");
    }
    assert_eq!(f.stored(f.site_a1), before);
}

async fn a_sensor_token_reads_nothing(f: Fixture) {
    for uri in protected_uris(&f) {
        let a = f.get(&uri, Some(&f.tokens.sensor_a1)).await;
        assert_error(&a, 403, "forbidden");
    }
}

async fn another_organisations_objects_are_404(f: Fixture) {
    let b = &f.tokens.viewer_b;
    // York's viewer asks for Leeds' objects by id: each is "not there".
    let leeds = [
        format!("/api/v1/sites/{}", f.site_a1),
        format!("/api/v1/scans/{}", f.scan_a1),
        format!("/api/v1/plans/{}", f.plan_a),
        format!("/api/v1/devices/{}/{}/0", f.site_a1, f.scan_a1),
        format!("/api/v1/scans?site={}", f.site_a1),
        format!("/api/v1/devices?site={}", f.site_a1),
        format!("/api/v1/devices.csv?site={}", f.site_a1),
        format!("/api/v1/devices.jsonl?site={}", f.site_a1),
        format!("/api/v1/sites?org={}", f.org_a),
        format!("/api/v1/plans?org={}", f.org_a),
        format!("/api/v1/findings?org={}", f.org_a),
        format!("/api/v1/diff?from={}&to={}", f.scan_a1, f.scan_a1),
        format!("/api/v1/diff?from={}&to={}", f.scan_b1, f.scan_a1),
        // York's site with Leeds' scan: the pair must belong together.
        format!("/api/v1/devices/{}/{}/0", f.site_b1, f.scan_a1),
    ];
    let missing = f.get("/api/v1/sites/999999", Some(b)).await;
    for uri in &leeds {
        let a = f.get(uri, Some(b)).await;
        assert_error(&a, 404, "not_found");
        assert!(!a.text().contains("leeds"), "{uri} leaked: {}", a.text());
    }
    // Not there and not yours read the same.
    let other = f.get(&leeds[0], Some(b)).await;
    assert_eq!(other.body, missing.body);
    // The same ids are York's to read when they are York's, and the admin's.
    assert_eq!(
        f.get(&format!("/api/v1/sites/{}", f.site_b1), Some(b))
            .await
            .status,
        200
    );
    for uri in &leeds[..4] {
        assert_eq!(f.get(uri, Some(&f.tokens.admin)).await.status, 200, "{uri}");
    }
    // Lists hold only York's.
    let devices = f.get("/api/v1/devices?limit=1000", Some(b)).await.json();
    assert!(
        devices["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["org"] == f.org_b.0)
    );
    let scans = f.get("/api/v1/scans", Some(b)).await.json();
    assert!(
        scans["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["site"] == f.site_b1.0)
    );
}

async fn mass_assignment_is_an_unknown_field(f: Fixture) {
    let before = f.stored(f.site_a1);
    let base = batch_json("mass-1", "civic-centre", "m/1", &f.devices[..1]);
    let mut cases: Vec<(Value, &str)> = Vec::new();
    for (field, value) in [
        ("org", json!(2)),
        ("site_id", json!(f.site_b1.0)),
        ("scan_id", json!(1)),
        ("token", json!("x")),
    ] {
        let mut b = base.clone();
        b[field] = value;
        cases.push((b, field));
    }
    let mut b = base.clone();
    b["scan"]["id"] = json!(f.scan_b1.0);
    cases.push((b, "scan.id"));
    let mut b = base.clone();
    b["scan"]["site"] = json!(f.site_b1.0);
    cases.push((b, "scan.site"));
    let mut b = base.clone();
    b["observations"][0]["org"] = json!(2);
    cases.push((b, "observations[0].org"));
    for (body, field) in cases {
        let a = f.post_batch(&f.tokens.sensor_a1, &body).await;
        assert_error(&a, 400, "unknown_field");
        assert!(a.text().contains("unknown field"), "{field}: {}", a.text());
    }
    assert_eq!(f.stored(f.site_a1), before);
}

async fn malformed_and_mistyped_batches_are_400(f: Fixture) {
    let before = f.stored(f.site_a1);
    let base = batch_json("bad-1", "civic-centre", "b/1", &f.devices[..1]);
    let raw: Vec<(&[u8], &str)> = vec![
        (b"", "malformed_json"),
        (b"{", "malformed_json"),
        (b"{\"id\": \"x\",}", "malformed_json"),
        (b"[1, 2, 3]", "bad_value"),
        (b"null", "bad_value"),
        (b"{}", "bad_value"),
        (b"\xff\xfe{}", "malformed_json"),
    ];
    for (body, code) in raw {
        let a = f
            .post_bytes("/api/v1/batches", Some(&f.tokens.sensor_a1), body.to_vec())
            .await;
        assert_error(&a, 400, code);
    }
    type Mutation = (fn(&mut Value), &'static str);
    let mutate: Vec<Mutation> = vec![
        (|b| b["id"] = json!(42), "id a number"),
        (|b| b["id"] = json!(""), "empty id"),
        (|b| b["id"] = json!("has space"), "id with a space"),
        (|b| b["id"] = json!("x".repeat(65)), "id too long"),
        (|b| b["site"] = json!("Civic Centre"), "site not a slug"),
        (|b| b["scan"]["kind"] = json!("nmap"), "unknown kind"),
        (|b| b["scan"]["started_at"] = json!("yesterday"), "bad time"),
        (|b| b["scan"]["ref"] = json!(""), "empty ref"),
        (|b| b["scan"]["params"] = json!([1]), "params not an object"),
        (|b| b["observations"] = json!({}), "observations not a list"),
        (
            |b| b["observations"][0]["addr"] = json!("999.1.1.1"),
            "bad address",
        ),
        (
            |b| b["devices"][0]["covered"] = json!("yes"),
            "covered not a bool",
        ),
        (
            |b| {
                b.as_object_mut().unwrap().remove("devices");
            },
            "devices missing",
        ),
    ];
    for (change, why) in mutate {
        let mut body = base.clone();
        change(&mut body);
        let a = f.post_batch(&f.tokens.sensor_a1, &body).await;
        assert_eq!(a.status, 400, "{why}: {}", a.text());
        assert_eq!(a.code(), "bad_value", "{why}: {}", a.text());
    }
    // Not declared JSON.
    let req = Request::post("/api/v1/batches")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", f.tokens.sensor_a1),
        )
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(serde_json::to_vec(&base).unwrap()))
        .unwrap();
    assert_error(&f.request(req).await, 415, "unsupported_media_type");
    assert_eq!(f.stored(f.site_a1), before);
}

async fn an_oversized_body_is_413_and_writes_nothing(f: Fixture) {
    let before = f.stored(f.site_a1);
    let mut batch = batch_json("big-1", "civic-centre", "big/1", &f.devices[..1]);
    batch["scan"]["params"]["padding"] = json!("x".repeat(MAX_BODY));
    let a = f.post_batch(&f.tokens.sensor_a1, &batch).await;
    assert_error(&a, 413, "body_too_large");
    // Without a Content-Length (a stream), the limit holds all the same.
    let body = serde_json::to_vec(&batch).unwrap();
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        body.chunks(8192).map(|c| Ok(c.to_vec())).collect();
    let req = Request::post("/api/v1/batches")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", f.tokens.sensor_a1),
        )
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    assert_error(&f.request(req).await, 413, "body_too_large");
    assert_eq!(f.stored(f.site_a1), before);
    // Just under the limit is stored.
    batch["scan"]["params"]["padding"] = json!("x".repeat(MAX_BODY / 2));
    assert_eq!(f.post_batch(&f.tokens.sensor_a1, &batch).await.status, 201);
}

async fn absurd_pagination_is_400(f: Fixture) {
    let t = Some(f.tokens.admin.as_str());
    for (query, code) in [
        ("limit=0", "bad_limit"),
        ("limit=1001", "bad_limit"),
        ("limit=-1", "bad_query"),
        ("limit=99999999999999999999", "bad_query"),
        ("limit=ten", "bad_query"),
        ("cursor=garbage!", "bad_cursor"),
        ("cursor=e30", "bad_cursor"),
        ("cursor=", "bad_cursor"),
        ("covered=maybe", "bad_query"),
        ("site=abc", "bad_query"),
        ("maker=Not%20A%20Maker", "bad_query"),
        ("sort=addr", "bad_query"),
    ] {
        let a = f.get(&format!("/api/v1/devices?{query}"), t).await;
        assert_error(&a, 400, code);
    }
    let a = f.get("/api/v1/devices.csv?limit=5", t).await;
    assert_error(&a, 400, "bad_query");
    let a = f.get("/api/v1/sites/abc", t).await;
    assert_error(&a, 400, "bad_path");
    let a = f.get("/api/v1/scans/99999999999999999999", t).await;
    assert_error(&a, 400, "bad_path");
    let a = f
        .get(&format!("/api/v1/registry?q={}", "a".repeat(201)), t)
        .await;
    assert_error(&a, 400, "bad_query");
    // The largest page is fine.
    assert_eq!(f.get("/api/v1/devices?limit=1000", t).await.status, 200);
}

/// A small deterministic generator: the test is the same on every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

async fn garbage_never_crashes_the_server(f: Fixture) {
    let valid =
        serde_json::to_vec(&batch_json("fuzz", "civic-centre", "f/1", &f.devices[..2])).unwrap();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut stored = 0;
    for i in 0..300 {
        let body: Vec<u8> = match i % 3 {
            // Random bytes.
            0 => (0..rng.next() % 512).map(|_| rng.next() as u8).collect(),
            // A valid batch with some bytes flipped.
            1 => {
                let mut b = valid.clone();
                for _ in 0..1 + rng.next() % 4 {
                    let at = (rng.next() as usize) % b.len();
                    b[at] = rng.next() as u8;
                }
                b
            }
            // A valid batch cut short.
            _ => valid[..(rng.next() as usize) % valid.len()].to_vec(),
        };
        let a = f
            .post_bytes("/api/v1/batches", Some(&f.tokens.sensor_a1), body)
            .await;
        let s = a.status.as_u16();
        assert!(
            (200..300).contains(&s) || (400..500).contains(&s),
            "garbage body {i} answered {s}: {}",
            a.text()
        );
        if (400..500).contains(&s) {
            a.code();
        } else {
            stored += 1;
        }
    }
    // Still serving, and still right.
    let a = f
        .post_bytes("/api/v1/batches", Some(&f.tokens.sensor_a1), valid)
        .await;
    assert!(a.status == 201 || a.status == 200, "{}", a.text());
    assert!(stored < 300);
}

async fn unknown_routes_and_methods_answer_json(f: Fixture) {
    let a = f.get("/api/v1/nothing-here", Some(&f.tokens.admin)).await;
    assert_error(&a, 404, "no_route");
    let a = f
        .post_bytes("/api/v1/devices", Some(&f.tokens.admin), b"{}".to_vec())
        .await;
    assert_error(&a, 405, "method_not_allowed");
    let a = f.get("/api/v1/batches", Some(&f.tokens.sensor_a1)).await;
    assert_error(&a, 405, "method_not_allowed");
}
