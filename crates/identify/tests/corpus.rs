//! Runs the public fingerprint data in `../shared/corpus/` that names the
//! makers camaudit covers or trusts through the identify engine, and reports
//! the share it gets right.
//!
//! - Rapid7 Recog (BSD-2-Clause): every `<example>` of every fingerprint whose
//!   hardware (else OS) vendor is one of the makers, fed as the observation
//!   field that Recog database describes.
//! - Ingram's and Nuclei's HTTP detection rules (reference data): each
//!   matcher turned into the observation it describes.
//!
//! The corpus is found through `CAMAUDIT_CORPUS` or at `<workspace>/../shared/corpus`.
//! When it is absent (a clone outside the camaudit workplace) the test says
//! so and passes; CI runs where it is present.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use camaudit_identify::Engine;
use camaudit_model::{Device, Observation};

/// The minimum share of corpus examples that must be attributed right.
const REQUIRED_SHARE: f64 = 0.95;

fn corpus_dir() -> Option<PathBuf> {
    camaudit_testkit::corpus_part("recog").and_then(|recog| recog.parent().map(Path::to_path_buf))
}

/// Recog database file → the observation field its strings come from.
const RECOG_FIELDS: [(&str, &str); 13] = [
    ("http_servers.xml", "http.header.server"),
    ("html_title.xml", "http.title"),
    ("http_wwwauth.xml", "http.header.www-authenticate"),
    ("rtsp_servers.xml", "rtsp.header.server"),
    ("x509_subjects.xml", "tls.cert.subject"),
    ("x509_issuers.xml", "tls.cert.issuer"),
    ("favicons.xml", "http.favicon.md5"),
    ("telnet_banners.xml", "telnet.banner"),
    ("ftp_banners.xml", "ftp.banner"),
    ("dhcp_vendor_class.xml", "dhcp.vendor_class"),
    ("snmp_sysdescr.xml", "snmp.sysdescr"),
    ("sip_user_agents.xml", "sip.user_agent"),
    ("mdns_device-info_txt.xml", "mdns.txt"),
];

/// Recog vendor name → camaudit slug, and whether the maker is covered.
/// Samsung and Panasonic count only for their security-camera lines (now
/// Hanwha Vision and i-PRO); their TVs, printers and PBXs are other firms.
fn maker_for(vendor: &str, device: Option<&str>) -> Option<(&'static str, bool)> {
    let camera_like = device.is_some_and(|d| {
        let d = d.to_ascii_lowercase();
        d.contains("camera") || d.contains("dvr") || d.contains("nvr") || d.contains("video")
    });
    Some(match vendor.to_ascii_lowercase().as_str() {
        "hikvision" => ("hikvision", true),
        "dahua" => ("dahua", true),
        "xiongmai technology" | "xiongmai" => ("xiongmai", true),
        "huawei" => ("huawei", true),
        "uniview" => ("uniview", true),
        "tvt" => ("tvt", true),
        "tiandy" => ("tiandy", true),
        "ezviz" => ("ezviz", true),
        "lorex" => ("lorex", true),
        "annke" => ("annke", true),
        "axis" => ("axis", false),
        "hanwha techwin" | "hanwha" => ("hanwha", false),
        "samsung" if camera_like => ("hanwha", false),
        "bosch" => ("bosch", false),
        "avigilon" => ("avigilon", false),
        "motorola" => ("motorola-solutions", false),
        "mobotix" => ("mobotix", false),
        "vivotek" => ("vivotek", false),
        "panasonic" if camera_like => ("i-pro", false),
        "sony" => ("sony", false),
        "pelco" => ("pelco", false),
        "ubiquiti" => ("ubiquiti", false),
        _ => return None,
    })
}

/// One corpus example and what it should come out as.
struct Case {
    origin: String,
    field: String,
    value: String,
    maker: &'static str,
    covered: bool,
}

fn recog_cases(dir: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    for (file, field) in RECOG_FIELDS {
        let path = dir.join("recog").join(file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let opts = roxmltree::ParsingOptions {
            allow_dtd: false,
            ..Default::default()
        };
        let doc = roxmltree::Document::parse_with_options(&text, opts)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for fp in doc.descendants().filter(|n| n.has_tag_name("fingerprint")) {
            let param = |name: &str| {
                fp.children()
                    .find(|p| p.has_tag_name("param") && p.attribute("name") == Some(name))
                    .and_then(|p| p.attribute("value"))
            };
            let device = param("hw.device").or(param("os.device"));
            // camaudit names who made the device, so the maker is the
            // hardware vendor, else the OS vendor. A fingerprint naming a firm
            // only as `service.vendor` (PS3 Media Server "by Sony" on a PC,
            // Ubiquiti's UNMS on any Linux host) describes software that runs
            // anywhere, and is not a case.
            let vendor = param("hw.vendor")
                .or(param("os.vendor"))
                .and_then(|v| maker_for(v, device));
            let Some((maker, covered)) = vendor else {
                continue;
            };
            let pattern = fp.attribute("pattern").unwrap_or_default();
            for ex in fp.children().filter(|n| n.has_tag_name("example")) {
                let raw = ex.text().unwrap_or_default();
                let value = if ex.attribute("_encoding") == Some("base64") {
                    match decode_base64(raw) {
                        Some(v) => v,
                        None => continue,
                    }
                } else {
                    raw.to_owned()
                };
                cases.push(Case {
                    origin: format!("recog/{file} {pattern}"),
                    field: field.to_owned(),
                    value,
                    maker,
                    covered,
                });
            }
        }
    }
    cases
}

/// Ingram's rules.csv lines are `maker,path,matcher` with `headers=`,
/// `title=`, `body=` or `md5=` matchers; Nuclei's templates name a body
/// phrase, a Server header, a title and favicon hashes. Each becomes the
/// observation a device would produce.
fn scanner_rule_cases(dir: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    let ingram =
        std::fs::read_to_string(dir.join("protocols/ingram/rules.csv")).unwrap_or_default();
    for line in ingram.lines() {
        let mut parts = line.splitn(3, ',');
        let (Some(maker), Some(path), Some(matcher)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let Some((maker, covered)) = maker_for(maker, None) else {
            continue;
        };
        for clause in matcher.split("&&") {
            let Some((kind, quoted)) = clause.split_once('=') else {
                continue;
            };
            let term = quoted.trim_matches('`');
            let (field, value) = match kind {
                "headers" if term.starts_with('_') => {
                    ("http.header.set-cookie", format!("{term}=1"))
                }
                "headers" => ("http.header.server", term.to_owned()),
                "title" => ("http.title", term.to_owned()),
                "body" => (
                    "http.body",
                    format!("<script>location.href=\"{term}\"</script>"),
                ),
                "md5" if path.ends_with("favicon.ico") => ("http.favicon.md5", term.to_owned()),
                _ => continue,
            };
            cases.push(Case {
                origin: format!("ingram/rules.csv {line}"),
                field: field.to_owned(),
                value,
                maker,
                covered,
            });
        }
    }
    let nuclei: [(&str, &str, &str, &'static str); 5] = [
        (
            "hikvision-detect",
            "http.body",
            "<p>Copyright Hikvision Digital Technology Co., Ltd.</p>",
            "hikvision",
        ),
        (
            "hikvision-detect",
            "http.header.server",
            "Hikvision-Webs",
            "hikvision",
        ),
        (
            "hikvision-detect",
            "http.favicon.mmh3",
            "999357577",
            "hikvision",
        ),
        ("dahua-web-panel", "http.title", "WEB SERVICE", "dahua"),
        (
            "dahua-web-panel",
            "http.favicon.mmh3",
            "1653394551",
            "dahua",
        ),
    ];
    for (template, field, value, maker) in nuclei {
        cases.push(Case {
            origin: format!("nuclei/{template}"),
            field: field.to_owned(),
            value: value.to_owned(),
            maker,
            covered: true,
        });
    }
    cases
}

fn identify_one(engine: &Engine, field: &str, value: &str) -> Option<Device> {
    let addr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    let obs = Observation::new(addr, Some(80), field, value).ok()?;
    engine.identify([&obs]).into_iter().next()
}

fn is_right(d: &Option<Device>, case: &Case) -> bool {
    d.as_ref().is_some_and(|d| {
        let named = |v: &Option<camaudit_model::VendorId>| {
            v.as_ref().is_some_and(|v| v.as_str() == case.maker)
        };
        (named(&d.manufacturer) || named(&d.label_vendor)) && d.covered == case.covered
    })
}

#[test]
fn corpus_fingerprints_of_the_makers_are_identified() {
    let Some(dir) = corpus_dir() else { return };
    let engine = Engine::builtin().expect("built-in engine");
    let mut cases = recog_cases(&dir);
    cases.extend(scanner_rule_cases(&dir));
    assert!(
        cases.len() > 100,
        "too few corpus cases found ({}): is the corpus complete?",
        cases.len()
    );
    let mut per_maker: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut trusted_called_covered = Vec::new();
    for case in &cases {
        let d = identify_one(&engine, &case.field, &case.value);
        let entry = per_maker.entry(case.maker).or_default();
        entry.1 += 1;
        if is_right(&d, case) {
            entry.0 += 1;
        } else {
            let got = d.as_ref().map_or("no device".to_owned(), |d| {
                format!(
                    "manufacturer={:?} label={:?} covered={}",
                    d.manufacturer, d.label_vendor, d.covered
                )
            });
            misses.push(format!(
                "  {} = {:?} ({}): {got}",
                case.field, case.value, case.origin
            ));
        }
        if !case.covered && d.as_ref().is_some_and(|d| d.covered) {
            trusted_called_covered.push(format!("  {} = {:?}", case.field, case.value));
        }
    }
    let right: usize = per_maker.values().map(|v| v.0).sum();
    let share = right as f64 / cases.len() as f64;
    eprintln!(
        "corpus: {right}/{} right ({:.1}%)",
        cases.len(),
        share * 100.0
    );
    for (maker, (r, n)) in &per_maker {
        eprintln!("  {maker:<20} {r}/{n}");
    }
    if !misses.is_empty() {
        eprintln!("misses:\n{}", misses.join("\n"));
    }
    assert!(
        trusted_called_covered.is_empty(),
        "trusted makers called covered:\n{}",
        trusted_called_covered.join("\n")
    );
    assert!(
        share >= REQUIRED_SHARE,
        "only {:.1}% of corpus cases right",
        share * 100.0
    );
}

fn decode_base64(s: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|b| !b.is_ascii_whitespace() && *b != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32;
        bits = bits << 6 | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}
