//! Collecting one host's observations, de-duplicated, in the vocabulary of
//! `docs/fields.md`.

use std::collections::HashSet;
use std::net::IpAddr;

use camaudit_model::{Field, Observation, Source};

/// When a host was seen, as every observation records it
/// (`2023-11-14T22:13:20Z`).
pub use camaudit_model::date::now_rfc3339;

/// Longest value kept for any field but bodies (which the HTTP probe bounds).
pub const MAX_VALUE: usize = 4096;
/// Longest body kept (`http.body`).
pub const MAX_BODY: usize = 64 * 1024;

/// The observations gathered about one address.
#[derive(Debug)]
pub struct HostObs {
    pub addr: IpAddr,
    seen_at: String,
    seen: HashSet<(Option<u16>, Source, String, String)>,
    list: Vec<Observation>,
}

impl HostObs {
    pub fn new(addr: IpAddr) -> HostObs {
        HostObs {
            addr,
            seen_at: now_rfc3339(),
            seen: HashSet::new(),
            list: Vec::new(),
        }
    }

    /// Adds `field` = `value` unless the value is empty or already recorded.
    /// A field outside the grammar (it cannot happen with the names the
    /// probes build) is dropped rather than trusted.
    pub fn push(&mut self, port: Option<u16>, source: Source, field: &str, value: &str) {
        let Ok(field) = Field::new(field) else { return };
        self.push_field(port, source, field, value);
    }

    /// Adds `prefix.key`, with the protocol's own key normalised.
    pub fn push_key(
        &mut self,
        port: Option<u16>,
        source: Source,
        prefix: &str,
        key: &str,
        value: &str,
    ) {
        let Ok(field) = Field::with_key(prefix, key) else {
            return;
        };
        self.push_field(port, source, field, value);
    }

    fn push_field(&mut self, port: Option<u16>, source: Source, field: Field, value: &str) {
        let cap = if field.as_str() == "http.body" {
            MAX_BODY
        } else {
            MAX_VALUE
        };
        let value = clean(value, cap);
        if value.is_empty() {
            return;
        }
        if !self
            .seen
            .insert((port, source, field.as_str().to_owned(), value.clone()))
        {
            return;
        }
        self.list.push(Observation {
            addr: self.addr,
            port,
            source,
            field,
            value,
            seen_at: Some(self.seen_at.clone()),
        });
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn into_vec(self) -> Vec<Observation> {
        self.list
    }

    /// The observations so far.
    pub fn as_slice(&self) -> &[Observation] {
        &self.list
    }

    /// `field=value` strings, for tests and logs.
    pub fn into_iter_fields(&self) -> Vec<String> {
        self.list
            .iter()
            .map(|o| format!("{}={}", o.field, o.value))
            .collect()
    }
}

/// Trims, drops NULs and other control characters but line breaks and tabs,
/// and cuts to `cap` bytes on a character boundary.
pub fn clean(value: &str, cap: usize) -> String {
    let mut s: String = value
        .trim()
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .collect();
    if s.len() > cap {
        let mut cut = cap;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_carry_the_time_they_were_seen() {
        let mut h = HostObs::new("127.0.0.1".parse().unwrap());
        h.push(Some(80), Source::Http, "http.title", "x");
        let seen = h.into_vec()[0].seen_at.clone().expect("a time");
        assert_eq!(seen.len(), "2023-11-14T22:13:20Z".len(), "{seen}");
        assert!(seen.ends_with('Z') && seen.as_bytes()[10] == b'T', "{seen}");
    }

    #[test]
    fn dedup_and_cleaning() {
        let mut h = HostObs::new("127.0.0.1".parse().unwrap());
        h.push(Some(80), Source::Http, "http.header.server", " App-webs/ ");
        h.push(Some(80), Source::Http, "http.header.server", "App-webs/");
        h.push(Some(80), Source::Http, "http.title", "  ");
        h.push_key(
            Some(80),
            Source::Http,
            "http.header",
            "X-Weird Name!",
            "v\u{0}1",
        );
        h.push(None, Source::Http, "BAD FIELD", "x");
        let v = h.into_vec();
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].field.as_str(), "http.header.x-weird_name_");
        assert_eq!(v[1].value, "v1");
        assert_eq!(clean("ééé", 3), "é");
    }
}
