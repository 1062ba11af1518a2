use super::*;

/// The 13 devices `camaudit identify examples/observations.jsonl` finds,
/// with their evidence.
fn devices() -> Vec<Device> {
    let text = include_str!("../../tests/golden/devices-observations.json");
    serde_json::from_str(text).expect("recorded devices")
}

fn scan(devices: usize) -> ScanSummary {
    ScanSummary {
        target: "10.20.0.0/16".into(),
        addresses: 65536,
        ports: 18,
        elapsed_seconds: 12.34,
        devices,
        interrupted: false,
    }
}

fn accuracy() -> Accuracy {
    Accuracy {
        covered_truth: 8,
        covered_found: 7,
        maker_right: 11,
        maker_wrong: 1,
        rebrands_truth: 2,
        rebrands_unmasked: 2,
        trusted_called_covered: 0,
        decoys_called_cameras: 0,
    }
}

fn page(devices: &[Device]) -> String {
    demo_report_html(&scan(devices.len()), 14, devices, &accuracy()).expect("rendered")
}

#[test]
fn one_self_contained_page_without_script() {
    let html = page(&devices());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    for outside in ["<script", "src=", "<link", "@import", "url("] {
        assert!(!html.contains(outside), "{outside} in the page");
    }
    assert!(html.contains("<svg") && html.contains("<style>"));
}

#[test]
fn headline_cards_and_accuracy_carry_the_figures() {
    let html = page(&devices());
    assert!(
        html.contains("<b>7 of 13</b> devices found (54%) are made by companies subject to the PRC National Intelligence Law"),
        "headline"
    );
    assert!(html.contains(". <b>2</b> of them are sold under another company's brand"));
    assert!(html.contains("<b>87.5%</b><span>of covered devices found</span>"));
    assert!(html.contains("<b>91.7%</b><span>of makers named correctly</span>"));
    assert!(html.contains("<td class=\"num\">7 of 8 (87.5%)</td>"));
    assert!(html.contains("scanned 65536 addresses × 18 ports in 12.3 s"));
    assert!(!html.contains("stopped early"));
}

#[test]
fn chart_has_one_bar_per_maker_covered_first() {
    let html = page(&devices());
    let bars: Vec<&str> = html.split("<rect ").skip(1).collect();
    // Ten makers and the device whose maker was not proven.
    assert_eq!(bars.len(), 11, "{html}");
    // Covered first, most devices first, then by name.
    assert!(bars[0].contains("fill=\"#b42318\"") && bars[0].contains("<title>Dahua: 2</title>"));
    assert!(bars[1].contains("<title>Hikvision: 2</title>"));
    assert!(bars[5].contains("fill=\"#98a2b3\"") && bars[5].contains("<title>Axis: 1</title>"));
    assert!(
        bars.last()
            .is_some_and(|b| b.contains("<title>maker not proven: 1</title>")),
        "the unproven last"
    );
}

#[test]
fn rebrands_are_explained_in_words_with_the_raw_evidence_beside() {
    let html = page(&devices());
    let section = html
        .split("<h2 id=\"rebrands\">Rebrands unmasked</h2>")
        .nth(1)
        .and_then(|s| s.split("<h2 ").next())
        .expect("a rebrands section");
    assert!(section.contains("<td>Annke<br>"), "{section}");
    assert!(section.contains("<td><b>Hikvision</b></td>"), "{section}");
    assert!(section.contains("<td>Lorex<br><span class=\"muted small\">a former subsidiary&#39;s brand</span></td><td><b>Dahua</b></td>"), "{section}");
    assert!(section.contains("<li>The "), "sentences: {section}");
    assert!(
        section.contains("<tr class=\"cov\"><td>Lorex</td><td><b>Dahua</b></td><td>a former subsidiary&#39;s brand</td><td class=\"num\">1</td></tr>"),
        "the summary by brand: {section}"
    );
    assert!(section.contains("<details><summary>raw evidence</summary><code>"));
}

#[test]
fn regimes_are_named_in_words() {
    let html = page(&devices());
    assert!(html.contains("US National Defense Authorization Act 2019, section 889 <span class=\"muted small\">(ndaa-889)</span>"));
}

#[test]
fn every_value_is_escaped() {
    let mut found = devices();
    found[0].model = Some("<script>alert('x')</script>".into());
    found[0].evidence[0].value = "</code><img src=x onerror=alert(1)>".into();
    let html = page(&found);
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<img"));
    assert!(html.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;"));
    assert!(html.contains("&#60;/code&#62;&#60;img src=x"));
}

#[test]
fn an_empty_scan_still_renders() {
    let html = demo_report_html(&scan(0), 0, &[], &Accuracy::default()).expect("rendered");
    assert!(html.contains("<b>0 of 0</b> devices found (0%)"));
    assert!(html.contains("No device carried another company's brand."));
    assert!(html.contains("No device found falls under a regime."));
}
