//! A person at the browser: open a page and check what every page must
//! be (no error heading, nothing logged as an error, nothing asked of any
//! address but the server's), read its figures, and keep a screenshot.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::Locator;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;

use crate::api::Api;
use crate::driver::Session;

/// The tallest screenshot taken, in CSS pixels.
const MAX_SHOT_HEIGHT: u64 = 6000;

/// The numbered screenshots of the whole walk.
pub struct Shots {
    dir: PathBuf,
    taken: usize,
}

impl Shots {
    pub fn new(dir: &Path) -> Shots {
        Shots {
            dir: dir.to_owned(),
            taken: 0,
        }
    }

    /// Saves the whole page as `NN-name.png`: the window is made as tall
    /// as the page (up to a limit) for the picture, then put back.
    pub async fn take(&mut self, session: &Session, name: &str) {
        self.taken += 1;
        let client = &session.client;
        let (width, height) = client.get_window_size().await.unwrap();
        let page = client
            .execute("return document.documentElement.scrollHeight", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap_or(height);
        let tall = u32::try_from(page.clamp(height, MAX_SHOT_HEIGHT)).unwrap_or(u32::MAX);
        let width = u32::try_from(width).unwrap_or(u32::MAX);
        client.set_window_size(width, tall).await.unwrap();
        let png = client.screenshot().await.expect("a screenshot");
        client
            .set_window_size(width, u32::try_from(height).unwrap_or(u32::MAX))
            .await
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{name}: a PNG");
        let file = self.dir.join(format!("{:02}-{name}.png", self.taken));
        std::fs::write(&file, png).unwrap();
    }
}

/// One person logged in (or about to be) in their own browser, and the
/// same person's view of the API.
pub struct Person {
    pub who: &'static str,
    pub session: Session,
    pub api: Api,
    pub base: String,
}

/// What a page showed.
pub struct Seen {
    pub path: String,
    /// Each `[data-figure]`'s name and text, in page order.
    pub figures: Vec<(String, String)>,
    /// The whole document as served and rendered.
    pub source: String,
}

/// How long a page may take to appear after a click or a key.
const PAGE_WAIT: Duration = Duration::from_secs(30);

impl Person {
    pub async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.session
            .client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("{}: open {url}: {e}", self.who));
    }

    /// The path and query the browser is at.
    pub async fn at(&self) -> String {
        let url = self.session.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    pub async fn find(&self, css: &str) -> Element {
        self.session
            .client
            .wait()
            .at_most(PAGE_WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{}: no `{css}` on the page: {e}", self.who))
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.session
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
    }

    /// Clicks the navigation's link to `path` (a real link, as a person
    /// would follow it), and waits for the page.
    pub async fn follow_nav(&self, path: &str) {
        let link = self
            .find(&format!("nav[aria-label=\"Sections\"] a[href=\"{path}\"]"))
            .await;
        link.click().await.unwrap();
        self.wait_for_path(path).await;
    }

    /// Waits until the browser's path (without the query) is `path`.
    pub async fn wait_for_path(&self, path: &str) {
        self.wait_until_at(path, |at| at.split('?').next() == Some(path))
            .await;
    }

    /// Waits until the browser is at a loaded page whose path and query
    /// pass `arrived` (a form sent to the page it is on changes only the
    /// query). `wanted` says what for the failure.
    pub async fn wait_until_at(&self, wanted: &str, arrived: impl Fn(&str) -> bool) {
        let deadline = std::time::Instant::now() + PAGE_WAIT;
        loop {
            let at = self.at().await;
            // The new document, not the old one still unloading.
            if arrived(&at) && self.ready().await {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{}: still at {at}, not {wanted}",
                self.who
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn ready(&self) -> bool {
        self.session
            .client
            .execute("return document.readyState", vec![])
            .await
            .is_ok_and(|v| v == "complete")
    }

    /// Presses Tab once (as from the top of the page) and returns the
    /// element that has the focus.
    pub async fn tab(&self) -> Element {
        let keys = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down {
                value: Key::Tab.into(),
            })
            .then(KeyAction::Up {
                value: Key::Tab.into(),
            });
        self.session.client.perform_actions(keys).await.unwrap();
        self.session.client.active_element().await.unwrap()
    }

    /// Checks the page the browser is on and reads it. `error` is the
    /// status its heading must carry (`None`: an ordinary page).
    pub async fn check(&self, shots: &mut Shots, name: &str, error: Option<u16>) -> Seen {
        let path = self.at().await;
        let h1 = self.find("h1").await;
        let data_error = h1.attr("data-error").await.unwrap();
        let expected = error.map(|e| e.to_string());
        assert_eq!(
            data_error,
            expected,
            "{}: {path} shows an error heading {data_error:?} (wanted {expected:?}): {}",
            self.who,
            h1.text().await.unwrap_or_default()
        );
        let h1 = h1.text().await.unwrap();
        let title = self.session.client.title().await.unwrap();
        // A page in the dashboard's frame (it has the log-out form) is
        // headed by its title (the layout's); the log-in page is not framed.
        let framed = !self.find_all("form.logout").await.is_empty();
        assert!(
            !h1.trim().is_empty() && (!framed || title.contains(h1.trim())),
            "{}: {path}'s heading {h1:?} is its title {title:?}",
            self.who
        );
        let mut figures = Vec::new();
        for f in self.find_all("[data-figure]").await {
            let name = f.attr("data-figure").await.unwrap().unwrap_or_default();
            figures.push((name, f.text().await.unwrap().trim().to_owned()));
        }
        let source = self.session.client.source().await.unwrap();
        shots.take(&self.session, name).await;
        self.check_logs(&path, error.is_some());
        Seen {
            path,
            figures,
            source,
        }
    }

    /// Nothing logged as an error, and no request but to the server. A
    /// page shown with an error status logs its own load as failed: that
    /// one line is expected, nothing else.
    pub fn check_logs(&self, path: &str, error_page: bool) {
        let logged = self.session.logged();
        let errors: Vec<&String> = logged
            .errors
            .iter()
            .filter(|e| !(error_page && is_failed_load_of(e, &self.base, path)))
            .collect();
        assert!(
            errors.is_empty(),
            "{}: the browser logged errors on {path}: {errors:#?}",
            self.who
        );
        let origin = format!("{}/", self.base);
        let away: Vec<&String> = logged
            .requests
            .iter()
            .filter(|u| !u.starts_with(&origin) && !u.starts_with("data:"))
            .filter(|u| !is_browser_internal(u))
            .collect();
        assert!(
            away.is_empty(),
            "{}: {path} asked for something outside {}: {away:?}",
            self.who,
            self.base
        );
    }

    /// The log checks can fail: a page of our own making (a `data:` URL,
    /// before any of the server's) that breaks its own CSP with a `<style>`
    /// and asks for an image of a host that never resolves must show up as
    /// a console error and a request elsewhere.
    pub async fn logs_see_what_they_check(&self) {
        let page = "data:text/html,<!DOCTYPE html><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"><style>p{}</style><p>control</p><img src=\"http://camaudit-browser-check.invalid/x.png\">";
        self.session.client.goto(page).await.unwrap();
        let deadline = std::time::Instant::now() + PAGE_WAIT;
        let (mut csp, mut away, mut failed) = (false, false, false);
        while !(csp && away && failed) {
            let logged = self.session.logged();
            csp |= logged
                .errors
                .iter()
                .any(|e| e.contains("Content Security Policy"));
            away |= logged
                .requests
                .iter()
                .any(|u| u.contains("camaudit-browser-check.invalid"));
            // Its failure is logged last: once seen, nothing of the control
            // page is left to turn up on the next page's log.
            failed |= logged
                .errors
                .iter()
                .any(|e| e.contains("camaudit-browser-check.invalid"));
            assert!(
                std::time::Instant::now() < deadline,
                "{}: the browser's logs miss a CSP violation ({csp}), a request elsewhere ({away}) or its failure ({failed}): the checks are blind",
                self.who
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Opens the log-in page at `/`, as a person does, and logs in by the
    /// keyboard alone: Tab to the token field, type, Enter.
    pub async fn log_in(&self, shots: &mut Shots, token: &str) {
        self.goto("/").await;
        let at = self.at().await;
        assert!(
            at.starts_with("/login"),
            "{}: / without a session is {at}, not the log-in page",
            self.who
        );
        self.check(shots, &format!("login-{}", self.who), None)
            .await;
        let field = self.tab().await;
        assert_eq!(
            field.attr("id").await.unwrap().as_deref(),
            Some("token"),
            "{}: the first Tab reaches the token field",
            self.who
        );
        let label = self.find("label[for=\"token\"]").await;
        assert!(
            !label.text().await.unwrap().trim().is_empty(),
            "a labelled field"
        );
        field
            .send_keys(&format!("{token}{}", char::from(Key::Enter)))
            .await
            .unwrap();
        self.wait_for_path("/").await;
        self.find("form.logout").await;
    }
}

/// Whether a console line is Chromium's note that the page `path` itself
/// answered with an error status.
fn is_failed_load_of(line: &str, base: &str, path: &str) -> bool {
    line.starts_with(&format!("{base}{path} "))
        && line.contains("Failed to load resource: the server responded with a status of")
}

/// The browser's own pages (its new-tab page loads before the first
/// `goto`): never the network.
fn is_browser_internal(url: &str) -> bool {
    ["chrome:", "chrome-untrusted:", "devtools:", "about:"]
        .iter()
        .any(|scheme| url.starts_with(scheme))
}

/// A figure's text as a number: digits with an optional sign, point and
/// thousands commas, nothing else (the markup contract: the number alone).
pub fn number(figure: &str, text: &str) -> f64 {
    let plain: String = text.chars().filter(|c| *c != ',').collect();
    plain.parse().unwrap_or_else(|_| {
        panic!("figure {figure}: {text:?} is not the number alone (the markup contract)")
    })
}
