//! `GET /api/v1/rollup`: the figures by sector against a hand count of the
//! test estate (two councils with the example council's real plan, a
//! school with a plan saved without a board report, an NHS trust with
//! nothing yet), what an admin and a viewer each see, and the threshold.

mod common;

use camaudit_server::{on_both_backends, on_sqlite};
use camaudit_store::{NewOrganisation, NewSite, Sector};
use common::{Fixture, T0, batch_json, council_devices};
use serde_json::{Value, json};

on_both_backends!(
    an_admin_sees_every_sector_and_organisation_as_counted_by_hand,
    a_viewer_sees_sector_figures_and_its_own_row_only,
);
on_sqlite!(
    the_threshold_is_checked,
    a_sensor_reads_no_rollup,
    progress_is_not_measured_before_a_scan_after_the_plan,
);

/// Covered devices of the example council the plan replaces, taken away
/// from the sensor's next scan of leeds' civic centre.
const REMOVED: [&str; 2] = ["10.10.1.45", "10.60.8.11"];

/// The fixture, its real plans, a school and an NHS trust, and a scan of
/// leeds after the plan without two of the devices the plan replaces.
async fn estate(f: Fixture) -> Fixture {
    f.save_council_plans();
    let mut store = f.store();
    let org = |store: &mut Box<dyn camaudit_store::EstateStore>, slug: &str, name: &str, sector| {
        store
            .create_organisation(&NewOrganisation {
                slug: slug.parse().unwrap(),
                name: name.to_owned(),
                sector,
                created_at: T0,
            })
            .unwrap()
    };
    let school = org(&mut store, "st-annes", "St Anne's School", Sector::School);
    org(&mut store, "north-nhs", "North NHS Trust", Sector::NhsTrust);
    store
        .create_site(&NewSite {
            org: school,
            slug: "main-building".parse().unwrap(),
            name: "Main building".into(),
            created_at: T0,
        })
        .unwrap();
    store
        .save_plan(school, &json!([]), &json!({"actions": []}), T0)
        .unwrap();
    drop(store);
    let kept: Vec<_> = council_devices()
        .into_iter()
        .filter(|d| {
            !d.addr
                .is_some_and(|a| REMOVED.contains(&a.to_string().as_str()))
        })
        .collect();
    let a = f
        .post_batch(
            &f.tokens.sensor_a1,
            &batch_json("after-plan", "civic-centre", "sensor/2", &kept),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text());
    f
}

/// The answer, as `token` sees it with a one-day threshold: leeds has just
/// reported, york last did at T0 (over a day ago), the others never.
async fn rollup(f: &Fixture, token: &str) -> Value {
    let a = f
        .get("/api/v1/rollup?stale_after_days=1", Some(token))
        .await;
    assert_eq!(a.status, 200, "{}", a.text());
    a.json()
}

fn sector<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["sectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["sector"] == name)
        .unwrap_or_else(|| panic!("no sector {name}: {r}"))
}

/// The example council's board, per organisation planned: 6 sites, 5 with
/// covered equipment; 2 sensitive, both with; 7 covered devices, 3 of
/// them on the sensitive sites (2 at the town hall, 1 at the police
/// liaison office), 1 on a core network.
fn council_figures(planned: u64, not_reporting: u64, organisations: u64) -> Value {
    json!({
        "organisations": organisations,
        "organisations_planned": planned,
        "organisations_with_covered": planned,
        "sites": 6 * planned,
        "sites_with_covered": 5 * planned,
        "sensitive_sites": 2 * planned,
        "sensitive_sites_with_covered": 2 * planned,
        "covered_devices": 7 * planned,
        "covered_on_sensitive_sites": 3 * planned,
        "covered_on_core": planned,
        "not_reporting": not_reporting,
    })
}

fn without(v: &Value, key: &str) -> Value {
    let mut v = v.clone();
    v.as_object_mut().unwrap().remove(key);
    v
}

async fn an_admin_sees_every_sector_and_organisation_as_counted_by_hand(f: Fixture) {
    let f = estate(f).await;
    let r = rollup(&f, &f.tokens.admin).await;
    assert_eq!(r["stale_after_days"], 1);
    assert_eq!(
        without(sector(&r, "council"), "sector"),
        council_figures(2, 1, 2)
    );
    let mut school = council_figures(0, 1, 1);
    school["organisations_with_covered"] = json!(0);
    assert_eq!(without(sector(&r, "school"), "sector"), school);
    assert_eq!(without(sector(&r, "nhs-trust"), "sector"), school);
    for empty in ["police", "department", "other"] {
        assert_eq!(sector(&r, empty)["organisations"], 0);
    }
    let mut totals = council_figures(2, 3, 4);
    totals["organisations_with_covered"] = json!(2);
    assert_eq!(r["totals"], totals);

    let orgs = r["organisations"].as_array().unwrap();
    let slugs: Vec<&str> = orgs.iter().map(|o| o["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["leeds", "york", "st-annes", "north-nhs"]);
    let (leeds, york, school, trust) = (&orgs[0], &orgs[1], &orgs[2], &orgs[3]);
    assert_eq!(leeds["reporting"], true);
    assert_eq!(york["reporting"], false, "york last reported at T0");
    assert_eq!(york["last_report_at"], "2026-11-30T09:00:00Z");
    assert_eq!(school["last_report_at"], Value::Null);
    assert_eq!(school["sites_registered"], 1);
    assert_eq!(trust["sites_registered"], 0);

    let plan = &leeds["plan"];
    assert_eq!(plan["covered_devices"], 7);
    assert_eq!(plan["covered_on_sensitive_sites"], 3);
    assert_eq!(plan["clear_by"], "2027-01-05");
    assert_eq!(plan["planned_at"], "2026-11-30T10:00:00Z");
    // Seven covered devices are replaced; two are gone from leeds' scan
    // after the plan; york has had no scan since its plan.
    assert_eq!(plan["replacements"], 7);
    assert_eq!(plan["replacements_gone"], REMOVED.len());
    assert_eq!(york["plan"]["replacements"], 7);
    assert_eq!(york["plan"]["replacements_gone"], Value::Null);
    // Six of them are due on 2027-01-01 and one on 2027-01-05.
    let today = &r["as_of"].as_str().unwrap()[..10];
    let due = [("2027-01-01", 6), ("2027-01-05", 1)]
        .iter()
        .filter(|(day, _)| *day <= today)
        .map(|(_, n)| n)
        .sum::<u64>();
    assert_eq!(plan["replacements_due"], due);

    assert_eq!(school["plan"], Value::Null);
    assert!(
        school["no_plan"]
            .as_str()
            .unwrap()
            .contains("did not store the board report"),
        "{school}"
    );
    assert!(
        trust["no_plan"]
            .as_str()
            .unwrap()
            .contains("--save --org north-nhs"),
        "{trust}"
    );
}

async fn a_viewer_sees_sector_figures_and_its_own_row_only(f: Fixture) {
    let f = estate(f).await;
    let admin = rollup(&f, &f.tokens.admin).await;
    let a = f
        .get(
            "/api/v1/rollup?stale_after_days=1",
            Some(&f.tokens.viewer_a),
        )
        .await;
    assert_eq!(a.status, 200);
    let viewer = a.json();
    assert_eq!(
        viewer["sectors"], admin["sectors"],
        "the same sector figures"
    );
    assert_eq!(viewer["totals"], admin["totals"]);
    let orgs = viewer["organisations"].as_array().unwrap();
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0], admin["organisations"][0], "its own row, in full");
    let text = a.text();
    for other in [
        "york",
        "st-annes",
        "St Anne",
        "north-nhs",
        "North NHS",
        "Main building",
        "main-building",
    ] {
        assert!(
            !text.contains(other),
            "a viewer of leeds saw {other}: {text}"
        );
    }
}

async fn the_threshold_is_checked(f: Fixture) {
    let a = f.get("/api/v1/rollup", Some(&f.tokens.admin)).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["stale_after_days"], 14);
    for bad in ["0", "3651", "-1", "soon"] {
        let a = f
            .get(
                &format!("/api/v1/rollup?stale_after_days={bad}"),
                Some(&f.tokens.admin),
            )
            .await;
        assert_eq!(a.status, 400, "{bad}: {}", a.text());
    }
    let a = f
        .get(
            "/api/v1/rollup?stale_after_days=3650",
            Some(&f.tokens.admin),
        )
        .await;
    assert_eq!(a.status, 200);
}

async fn a_sensor_reads_no_rollup(f: Fixture) {
    let a = f.get("/api/v1/rollup", Some(&f.tokens.sensor_a1)).await;
    assert_eq!(a.status, 403);
    let a = f.get("/api/v1/rollup", None).await;
    assert_eq!(a.status, 401);
}

async fn progress_is_not_measured_before_a_scan_after_the_plan(f: Fixture) {
    f.save_council_plans();
    let r = rollup(&f, &f.tokens.admin).await;
    for org in r["organisations"].as_array().unwrap() {
        assert_eq!(org["plan"]["replacements"], 7);
        assert_eq!(org["plan"]["replacements_gone"], Value::Null, "{org}");
    }
}
