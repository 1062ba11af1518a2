//! The REST API as the test asks it, with a person's bearer token: the
//! answer every number on a page is held to.

use serde_json::Value;

/// One person's view of the API.
pub struct Api {
    agent: ureq::Agent,
    base: String,
    token: String,
}

impl Api {
    pub fn new(base: &str, token: &str) -> Api {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(30)))
            .build()
            .new_agent();
        Api {
            agent,
            base: base.to_owned(),
            token: token.to_owned(),
        }
    }

    /// The status and body of `GET path` (`/api/v1/…`).
    pub fn answer(&self, path: &str) -> (u16, String) {
        let mut a = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("Authorization", format!("Bearer {}", self.token))
            .call()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = a.status().as_u16();
        (status, a.body_mut().read_to_string().unwrap_or_default())
    }

    /// `GET path`, which must answer 200 with JSON.
    pub fn get(&self, path: &str) -> Value {
        let (status, body) = self.answer(path);
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
    }

    /// Every device of `GET /api/v1/devices?query`, following the cursor.
    pub fn devices(&self, query: &str) -> Vec<Value> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/v1/devices?limit=1000&{query}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page = self.get(&path);
            all.extend(page["items"].as_array().cloned().unwrap_or_default());
            match page["next"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return all,
            }
        }
    }
}

/// `{site}/{scan}/{idx}` of a `SiteDevice`: its row's `data-device` and
/// its page's path after `/devices/`.
pub fn device_key(d: &Value) -> String {
    format!("{}/{}/{}", d["site"], d["scan"], d["idx"])
}
