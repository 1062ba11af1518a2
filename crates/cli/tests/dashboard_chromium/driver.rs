//! Debian's chromedriver on a free port of 127.0.0.1, killed with the
//! browsers it started when its guard is dropped (a failing test included),
//! and one headless Chromium session per person through it, with what the
//! browser logged: console errors (a CSP violation is one) and every URL a
//! page requested.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

/// A program of this name on `PATH`.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A running chromedriver. Dropping it kills its process group: the
/// driver and every Chromium it started.
pub struct Chromedriver {
    child: Child,
    pub url: String,
}

/// How long chromedriver may take to answer its first request.
const DRIVER_START: Duration = Duration::from_secs(30);

impl Chromedriver {
    /// Starts `exe` on a free loopback port, its log in `log`.
    pub fn start(exe: &Path, log: &Path) -> Chromedriver {
        let port = free_port();
        let mut child = Command::new(exe)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            // Only this machine may drive it (its default, said aloud).
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            // Its own process group, so that Drop reaches the browsers too.
            .process_group(0)
            .spawn()
            .expect("chromedriver starts");
        let stdout = child.stdout.take().expect("chromedriver's output");
        std::thread::spawn(move || for _ in BufReader::new(stdout).lines() {});
        let driver = Chromedriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        driver.wait_ready();
        driver
    }

    fn wait_ready(&self) {
        let agent = ureq::Agent::new_with_defaults();
        let deadline = Instant::now() + DRIVER_START;
        loop {
            let status = agent
                .get(format!("{}/status", self.url))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_to_string().ok())
                .and_then(|t| serde_json::from_str::<Value>(&t).ok());
            if status.is_some_and(|s| s["value"]["ready"] == true) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer on {} within {DRIVER_START:?}",
                self.url
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A new headless Chromium with its own profile in `profile` (so
    /// nobody's cookies are another's) and a window `width` × `height`.
    pub async fn session(&self, profile: &Path, width: u32, height: u32) -> Session {
        std::fs::create_dir_all(profile).unwrap();
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            format!("--user-data-dir={}", profile.display()),
            format!("--window-size={width},{height}"),
            "--no-first-run".to_owned(),
            "--disable-extensions".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-default-apps".to_owned(),
            "--no-pings".to_owned(),
            "--hide-scrollbars".to_owned(),
            // Names resolve to nothing: whatever a page asks for outside
            // 127.0.0.1 cannot leave this machine (and is logged below).
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1".to_owned(),
        ];
        let mut options = json!({ "args": args });
        if let Some(binary) = chromium_binary() {
            options["binary"] = json!(binary);
        }
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": options,
            "goog:loggingPrefs": { "browser": "ALL", "performance": "ALL" },
        });
        let Value::Object(caps) = caps else {
            unreachable!("a JSON object")
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("chromedriver opens a Chromium session");
        let id = client
            .session_id()
            .await
            .expect("the session's id")
            .expect("a session id");
        Session {
            client,
            log_url: format!("{}/session/{id}/se/log", self.url),
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // The group's id is the driver's pid (process_group(0) above).
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: kill(2) with a negative pid signals that process group:
            // only chromedriver and the browsers it started are in it.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
        let _ = self.child.wait();
    }
}

/// A port of 127.0.0.1 free a moment ago.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    listener.local_addr().expect("its address").port()
}

/// Debian installs the browser itself under /usr/lib/chromium; `chromium`
/// on PATH is a shell wrapper that chromedriver also accepts.
fn chromium_binary() -> Option<String> {
    let direct = Path::new("/usr/lib/chromium/chromium");
    if direct.is_file() {
        return Some(direct.display().to_string());
    }
    on_path("chromium").map(|p| p.display().to_string())
}

/// One person's browser.
pub struct Session {
    pub client: Client,
    log_url: String,
}

/// What the browser logged since the last look.
#[derive(Debug, Default)]
pub struct Logged {
    /// Console entries of level SEVERE: script errors, CSP violations,
    /// failed loads.
    pub errors: Vec<String>,
    /// Every URL a page of this session requested.
    pub requests: Vec<String>,
}

impl Session {
    /// Reads (and so empties) the browser's console and network logs.
    /// chromedriver serves them at the legacy `se/log` endpoint, which
    /// fantoccini has no call for; it is plain JSON over the same HTTP.
    pub fn logged(&self) -> Logged {
        let mut out = Logged::default();
        for entry in self.log("browser") {
            if entry["level"] == "SEVERE" {
                out.errors
                    .push(entry["message"].as_str().unwrap_or("").to_owned());
            }
        }
        for entry in self.log("performance") {
            let Some(text) = entry["message"].as_str() else {
                continue;
            };
            let Ok(event) = serde_json::from_str::<Value>(text) else {
                continue;
            };
            let event = &event["message"];
            if event["method"] == "Network.requestWillBeSent"
                && let Some(url) = event["params"]["request"]["url"].as_str()
            {
                out.requests.push(url.to_owned());
            }
        }
        out
    }

    fn log(&self, kind: &str) -> Vec<Value> {
        let mut answer = ureq::Agent::new_with_defaults()
            .post(&self.log_url)
            .header("Content-Type", "application/json")
            .send(json!({ "type": kind }).to_string())
            .unwrap_or_else(|e| panic!("chromedriver's {kind} log: {e}"));
        let text = answer.body_mut().read_to_string().unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        v["value"].as_array().cloned().unwrap_or_default()
    }

    /// Ends the session, which closes its Chromium.
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
