//! The board report opened offline in a real browser (Debian's headless
//! Chromium): the page renders, and no request leaves the file.
//!
//! How "no request leaves" is checked: Chromium is given a proxy that is a
//! listener of this test on 127.0.0.1 and a resolver that resolves nothing,
//! so every request for anything outside the file reaches the listener,
//! which records its host and closes the connection. The browser makes
//! requests of its own (updates, time) whatever it shows, so a blank page
//! is loaded first and its hosts are the baseline; a page with one remote
//! image is loaded next and must be seen, or the check is blind. The
//! report's run must add no host to the baseline. The screenshot and the
//! A4 PDF are left under target/tmp/report-chromium/ for a person to look at.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// The listener every request outside the file reaches.
struct Proxy {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

const SENTINEL: &str = "camaudit-test-sentinel";

impl Proxy {
    fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut first = String::new();
                let _ = BufReader::new(stream.take_limited()).read_line(&mut first);
                record.lock().unwrap().push(first.trim().to_owned());
            }
        });
        Proxy { port, seen }
    }

    /// The hosts requested so far. Connections are accepted in order, so
    /// once our own last connection is recorded every earlier one is.
    fn hosts(&self) -> Vec<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        writeln!(s, "{SENTINEL}").unwrap();
        drop(s);
        for _ in 0..1000 {
            let lines = self.seen.lock().unwrap().clone();
            if lines.iter().any(|l| l == SENTINEL) {
                return lines
                    .iter()
                    .filter(|l| *l != SENTINEL)
                    .filter_map(|l| host_of(l))
                    .collect();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("the proxy listener stopped answering");
    }
}

/// A bounded read of a request's first line.
trait TakeLimited {
    fn take_limited(self) -> std::io::Take<TcpStream>;
}

impl TakeLimited for TcpStream {
    fn take_limited(self) -> std::io::Take<TcpStream> {
        std::io::Read::take(self, 4096)
    }
}

/// "CONNECT host:443 HTTP/1.1" or "GET http://host/path HTTP/1.1" → host.
fn host_of(line: &str) -> Option<String> {
    let target = line.split_whitespace().nth(1)?;
    let rest = target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
        .unwrap_or(target);
    let host = rest.split(['/', '?']).next()?;
    Some(host.rsplit_once(':').map_or(host, |(h, _)| h).to_owned())
}

/// Runs headless Chromium on `page` through `proxy` with `extra` flags,
/// killed if it has not finished in two minutes. Returns standard output.
fn run(browser: &Path, proxy: &Proxy, profile: &Path, page: &Path, extra: &[String]) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--no-pings",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--proxy-server=127.0.0.1:{}", proxy.port))
        .arg("--proxy-bypass-list=<-loopback>")
        // Names resolve to nothing; the proxy, an address, is left alone.
        .arg("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut out);
        out
    });
    let mut waited = 0;
    while child.try_wait().unwrap().is_none() {
        if waited > 120_000 {
            let _ = child.kill();
            panic!(
                "chromium did not finish on {} in two minutes",
                page.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
        waited += 50;
    }
    reader.join().unwrap()
}

/// Page objects of a PDF: "/Type /Page", not the "/Type /Pages" tree.
fn pages_of(pdf: &[u8]) -> usize {
    let tag = b"/Type /Page";
    pdf.windows(tag.len() + 1)
        .filter(|w| w.starts_with(tag) && w[tag.len()] != b's')
        .count()
}

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-chromium");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_report_renders_offline_and_requests_nothing() {
    let Some(browser) = chromium() else {
        camaudit_testkit::skip("chromium is not installed (apt-get install chromium)");
        return;
    };
    let dir = artifacts();
    let report = dir.join("board-report.html");
    let out = Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .args([
            "report",
            "--estate",
            "examples/estate.toml",
            "--devices",
            "examples/council-devices.jsonl",
            "--from",
            "2027-01-01",
            "--quiet",
            "--html",
        ])
        .arg(&report)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let blank = dir.join("blank.html");
    std::fs::write(&blank, "<!DOCTYPE html><title>blank</title><p>blank</p>").unwrap();
    let remote = dir.join("remote.html");
    std::fs::write(
        &remote,
        "<!DOCTYPE html><title>remote</title><img src=\"http://camaudit-offline-check.invalid/x.png\">",
    )
    .unwrap();
    let dump = ["--dump-dom".to_owned()];

    let proxy = Proxy::start();
    run(&browser, &proxy, &dir.join("profile-blank"), &blank, &dump);
    let baseline = proxy.hosts();

    let proxy = Proxy::start();
    run(
        &browser,
        &proxy,
        &dir.join("profile-remote"),
        &remote,
        &dump,
    );
    let hosts = proxy.hosts();
    assert!(
        hosts.iter().any(|h| h == "camaudit-offline-check.invalid"),
        "a page loading a remote image was not seen by the proxy ({hosts:?}): the check is blind"
    );

    let proxy = Proxy::start();
    let dom = run(
        &browser,
        &proxy,
        &dir.join("profile-report"),
        &report,
        &dump,
    );
    let hosts = proxy.hosts();
    let extra: Vec<&String> = hosts.iter().filter(|h| !baseline.contains(h)).collect();
    assert!(
        extra.is_empty(),
        "the report requested {extra:?} (the browser alone asks for {baseline:?})"
    );
    assert!(
        dom.contains("Harbridge Borough Council"),
        "rendered: {}",
        &dom[..dom.len().min(400)]
    );
    assert!(dom.contains("<h2 id=\"headline\""));
    assert!(dom.contains("<svg"));
    assert!(!dom.contains("<script"));

    let shot = dir.join("board-report.png");
    let pdf = dir.join("board-report.pdf");
    run(
        &browser,
        &Proxy::start(),
        &dir.join("profile-shot"),
        &report,
        &[
            "--window-size=1000,3000".to_owned(),
            format!("--screenshot={}", shot.display()),
        ],
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    run(
        &browser,
        &Proxy::start(),
        &dir.join("profile-pdf"),
        &report,
        &[
            "--no-pdf-header-footer".to_owned(),
            format!("--print-to-pdf={}", pdf.display()),
        ],
    );
    let printed = std::fs::read(&pdf).expect("a PDF");
    assert!(printed.starts_with(b"%PDF"));
    // Page breaks before sections: more than the headline's page.
    let pages = pages_of(&printed);
    assert!(pages > 2, "{pages} pages");
    eprintln!("screenshot: {}\nA4 PDF: {}", shot.display(), pdf.display());
}
