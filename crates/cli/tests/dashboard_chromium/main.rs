//! The dashboard end to end in a real browser: Debian's headless Chromium
//! driven through chromedriver (WebDriver, the fantoccini crate), on an
//! estate built with the real binary (`estate.rs`) and served by the real
//! `camaudit serve` on 127.0.0.1.
//!
//! A viewer of one organisation walks it as a person would: `/` sends them
//! to the log-in page, they log in by the keyboard, read the overview
//! (also at 200 % zoom: nothing overflows sideways), filter the device
//! list, open a device and its evidence, the findings, the plan, the
//! changes and the registry (a rebrand's name gives its maker), try
//! another organisation's device, site and `?org=` by editing the URL (the
//! 404 page, with nothing of that organisation on it), and log out. An
//! admin sees the roll-up across organisations.
//!
//! Every page fails the test if its heading is an error, if the browser
//! logs an error (a CSP violation is one), or if it asks for anything
//! outside the server; every `[data-figure]` of the overview, devices,
//! findings and changes pages must equal the API's answer to the same
//! person's token. Screenshots of each page are left in
//! target/tmp/dashboard-chromium/ (see docs/dashboard.md, "Testing").

#[path = "../common/mod.rs"]
mod common;

mod api;
mod driver;
mod estate;
mod figures;
mod walk;

use std::path::{Path, PathBuf};

use api::{Api, device_key};
use driver::Chromedriver;
use estate::{Estate, names_of};
use walk::{Person, Shots};

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard-chromium");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The window of every session: a laptop's.
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 1000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_and_an_admin_walk_the_dashboard_and_its_numbers_agree_with_the_api() {
    let Some(chromedriver) = driver::on_path("chromedriver") else {
        camaudit_testkit::skip("chromedriver is not installed (apt-get install chromium-driver)");
        return;
    };
    let artifacts = artifacts();
    let dir = common::temp_dir("dashboard-chromium");
    let estate = estate::build(&dir);
    let driver = Chromedriver::start(&chromedriver, &artifacts.join("chromedriver.log"));
    let mut shots = Shots::new(&artifacts);

    let viewer = person(&driver, &estate, &artifacts, "viewer-a", &estate.viewer_a).await;
    viewer_walk(&viewer, &estate, &mut shots).await;
    viewer.session.close().await;

    let admin = person(&driver, &estate, &artifacts, "admin", &estate.admin).await;
    admin_walk(&admin, &estate, &mut shots).await;
    admin.session.close().await;
    eprintln!("screenshots: {}", artifacts.display());
}

async fn person(
    driver: &Chromedriver,
    estate: &Estate,
    artifacts: &Path,
    who: &'static str,
    token: &str,
) -> Person {
    let profile = artifacts.join(format!("profile-{who}"));
    Person {
        who,
        session: driver.session(&profile, WIDTH, HEIGHT).await,
        api: Api::new(&estate.serve.url, token),
        base: estate.serve.url.clone(),
    }
}

async fn viewer_walk(p: &Person, estate: &Estate, shots: &mut Shots) {
    p.logs_see_what_they_check().await;
    p.log_in(shots, &estate.viewer_a).await;
    overview(p, estate, shots).await;
    zoomed_overview(p, shots).await;
    devices(p, shots).await;
    changes(p, shots).await;
    registry(p, shots).await;
    findings(p, estate, shots).await;
    plan(p, estate, shots).await;
    other_organisation(p, estate, shots).await;
    viewer_rollup(p, estate, shots).await;
    log_out(p, shots).await;
}

async fn overview(p: &Person, estate: &Estate, shots: &mut Shots) {
    let seen = p.check(shots, "overview", None).await;
    assert!(
        seen.source.contains(estate.a.name),
        "the overview names the viewer's organisation"
    );
    no_trace_of(&seen.source, &estate.b, "the overview");
    figures::overview(p, estate, &seen);
    // By the keyboard, the first stop on a page is the link past the
    // navigation to its content.
    let first = p.tab().await;
    assert_eq!(
        first.attr("href").await.unwrap().as_deref(),
        Some("#main"),
        "the first Tab on the overview reaches the skip link"
    );
}

/// The overview at 200 % zoom: a window half as wide holds the page with
/// nothing wider than it.
async fn zoomed_overview(p: &Person, shots: &mut Shots) {
    let client = &p.session.client;
    client.set_window_size(WIDTH / 2, HEIGHT).await.unwrap();
    p.goto("/").await;
    let seen = p.check(shots, "overview-200-percent", None).await;
    let widths = client
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, client_width) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
    assert!(
        scroll <= client_width,
        "at 200 % the overview is {scroll} px wide in a {client_width} px window ({})",
        seen.path
    );
    client.set_window_size(WIDTH, HEIGHT).await.unwrap();
}

async fn devices(p: &Person, shots: &mut Shots) {
    p.follow_nav("/devices").await;
    let all = p.check(shots, "devices", None).await;
    let listed = figures::device_rows(p, "", &all).await;
    // The filter a security officer reaches for: covered equipment of the
    // maker with most of it.
    let covered = p.api.devices("covered=true");
    let maker = most_common_maker(&covered);
    let form = "form#filters[method=\"get\"]";
    p.find(form).await;
    figures::set_field(p, "covered", "true").await;
    figures::set_field(p, "maker", &maker).await;
    p.find(&format!("{form} [type=\"submit\"]"))
        .await
        .click()
        .await
        .unwrap();
    p.wait_until_at("the filtered list", |at| {
        at.starts_with("/devices?") && at.contains("covered=true") && at.contains(&maker)
    })
    .await;
    let filtered = p.check(shots, "devices-filtered", None).await;
    let query = format!("covered=true&maker={maker}");
    let narrowed = figures::device_rows(p, &query, &filtered).await;
    assert!(
        !narrowed.is_empty() && narrowed.len() < listed.len(),
        "covered {maker} narrows {} rows to {}",
        listed.len(),
        narrowed.len()
    );
    device_page(p, &narrowed[0], shots).await;
}

fn most_common_maker(devices: &[serde_json::Value]) -> String {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for d in devices {
        if let Some(m) = d["device"]["manufacturer"].as_str() {
            *counts.entry(m.to_owned()).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(m, _)| m)
        .expect("the estate has covered devices with a known maker")
}

/// The first row's first link opens that device, and its evidence shows.
async fn device_page(p: &Person, key: &str, shots: &mut Shots) {
    let row = p.find(&format!("tr[data-device=\"{key}\"]")).await;
    let link = row.find(fantoccini::Locator::Css("a")).await.unwrap();
    let href = link.attr("href").await.unwrap().unwrap_or_default();
    assert_eq!(href, format!("/devices/{key}"), "a device row's first link");
    link.click().await.unwrap();
    p.wait_for_path(&href).await;
    let seen = p.check(shots, "device", None).await;
    let device = p.api.get(&format!("/api/v1/devices/{key}"));
    figures::device(p, key, &device, &seen);
    let evidence = device["device"]["evidence"]
        .as_array()
        .expect("the API's device has evidence");
    let text = p.find("main").await.text().await.unwrap();
    for e in evidence {
        let value = e["value"].as_str().unwrap_or_default();
        assert!(
            text.contains(value),
            "the device page {} shows the evidence value {value:?}",
            seen.path
        );
    }
}

async fn findings(p: &Person, estate: &Estate, shots: &mut Shots) {
    p.follow_nav("/findings").await;
    let seen = p.check(shots, "findings", None).await;
    figures::findings(p, estate, &seen);
}

async fn plan(p: &Person, estate: &Estate, shots: &mut Shots) {
    p.follow_nav("/plan").await;
    let seen = p.check(shots, "plan", None).await;
    figures::plan(p, estate, &seen);
    assert!(
        seen.source.contains("<svg") && seen.source.contains("<title"),
        "{}: the plan's charts are inline SVG with a title",
        seen.path
    );
}

async fn changes(p: &Person, shots: &mut Shots) {
    p.follow_nav("/changes").await;
    let seen = p.check(shots, "changes", None).await;
    figures::changes(p, &seen).await;
}

/// A rebrand's name typed into the registry's form gives its maker.
async fn registry(p: &Person, shots: &mut Shots) {
    p.follow_nav("/registry").await;
    p.check(shots, "registry", None).await;
    let brand = "Annke";
    let answer = p.api.get(&format!("/api/v1/registry?q={brand}"));
    let field = p.find("form[method=\"get\"] input[name=\"q\"]").await;
    field.send_keys(brand).await.unwrap();
    field
        .send_keys(&char::from(fantoccini::key::Key::Enter).to_string())
        .await
        .unwrap();
    p.wait_until_at("the registry's answer", |at| {
        at.starts_with("/registry?") && at.contains(&format!("q={brand}"))
    })
    .await;
    p.check(shots, "registry-answer", None).await;
    let maker = figures::registry_maker(&answer);
    let text = p.find("main").await.text().await.unwrap();
    assert!(
        text.to_lowercase().contains(&maker.to_lowercase()),
        "the registry page for {brand} names its maker {maker}: {text}"
    );
}

/// Editing the URL to organisation B's device, site or `?org=` answers the
/// 404 page, with nothing of B on it.
async fn other_organisation(p: &Person, estate: &Estate, shots: &mut Shots) {
    let admin = Api::new(&estate.serve.url, &estate.admin);
    let b_devices = admin.devices(&format!("site={}", estate.b.sites[0].id));
    let b_device = device_key(b_devices.first().expect("organisation B has devices"));
    // The check is not blind: the device exists, and A's token is refused.
    assert_eq!(admin.answer(&format!("/api/v1/devices/{b_device}")).0, 200);
    assert_eq!(p.api.answer(&format!("/api/v1/devices/{b_device}")).0, 404);
    let viewer_b = Api::new(&estate.serve.url, &estate.viewer_b);
    assert_eq!(
        viewer_b.answer(&format!("/api/v1/devices/{b_device}")).0,
        200
    );
    let b = estate.b.id;
    let b_site = estate.b.sites[0].id;
    let urls = [
        format!("/devices/{b_device}"),
        format!("/devices?site={b_site}"),
        format!("/?org={b}"),
        format!("/devices?org={b}"),
        format!("/findings?org={b}"),
        format!("/plan?org={b}"),
        format!("/changes?org={b}"),
    ];
    for (n, url) in urls.iter().enumerate() {
        p.goto(url).await;
        let seen = p
            .check(shots, &format!("other-organisation-{}", n + 1), Some(404))
            .await;
        no_trace_of(&seen.source, &estate.b, url);
    }
}

/// The roll-up, reached by its URL: a viewer sees the sectors' figures and
/// their own organisation's row, never another organisation's name.
async fn viewer_rollup(p: &Person, estate: &Estate, shots: &mut Shots) {
    p.goto("/rollup").await;
    let seen = p.check(shots, "rollup-viewer", None).await;
    figures::rollup(p, &seen);
    assert!(
        seen.source.contains(estate.a.name),
        "the viewer's own row is on the roll-up"
    );
    no_trace_of(&seen.source, &estate.b, "the viewer's roll-up");
}

async fn log_out(p: &Person, shots: &mut Shots) {
    p.goto("/").await;
    let button = p.find("form.logout button[type=\"submit\"]").await;
    button.click().await.unwrap();
    p.wait_for_path("/login").await;
    p.check(shots, "logged-out", None).await;
    p.goto("/").await;
    let at = p.at().await;
    assert!(
        at.starts_with("/login"),
        "after log-out / is {at}, not the log-in page"
    );
    p.check_logs(&at, false);
}

async fn admin_walk(p: &Person, estate: &Estate, shots: &mut Shots) {
    p.log_in(shots, &estate.admin).await;
    p.follow_nav("/rollup").await;
    let seen = p.check(shots, "rollup", None).await;
    figures::rollup(p, &seen);
    for org in [&estate.a, &estate.b] {
        assert!(
            seen.source.contains(org.name),
            "the admin's roll-up has a row for {}",
            org.name
        );
    }
    p.goto(&format!("/?org={}", estate.b.id)).await;
    let seen = p.check(shots, "overview-admin-org-b", None).await;
    assert!(
        seen.source.contains(estate.b.name),
        "?org= picks organisation B for an admin"
    );
}

/// Nothing that names organisation `org` is in the page.
fn no_trace_of(source: &str, org: &estate::Org, page: &str) {
    for name in names_of(org) {
        assert!(
            !source.contains(name),
            "{page} shows {name:?}, of an organisation the viewer may not see"
        );
    }
}
