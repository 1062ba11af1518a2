//! Matching throughput with the full built-in rule set.
//!
//! `cargo bench -p camaudit-identify` — results and the machine go in
//! BENCHMARKS.md. The observation mix imitates what a scan of a mixed estate
//! produces: most fields have no rule (dates, content types), some carry the
//! banners and discovery fields the rules read, a few are long bodies.

use std::net::{IpAddr, Ipv4Addr};

use camaudit_identify::Engine;
use camaudit_model::Observation;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const TEMPLATES: &[(&str, &str)] = &[
    ("http.header.server", "App-webs/"),
    ("http.header.server", "nginx/1.18.0"),
    ("http.header.server", "Apache/2.4.41 (Ubuntu)"),
    ("http.header.server", "lighttpd/1.4.35"),
    ("http.header.server", "Boa/0.94.14rc21"),
    ("http.header.date", "Mon, 23 Nov 2026 09:00:00 GMT"),
    ("http.header.content-type", "text/html; charset=utf-8"),
    (
        "http.header.www-authenticate",
        "Digest realm=\"IP Camera(C2358)\", nonce=\"abc\", qop=\"auth\"",
    ),
    (
        "http.header.www-authenticate",
        "Basic realm=\"AXIS_ACCC8E012345\"",
    ),
    ("http.title", "Login"),
    ("http.title", "AXIS"),
    ("http.title", "WEB SERVICE"),
    ("http.status", "401"),
    ("rtsp.header.server", "Dahua Rtsp Server"),
    ("rtsp.header.server", "HIKVISION Rtsp Server"),
    ("onvif.scope", "onvif://www.onvif.org/type/video_encoder"),
    (
        "onvif.scope",
        "onvif://www.onvif.org/hardware/DS-2CD2385G1-I",
    ),
    (
        "onvif.scope",
        "onvif://www.onvif.org/name/HIKVISION%20DS-2CD2385G1-I",
    ),
    (
        "onvif.scope",
        "onvif://www.onvif.org/location/city/hangzhou",
    ),
    ("sadp.devicedescription", "DS-2CD2385G1-I"),
    ("sadp.softwareversion", "V5.6.2build 190701"),
    ("dhip.devicetype", "IPC-HDW1431T1-S4"),
    ("dhip.version", "2.800.0000000.13.R"),
    (
        "tls.cert.subject",
        "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN",
    ),
    ("tls.cert.subject", "CN=example.org"),
    ("mac", "58:50:ed:1f:e3:85"),
    ("mac", "ac:cc:8e:01:02:03"),
    ("mac", "00:11:22:33:44:55"),
    ("snmp.sysdescr", "Linux router 5.4.0 #1 SMP armv7l"),
    (
        "http.body",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DeviceInfo version=\"1.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><deviceName>IP CAMERA</deviceName><model>DS-2CD2385G1-I</model><firmwareVersion>V5.6.2</firmwareVersion></DeviceInfo>",
    ),
];

fn observations(n: usize) -> Vec<Observation> {
    (0..n)
        .map(|i| {
            let (field, value) = TEMPLATES[i % TEMPLATES.len()];
            let device = (i / TEMPLATES.len()) as u32;
            let addr = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + device));
            Observation::new(addr, Some(80), field, value).expect("valid benchmark observation")
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let engine = Engine::builtin().expect("built-in engine");
    let obs = observations(200_000);
    let mut group = c.benchmark_group("identify");
    group.throughput(Throughput::Elements(obs.len() as u64));
    group.sample_size(10);
    group.bench_function("rules_match_200k_observations", |b| {
        let mut hits = Vec::new();
        b.iter(|| {
            let mut n = 0usize;
            for o in &obs {
                hits.clear();
                engine
                    .rules()
                    .matches(o.field.as_str(), &o.value, &mut hits);
                n += hits.len();
            }
            n
        })
    });
    group.bench_function("full_identify_200k_observations", |b| {
        b.iter(|| engine.identify(&obs).len())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
