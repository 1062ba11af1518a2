//! Each page's numbers against the API. A page's `[data-figure]` must be
//! one this file knows (else the test cannot check it, and says so), and
//! its number must equal what the API answers the same person for the
//! same thing (docs/dashboard.md lists which route and field each equals).

use std::collections::BTreeMap;

use fantoccini::Locator;
use fantoccini::elements::Element;
use serde_json::Value;

use crate::api::device_key;
use crate::estate::Estate;
use crate::walk::{Person, Seen, number};

/// What the API says each figure of a page is.
type Expected = BTreeMap<String, f64>;

/// Every figure of `seen` equals the API's, and every `required` figure
/// is on the page.
fn agree(seen: &Seen, expected: &Expected, required: &[&str]) {
    for (name, text) in &seen.figures {
        let Some(want) = expected.get(name) else {
            panic!(
                "{}: figure {name:?} ({text}) has no API counterpart in this test; add it to figures.rs",
                seen.path
            );
        };
        let got = number(name, text);
        assert!(
            (got - want).abs() < 1e-9,
            "{}: figure {name} is {text}, the API says {want}",
            seen.path
        );
    }
    for name in required {
        assert!(
            seen.figures.iter().any(|(n, _)| n == name),
            "{}: no data-figure=\"{name}\" (figures: {:?})",
            seen.path,
            seen.figures
        );
    }
}

/// The overview's figures (docs/dashboard.md, "The overview"): the
/// headline ones from the board stored with the saved plan, the live ones
/// from `GET /api/v1/devices`.
pub fn overview(p: &Person, estate: &Estate, seen: &Seen) {
    let board = board(p, estate);
    let o = &board["overview"];
    let mut expected = Expected::new();
    for (figure, field) in [
        ("sites", "sites"),
        ("sites-with-covered", "sites_with_covered"),
        ("sensitive-sites", "sensitive_sites"),
        (
            "sensitive-sites-with-covered",
            "sensitive_sites_with_covered",
        ),
        ("devices", "devices"),
        ("covered-devices", "covered_devices"),
        ("covered-on-core", "covered_on_core"),
        ("covered-calling-home", "covered_calling_home"),
        ("rebrands", "rebrands"),
        ("covered-rebrands", "covered_rebrands"),
        ("kev-devices", "kev_devices"),
        ("immediate-actions", "immediate_actions"),
        ("weeks-to-clear", "weeks_to_clear"),
    ] {
        // A null (not measured, not cleared) has no figure on the page.
        if let Some(v) = o[field].as_f64() {
            expected.insert(figure.into(), v);
        }
    }
    if let Some(pence) = o["cost_to_clear"].as_f64() {
        expected.insert("cost-to-clear".into(), pence / 100.0);
    }
    let on_sensitive: f64 = board["sites"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["sensitivity"] == "sensitive")
        .filter_map(|s| s["covered"].as_f64())
        .sum();
    expected.insert("covered-on-sensitive-sites".into(), on_sensitive);
    expected.insert("live-devices".into(), p.api.devices("").len() as f64);
    expected.insert(
        "live-covered-devices".into(),
        p.api.devices("covered=true").len() as f64,
    );
    agree(
        seen,
        &expected,
        &[
            "sites-with-covered",
            "covered-devices",
            "covered-on-core",
            "cost-to-clear",
            "live-devices",
        ],
    );
}

/// The roll-up's figures against `GET /api/v1/rollup` for the same
/// person: `totals` and each of `sectors[]` (`<sector>-…`).
pub fn rollup(p: &Person, seen: &Seen) {
    let answer = p.api.get("/api/v1/rollup");
    let mut expected = Expected::new();
    let fields = [
        "organisations",
        "organisations_planned",
        "organisations_with_covered",
        "sites",
        "sites_with_covered",
        "sensitive_sites",
        "sensitive_sites_with_covered",
        "covered_devices",
        "covered_on_sensitive_sites",
        "covered_on_core",
        "not_reporting",
    ];
    for field in fields {
        if let Some(v) = answer["totals"][field].as_f64() {
            expected.insert(field.replace('_', "-"), v);
        }
    }
    for sector in answer["sectors"].as_array().into_iter().flatten() {
        let name = sector["sector"].as_str().unwrap_or_default();
        for field in fields {
            if let Some(v) = sector[field].as_f64() {
                expected.insert(format!("{name}-{}", field.replace('_', "-")), v);
            }
        }
    }
    agree(seen, &expected, &["organisations", "covered-devices"]);
}

/// The findings page's counts are those of `GET /api/v1/findings` (the
/// organisation's latest plan): `findings` all of them, `<severity>-findings`
/// those of each severity.
pub fn findings(p: &Person, estate: &Estate, seen: &Seen) {
    let answer = p.api.get(&format!("/api/v1/findings?org={}", estate.a.id));
    assert_eq!(
        answer["plan"], estate.plan_a,
        "the findings are the saved plan's"
    );
    let all = answer["findings"].as_array().cloned().unwrap_or_default();
    assert!(!all.is_empty(), "the saved plan has findings: {answer}");
    let mut expected = Expected::new();
    expected.insert("findings".into(), all.len() as f64);
    // One figure per severity the page shows, zero included.
    for (name, _) in &seen.figures {
        if let Some(severity) = name.strip_suffix("-findings") {
            let n = all.iter().filter(|f| f["severity"] == severity).count();
            expected.insert(name.clone(), n as f64);
        }
    }
    agree(seen, &expected, &["findings"]);
}

/// The board report stored with the organisation's saved plan, as
/// `GET /api/v1/plans/{id}` gives it (`plan.board`).
pub fn board(p: &Person, estate: &Estate) -> Value {
    let stored = p.api.get(&format!("/api/v1/plans/{}", estate.plan_a));
    let board = &stored["plan"]["board"];
    assert!(board.is_object(), "plan --save stores the board: {stored}");
    board.clone()
}

/// The plan page's figures against the stored board's `plan`:
/// `cost-to-clear` is `summary.cost` in pounds (it is kept in pence),
/// `weeks-to-clear`, `actions` and `unscheduled-actions` as they are.
pub fn plan(p: &Person, estate: &Estate, seen: &Seen) {
    let plan = &board(p, estate)["plan"];
    let field = |v: &Value, what: &str| {
        v.as_f64()
            .unwrap_or_else(|| panic!("the board's plan has {what}: {plan}"))
    };
    let mut expected = Expected::new();
    expected.insert(
        "cost-to-clear".into(),
        field(&plan["summary"]["cost"], "summary.cost") / 100.0,
    );
    expected.insert(
        "actions".into(),
        field(&plan["summary"]["actions"], "summary.actions"),
    );
    expected.insert(
        "unscheduled-actions".into(),
        field(&plan["summary"]["unscheduled"], "summary.unscheduled"),
    );
    if let Some(weeks) = plan["weeks_to_clear"].as_f64() {
        expected.insert("weeks-to-clear".into(), weeks);
    }
    agree(seen, &expected, &["cost-to-clear", "actions"]);
}

/// Each site's section of the changes page (`data-from`, `data-to`: the
/// two scans it compares) has the counts of `GET /api/v1/diff` for those
/// scans, and the totals are their sums.
pub async fn changes(p: &Person, seen: &Seen) {
    const SITE: [(&str, &str); 6] = [
        ("new", "new"),
        ("gone", "gone"),
        ("changed", "changed"),
        ("came-back", "came_back"),
        ("replaced", "replaced"),
        ("unchanged", "unchanged"),
    ];
    const TOTALS: [&str; 4] = [
        "total-new",
        "total-gone",
        "total-changed",
        "total-came-back",
    ];
    let mut totals = Expected::new();
    let mut compared = 0;
    for section in p.find_all("section[data-site]").await {
        let from = section.attr("data-from").await.unwrap();
        let to = section.attr("data-to").await.unwrap();
        let (Some(from), Some(to)) = (from, to) else {
            continue;
        };
        compared += 1;
        let diff = p.api.get(&format!("/api/v1/diff?from={from}&to={to}"));
        let mut expected = Expected::new();
        for (i, (figure, field)) in SITE.into_iter().enumerate() {
            let v = diff["counts"][field]
                .as_f64()
                .unwrap_or_else(|| panic!("the diff's counts.{field}: {diff}"));
            expected.insert(figure.into(), v);
            if let Some(total) = TOTALS.get(i) {
                *totals.entry((*total).into()).or_default() += v;
            }
        }
        let part = Seen {
            path: format!("{} (scans {from} to {to})", seen.path),
            figures: figures_in(&section).await,
            source: String::new(),
        };
        agree(&part, &expected, &["new", "gone", "changed", "came-back"]);
    }
    assert!(
        compared > 0,
        "{}: the town hall's two scans are compared",
        seen.path
    );
    let page = Seen {
        path: seen.path.clone(),
        figures: seen
            .figures
            .iter()
            .filter(|(n, _)| !SITE.iter().any(|(f, _)| f == n))
            .cloned()
            .collect(),
        source: String::new(),
    };
    agree(&page, &totals, &TOTALS);
}

/// The device page's figures: its evidence (`evidence-items`: the API
/// device's `evidence`), the known exploited vulnerabilities that affect
/// it (`kev-affected`: `vulnerabilities` whose status is `affected`) and
/// its sightings (`sightings`: the history API's).
pub fn device(p: &Person, key: &str, device: &Value, seen: &Seen) {
    let d = &device["device"];
    let evidence = d["evidence"].as_array().map_or(0, Vec::len);
    let affected = d["vulnerabilities"].as_array().map_or(0, |v| {
        v.iter().filter(|k| k["status"] == "affected").count()
    });
    let history = p.api.get(&format!("/api/v1/devices/{key}/history"));
    let mut expected = Expected::new();
    expected.insert("evidence-items".into(), evidence as f64);
    expected.insert("kev-affected".into(), affected as f64);
    if let Some(n) = history["sightings"].as_f64() {
        expected.insert("sightings".into(), n);
    }
    agree(seen, &expected, &["evidence-items"]);
}

/// The figures inside one part of a page.
async fn figures_in(part: &Element) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for f in part
        .find_all(Locator::Css("[data-figure]"))
        .await
        .unwrap_or_default()
    {
        let name = f.attr("data-figure").await.unwrap().unwrap_or_default();
        out.push((name, f.text().await.unwrap().trim().to_owned()));
    }
    out
}

/// The device rows of a list page, which must be the API's devices for
/// the same filter, in its order (the first page of them when the page
/// links to a next one), each row's first link to the device's page, with
/// `devices-shown` their count.
pub async fn device_rows(p: &Person, query: &str, seen: &Seen) -> Vec<String> {
    let mut rows = Vec::new();
    for row in p.find_all("tr[data-device]").await {
        let key = row.attr("data-device").await.unwrap().unwrap_or_default();
        let first_link = row
            .find(Locator::Css("a"))
            .await
            .unwrap_or_else(|e| panic!("{}: the row of {key} has no link: {e}", seen.path));
        assert_eq!(
            first_link.attr("href").await.unwrap().unwrap_or_default(),
            format!("/devices/{key}"),
            "{}: a device row's first link goes to its page",
            seen.path
        );
        rows.push(key);
    }
    let api: Vec<String> = p.api.devices(query).iter().map(device_key).collect();
    let paged = !p.find_all("a[rel=\"next\"]").await.is_empty();
    if paged {
        assert!(
            api.starts_with(&rows),
            "{}: the first page {rows:?} begins the API's {api:?}",
            seen.path
        );
    } else {
        assert_eq!(rows, api, "{}: the rows are the API's devices", seen.path);
    }
    let total = p.api.devices("").len();
    let mut expected = Expected::new();
    expected.insert("devices-shown".into(), api.len() as f64);
    expected.insert("devices-total".into(), total as f64);
    expected.insert("devices-on-page".into(), rows.len() as f64);
    agree(seen, &expected, &["devices-shown", "devices-total"]);
    rows
}

/// Sets the filter form's field `name` to `value`, whatever control it
/// is, after checking it has a label.
pub async fn set_field(p: &Person, name: &str, value: &str) {
    let field = p.find(&format!("form#filters [name=\"{name}\"]")).await;
    let id = field.attr("id").await.unwrap().unwrap_or_default();
    assert!(
        !id.is_empty() && !p.find_all(&format!("label[for=\"{id}\"]")).await.is_empty(),
        "the filter {name} has a label"
    );
    let tag = field.tag_name().await.unwrap();
    let kind = field.attr("type").await.unwrap().unwrap_or_default();
    match (tag.as_str(), kind.as_str()) {
        ("select", _) => field
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("the filter {name} offers {value}: {e}")),
        ("input", "checkbox") => {
            if !field.is_selected().await.unwrap() {
                field.click().await.unwrap();
            }
        }
        _ => {
            field.clear().await.unwrap();
            field.send_keys(value).await.unwrap();
        }
    }
}

/// The maker the registry's answer names.
pub fn registry_maker(answer: &Value) -> String {
    answer["verdict"]["maker"]
        .as_str()
        .or_else(|| answer["profile"]["name"].as_str())
        .unwrap_or_else(|| panic!("the registry answers with a maker: {answer}"))
        .to_owned()
}
