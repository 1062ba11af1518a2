//! The scanner against tiny servers written here, on 127.0.x addresses
//! only: a Hikvision-like web server, an RTSP server, a device that sends
//! endless headers, one that never answers, and one that records every
//! request so the test can check nothing unsafe was sent.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use camaudit_model::{Observation, Source};
use camaudit_probe::{ScanConfig, Scanner, TargetSet};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

type Log = Arc<Mutex<Vec<String>>>;

async fn read_request(s: &mut tokio::net::TcpStream) -> String {
    let mut buf = vec![0u8; 8192];
    let mut got = Vec::new();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") && got.len() < 8192 {
        match tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// Serves `respond(request) -> reply bytes` on `addr`, logging requests.
async fn serve(addr: SocketAddr, log: Log, respond: fn(&str) -> Vec<u8>) -> bool {
    let Ok(l) = TcpListener::bind(addr).await else {
        return false;
    };
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                loop {
                    let req = read_request(&mut s).await;
                    if req.is_empty() {
                        return;
                    }
                    log.lock().unwrap().push(req.clone());
                    let reply = respond(&req);
                    if s.write_all(&reply).await.is_err() || !req.starts_with("OPTIONS") {
                        return;
                    }
                }
            });
        }
    });
    true
}

fn hik_web(req: &str) -> Vec<u8> {
    let path = req.split_whitespace().nth(1).unwrap_or("/");
    let (status, body) = match path {
        "/" => ("302 Found\r\nLocation: /doc/page/login.asp", String::new()),
        "/doc/page/login.asp" => ("200 OK", "<html><head><title>login</title></head><script src=\"../script/lib/jquery.js\"></script></html>".into()),
        "/ISAPI/System/deviceInfo" => ("401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"DS-2CD2385G1-I\", nonce=\"x\"", String::new()),
        _ => ("404 Not Found", "nope".into()),
    };
    format!(
        "HTTP/1.1 {status}\r\nServer: App-webs/\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn rtsp(req: &str) -> Vec<u8> {
    let cseq = req
        .lines()
        .find_map(|l| l.strip_prefix("CSeq: "))
        .unwrap_or("0")
        .trim()
        .to_owned();
    if req.starts_with("OPTIONS") {
        format!("RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nServer: Dahua Rtsp Server\r\nPublic: OPTIONS, DESCRIBE\r\n\r\n").into_bytes()
    } else {
        format!("RTSP/1.0 401 Unauthorized\r\nCSeq: {cseq}\r\nWWW-Authenticate: Digest realm=\"Login to 4M0ABCDEF\", nonce=\"n\"\r\n\r\n").into_bytes()
    }
}

fn endless(_: &str) -> Vec<u8> {
    let mut r = b"HTTP/1.1 200 OK\r\nServer: evil\r\n".to_vec();
    for i in 0..20_000 {
        r.extend_from_slice(format!("X-Pad-{i}: {}\r\n", "a".repeat(40)).as_bytes());
    }
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_loopback_estate() {
    let log: Log = Arc::default();
    let hik: SocketAddr = "127.0.91.1:18080".parse().unwrap();
    let cam_rtsp: SocketAddr = "127.0.91.2:18554".parse().unwrap();
    let evil: SocketAddr = "127.0.91.3:18080".parse().unwrap();
    let silent: SocketAddr = "127.0.91.4:18080".parse().unwrap();
    for (a, f) in [
        (hik, hik_web as fn(&str) -> Vec<u8>),
        (cam_rtsp, rtsp),
        (evil, endless),
    ] {
        if !serve(a, log.clone(), f).await {
            eprintln!("skipped: cannot bind {a}");
            return;
        }
    }
    // Accepts, reads, never answers.
    let l = TcpListener::bind(silent).await.unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = l.accept().await {
            held.push(s);
        }
    });

    let targets = Arc::new(TargetSet::parse(&["127.0.91.1-127.0.91.6"], &["127.0.91.6"]).unwrap());
    assert_eq!(targets.len(), 5);
    let scanner = Arc::new(
        Scanner::new(ScanConfig {
            // Unprivileged ports: 18080 is probed as HTTP; the RTSP server
            // (on 18554, not an RTSP port by number) is probed directly below.
            ports: vec![18080, 8554],
            rate: 2000,
            concurrency: 64,
            connect_timeout: Duration::from_millis(500),
            io_timeout: Duration::from_millis(1500),
            udp: false,
            ..ScanConfig::default()
        })
        .unwrap(),
    );
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let s = scanner.clone();
    let run = tokio::spawn(async move { s.run(targets, HashSet::new(), tx).await });
    let mut obs: Vec<Observation> = Vec::new();
    while let Some(r) = rx.recv().await {
        assert!(r.complete);
        obs.extend(r.observations);
    }
    run.await.unwrap().unwrap();

    let at = |ip: &str| -> Vec<String> {
        let ip: IpAddr = ip.parse().unwrap();
        obs.iter()
            .filter(|o| o.addr == ip)
            .map(|o| format!("{}={}", o.field, o.value))
            .collect()
    };
    let hik_obs = at("127.0.91.1");
    assert!(hik_obs.contains(&"tcp.open=open".to_owned()));
    assert!(hik_obs.contains(&"http.header.server=App-webs/".to_owned()));
    assert!(hik_obs.contains(&"http.path=/doc/page/login.asp".to_owned()));
    assert!(hik_obs.contains(&"http.title=login".to_owned()));
    assert!(
        hik_obs
            .iter()
            .any(|o| o.starts_with("http.header.www-authenticate=Digest realm=\"DS-2CD2385G1-I\""))
    );
    assert!(hik_obs.contains(&"http.header.location=/doc/page/login.asp".to_owned()));
    // A vendor path that answered 404 is kept as that fact alone (evidence
    // against the vendor's platform), none of the reply.
    let magicbox: Vec<&String> = hik_obs.iter().filter(|o| o.contains("magicBox")).collect();
    assert_eq!(
        magicbox,
        ["http.not_found=/cgi-bin/magicBox.cgi?action=getSystemInfo"]
    );

    // Endless headers: cut, the Server header still kept, the scan went on.
    let evil_obs = at("127.0.91.3");
    assert!(evil_obs.contains(&"http.header.server=evil".to_owned()));
    assert!(
        evil_obs
            .iter()
            .filter(|o| o.starts_with("http.header.x-pad"))
            .count()
            <= 100
    );
    // Silent: open, nothing else.
    assert_eq!(at("127.0.91.4"), ["tcp.open=open"]);
    // Nothing from the excluded address or beyond the targets.
    assert!(
        obs.iter()
            .all(|o| o.addr.to_string().starts_with("127.0.91.")
                && o.addr.to_string() != "127.0.91.6")
    );
    assert!(
        obs.iter()
            .all(|o| o.source != Source::Tcp || o.port.is_some())
    );

    // RTSP on its own.
    let ctx =
        camaudit_probe::conn::Ctx::new(Arc::new(camaudit_probe::ratelimit::RateLimiter::new(1000)))
            .unwrap();
    let mut h = camaudit_probe::obs::HostObs::new(cam_rtsp.ip());
    assert!(camaudit_probe::rtsp::probe(&ctx, cam_rtsp, &mut h).await);
    let v = h.into_iter_fields();
    assert!(v.contains(&"rtsp.header.server=Dahua Rtsp Server".to_owned()));
    assert!(v.iter().any(|o| o.contains("Login to 4M0ABCDEF")));

    // What was sent: GETs and the fixed read-only POSTs, no credentials, no PUT.
    for req in log.lock().unwrap().iter() {
        let method = req.split_whitespace().next().unwrap_or("");
        assert!(
            ["GET", "POST", "OPTIONS", "DESCRIBE"].contains(&method),
            "{method}"
        );
        let lower = req.to_ascii_lowercase();
        assert!(!lower.contains("authorization:"), "{req}");
        assert!(!lower.contains("weblanguage"), "{req}");
        if method == "POST" {
            assert!(
                req.contains("POST /onvif/device_service ")
                    || req.contains("POST /axis-cgi/basicdeviceinfo.cgi "),
                "{req}"
            );
        }
    }
}

#[tokio::test]
async fn cancelling_keeps_what_was_found() {
    // A target range with nothing listening: cancel at once; every chunk
    // reported is either complete or marked incomplete, and run returns.
    let targets = Arc::new(TargetSet::parse(&["127.0.80.0/20"], &[]).unwrap());
    let scanner = Arc::new(
        Scanner::new(ScanConfig {
            ports: vec![18081],
            rate: 500,
            concurrency: 16,
            udp: false,
            ..ScanConfig::default()
        })
        .unwrap(),
    );
    let cancel = scanner.cancel_handle();
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let s = scanner.clone();
    let run = tokio::spawn(async move { s.run(targets, HashSet::new(), tx).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    cancel.cancel();
    let mut incomplete = 0;
    let mut results = 0;
    while let Some(r) = rx.recv().await {
        results += 1;
        if !r.complete {
            incomplete += 1;
        }
    }
    run.await.unwrap().unwrap();
    assert!(
        results < 16,
        "cancel stopped new chunks ({results} reported)"
    );
    assert!(incomplete >= 1);
}
