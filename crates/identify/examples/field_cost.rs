//! Prints the matching cost of each observation template of the benchmark,
//! to see which fields dominate: `cargo run --release -p camaudit-identify --example field_cost`.

use std::time::Instant;

use camaudit_identify::Engine;

const TEMPLATES: &[(&str, &str)] = &[
    ("http.header.server", "App-webs/"),
    ("http.header.server", "nginx/1.18.0"),
    ("http.header.date", "Mon, 23 Nov 2026 09:00:00 GMT"),
    (
        "http.header.www-authenticate",
        "Digest realm=\"IP Camera(C2358)\", nonce=\"abc\", qop=\"auth\"",
    ),
    ("http.title", "Login"),
    ("rtsp.header.server", "Dahua Rtsp Server"),
    ("onvif.scope", "onvif://www.onvif.org/type/video_encoder"),
    ("sadp.devicedescription", "DS-2CD2385G1-I"),
    (
        "tls.cert.subject",
        "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN",
    ),
    ("mac", "58:50:ed:1f:e3:85"),
    ("snmp.sysdescr", "Linux router 5.4.0 #1 SMP armv7l"),
    (
        "http.body",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DeviceInfo version=\"1.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><deviceName>IP CAMERA</deviceName><model>DS-2CD2385G1-I</model><firmwareVersion>V5.6.2</firmwareVersion></DeviceInfo>",
    ),
];

fn main() {
    if let Some(f) = std::env::args().nth(1) {
        let engine = Engine::builtin().expect("engine");
        let v = TEMPLATES
            .iter()
            .find(|t| t.0 == f)
            .map(|t| t.1)
            .unwrap_or_default();
        per_rule(&engine, &f, v);
        chunked(&engine, &f, v);
        captures(&engine, &f, v);
        return;
    }
    let engine = Engine::builtin().expect("engine");
    let mut hits = Vec::new();
    for (field, value) in TEMPLATES {
        let n = 200_000;
        let start = Instant::now();
        for _ in 0..n {
            hits.clear();
            engine.rules().matches(field, value, &mut hits);
        }
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        println!("{ns:>8.0} ns  {} hits  {field} = {:.40}", hits.len(), value);
    }
}

/// Per-rule cost on one value, to find the expensive patterns of a field.
pub fn per_rule(engine: &Engine, field: &str, value: &str) {
    for r in engine
        .rules()
        .rules()
        .iter()
        .filter(|r| r.fields.matches(field))
    {
        let n = 20_000;
        let start = Instant::now();
        for _ in 0..n {
            std::hint::black_box(r.pattern.is_match(value));
        }
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        if ns > 200.0 {
            println!("{ns:>8.0} ns  {}", r.id);
        }
    }
}

/// Cost of matching a field's rules as RegexSets of `k` patterns each.
pub fn chunked(engine: &Engine, field: &str, value: &str) {
    let pats: Vec<&str> = engine
        .rules()
        .rules()
        .iter()
        .filter(|r| r.fields.matches(field))
        .map(|r| r.pattern.as_str())
        .collect();
    for k in [1, 4, 8, 16, 32, 64] {
        let sets: Vec<regex::RegexSet> = pats
            .chunks(k)
            .map(|c| regex::RegexSet::new(c).expect("set"))
            .collect();
        let n = 20_000;
        let start = Instant::now();
        for _ in 0..n {
            for s in &sets {
                if s.is_match(value) {
                    std::hint::black_box(s.matches(value));
                }
            }
        }
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        println!("{field} ({} rules) chunk {k:>2}: {ns:>8.0} ns", pats.len());
    }
}

/// Cost of the capture groups of each rule that matches.
pub fn captures(engine: &Engine, field: &str, value: &str) {
    for r in engine
        .rules()
        .rules()
        .iter()
        .filter(|r| r.fields.matches(field) && r.pattern.is_match(value))
    {
        let n = 20_000;
        let start = Instant::now();
        for _ in 0..n {
            std::hint::black_box(r.pattern.captures(value));
        }
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        println!("captures {ns:>8.0} ns  {}", r.id);
    }
}
