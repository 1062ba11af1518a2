//! nmap's own service detection (`nmap -sV`) names the maker of the
//! simulated Hikvision and Dahua devices the way the truth file does: an
//! independent check that the simulation is faithful.

mod common;

use common::{ip, run, slug, text};

/// The vendor an nmap product string names, in the truth vocabulary.
fn vendor_of(product: &str) -> Option<&'static str> {
    let p = product.to_lowercase();
    [
        ("hikvision", "hikvision"),
        ("dahua", "dahua"),
        ("amcrest", "amcrest"),
        ("lorex", "lorex"),
        ("uc-httpd", "xiongmai"),
    ]
    .into_iter()
    .find(|(k, _)| p.contains(k))
    .map(|(_, v)| v)
}

#[test]
fn nmap_service_detection_agrees_with_the_truth_file() {
    if run("nmap", &["--version"]).is_none() {
        return;
    }
    let est = common::start(30, 11, 0.0);
    let targets: Vec<_> = est
        .truth
        .iter()
        .filter(|t| matches!(slug(&t.manufacturer), "hikvision" | "dahua" | "xiongmai"))
        .collect();
    assert!(targets.len() >= 8);
    let addrs: Vec<String> = targets.iter().map(|t| ip(t)).collect();
    let mut args = vec!["-sV", "-Pn", "-n", "-p", "80,554,8000", "-oX", "-"];
    args.extend(addrs.iter().map(String::as_str));
    let Some(o) = run("nmap", &args) else { return };
    let xml = text(&o);
    let mut named = 0;
    for t in &targets {
        let a = ip(t);
        let start = xml
            .find(&format!("addr=\"{a}\""))
            .expect("host in nmap output");
        let host = &xml[start..];
        let host = &host[..host.find("</host>").unwrap_or(host.len())];
        let mut products = Vec::new();
        let mut rest = host;
        while let Some(i) = rest.find("product=\"") {
            let r = &rest[i + 9..];
            let end = r.find('"').unwrap_or(r.len());
            products.push(r[..end].to_owned());
            rest = &r[end..];
        }
        for p in &products {
            if let Some(v) = vendor_of(p) {
                let truth = [slug(&t.manufacturer), slug(&t.label_vendor)];
                assert!(truth.contains(&v), "{a}: nmap says {p:?}, truth {truth:?}");
                named += 1;
            }
        }
        if matches!(slug(&t.manufacturer), "hikvision" | "dahua") {
            assert!(
                products.iter().any(|p| vendor_of(p).is_some()),
                "{a} ({}): nmap named no vendor: {products:?}",
                slug(&t.label_vendor)
            );
        }
    }
    assert!(named >= targets.len());
}
