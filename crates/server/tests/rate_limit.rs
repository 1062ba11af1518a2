//! Requests per token (`camaudit serve --rate-limit`): a burst over the
//! limit is answered 429 with `Retry-After` and the JSON error, before the
//! token is looked up; another token is not held back; after the wait the
//! server said, the token passes again.

mod common;

use camaudit_server::Limits;
use camaudit_server::rate::RateLimit;
use common::Fixture;

/// One request a second, two at once.
fn tiny(f: Fixture) -> Fixture {
    f.with_router(|app, limits| {
        let limits = Limits {
            rate: RateLimit {
                per_second: 1,
                burst: 2,
            },
            ..limits.clone()
        };
        camaudit_server::router(app, &limits)
    })
}

#[tokio::test]
async fn a_token_over_its_rate_waits_and_others_do_not() {
    let f = tiny(Fixture::sqlite("rate_limit"));
    let sites = "/api/v1/sites";
    for n in 1..=2 {
        let a = f.get(sites, Some(&f.tokens.viewer_a)).await;
        assert_eq!(a.status, 200, "request {n} of a burst of 2: {}", a.text());
    }
    let over = f.get(sites, Some(&f.tokens.viewer_a)).await;
    assert_eq!(over.status, 429, "{}", over.text());
    assert_eq!(over.code(), "rate_limited");
    assert!(
        over.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("retry after 1 s")
    );
    let wait: u64 = over.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(wait, 1);

    // Another token, of the same organisation or not, is not held back.
    for token in [&f.tokens.viewer_b, &f.tokens.admin] {
        assert_eq!(f.get(sites, Some(token)).await.status, 200);
    }

    // After the wait it was told, the token passes again.
    tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    let again = f.get(sites, Some(&f.tokens.viewer_a)).await;
    assert_eq!(again.status, 200, "{}", again.text());
}

/// A token over its rate is refused before it is looked up: revoked once
/// it is over, it still gets 429, where a look-up would answer 401.
#[tokio::test]
async fn the_refusal_comes_before_the_token_is_looked_up() {
    let f = tiny(Fixture::sqlite("rate_limit_first"));
    let sites = "/api/v1/sites";
    let token = &f.tokens.viewer_b;
    let mut refused = false;
    for _ in 0..10 {
        if f.get(sites, Some(token)).await.status == 429 {
            refused = true;
            break;
        }
    }
    assert!(refused, "ten requests at once passed a burst of 2");
    let mut store = f.store();
    let id = store
        .token_by_hash(&camaudit_auth::hash(token))
        .unwrap()
        .unwrap()
        .id;
    store
        .revoke_token(id, time::OffsetDateTime::now_utc())
        .unwrap();
    let a = f.get(sites, Some(token)).await;
    assert_eq!(a.status, 429, "{}", a.text());
    assert!(a.headers.contains_key("retry-after"));
}

/// Made-up secrets get no bucket (so they cannot crowd out real tokens'):
/// each is refused 401, never 429.
#[tokio::test]
async fn unknown_tokens_are_refused_401_and_leave_no_bucket() {
    let f = tiny(Fixture::sqlite("rate_limit_unknown"));
    let fake = format!("cam_{}", "A".repeat(43));
    for _ in 0..5 {
        assert_eq!(f.get("/api/v1/sites", Some(&fake)).await.status, 401);
    }
    assert_eq!(
        f.get("/api/v1/sites", Some(&f.tokens.viewer_a))
            .await
            .status,
        200
    );
}
