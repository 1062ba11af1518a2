//! How much a citation is worth, judged by the host it is on.
//!
//! An auditor needs the original publication (the statute, the regulator's
//! list, the exchange filing, the company's own announcement), not a copy of
//! it on an unrelated host. `data/registry/source_hosts.toml` classes the
//! hosts the registry cites; [`SourceHosts::strongest`] picks the source of
//! an entry that an auditor should read first, and the registry's tests
//! refuse an entry whose only sources are mirrors.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::RegistryError;

/// The host classes shipped with camaudit.
pub const BUILTIN_SOURCE_HOSTS: &str = include_str!("../../../data/registry/source_hosts.toml");

/// What kind of publisher a source is, weakest first (the order is the
/// ranking: `Primary` is the strongest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceClass {
    /// A copy of someone else's page on an unrelated host, an aggregator or
    /// a re-upload site. Never enough on its own.
    Mirror,
    /// A host not in the list.
    Unclassified,
    /// Code, issue threads, forums, installers' blogs.
    Community,
    /// An encyclopaedia or similar reference work on its own site.
    Reference,
    /// A news organisation or trade publication.
    Press,
    /// The publisher of the fact itself: government, legislature,
    /// regulator, court, standards body, exchange filing, the company.
    Primary,
}

impl SourceClass {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceClass::Mirror => "mirror",
            SourceClass::Unclassified => "unclassified",
            SourceClass::Community => "community",
            SourceClass::Reference => "reference",
            SourceClass::Press => "press",
            SourceClass::Primary => "primary",
        }
    }
}

/// One classified host: it matches itself and every subdomain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceHost {
    pub host: String,
    pub class: SourceClass,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HostFile {
    #[serde(default)]
    host: Vec<SourceHost>,
}

/// The classified hosts, most specific first.
#[derive(Debug, Clone)]
pub struct SourceHosts {
    hosts: Vec<SourceHost>,
}

/// A source together with its class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RankedSource<'a> {
    pub source: &'a str,
    pub class: SourceClass,
}

impl SourceHosts {
    /// The built-in classes (parsed once). The embedded file is checked by
    /// the crate's tests; should it ever fail to parse, every host is
    /// unclassified rather than the program failing.
    pub fn builtin() -> &'static SourceHosts {
        static HOSTS: OnceLock<SourceHosts> = OnceLock::new();
        HOSTS.get_or_init(|| {
            SourceHosts::from_toml("source_hosts.toml", BUILTIN_SOURCE_HOSTS)
                .unwrap_or(SourceHosts { hosts: Vec::new() })
        })
    }

    /// Reads the `[[host]]` list; `label` names the file in errors.
    pub fn from_toml(label: &str, text: &str) -> Result<SourceHosts, RegistryError> {
        let file: HostFile = toml::from_str(text).map_err(|e| RegistryError::Parse {
            file: label.to_owned(),
            message: e.message().trim().to_owned(),
        })?;
        let mut hosts = file.host;
        for h in &mut hosts {
            h.host = h.host.trim().trim_matches('.').to_ascii_lowercase();
            if h.host.is_empty() || h.host.contains(['/', ' ', ':']) {
                return Err(RegistryError::invalid(
                    label,
                    "host",
                    h.host.clone(),
                    "not a host name such as \"example.com\"",
                ));
            }
        }
        // Longest first, so that "www.sec.gov" rules before "gov".
        hosts.sort_by_key(|h| std::cmp::Reverse(h.host.len()));
        Ok(SourceHosts { hosts })
    }

    pub fn hosts(&self) -> &[SourceHost] {
        &self.hosts
    }

    /// The class of one source (`github:` sources are community).
    pub fn classify(&self, source: &str) -> SourceClass {
        let Some(host) = host_of(source) else {
            return if source.trim().starts_with("github:") {
                SourceClass::Community
            } else {
                SourceClass::Unclassified
            };
        };
        self.hosts
            .iter()
            .find(|h| host == h.host || host.ends_with(&format!(".{}", h.host)))
            .map_or(SourceClass::Unclassified, |h| h.class)
    }

    /// The strongest of an entry's sources (the first of equals, so the
    /// curator's order breaks ties); `None` for no sources.
    pub fn strongest<'a>(&self, sources: &'a [String]) -> Option<RankedSource<'a>> {
        let mut best: Option<RankedSource<'a>> = None;
        for s in sources {
            let class = self.classify(s);
            if best.is_none_or(|b| class > b.class) {
                best = Some(RankedSource { source: s, class });
            }
        }
        best
    }

    /// Whether every source is a mirror (and there is at least one): such
    /// an entry cites no publication an auditor can rely on.
    pub fn only_mirrors(&self, sources: &[String]) -> bool {
        !sources.is_empty()
            && sources
                .iter()
                .all(|s| self.classify(s) == SourceClass::Mirror)
    }
}

/// The lower-case host of an `http(s)://` source.
fn host_of(source: &str) -> Option<String> {
    let s = source.trim();
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?.split(':').next()?;
    Some(host.trim_end_matches('.').to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
[[host]]
host = "gov"
class = "primary"

[[host]]
host = "wikipedia.org"
class = "reference"

[[host]]
host = "wikipedia-on-ipfs.org"
class = "mirror"
"#;

    fn hosts() -> SourceHosts {
        SourceHosts::from_toml("sample", SAMPLE).unwrap()
    }

    #[test]
    fn hosts_match_themselves_and_subdomains_only() {
        let h = hosts();
        assert_eq!(
            h.classify("https://www.eac.gov/what-section-889"),
            SourceClass::Primary
        );
        assert_eq!(
            h.classify("https://en.wikipedia.org/wiki/X"),
            SourceClass::Reference
        );
        assert_eq!(
            h.classify("https://en.wikipedia-on-ipfs.org/wiki/X"),
            SourceClass::Mirror
        );
        // A host that merely ends with the same letters is not a subdomain.
        assert_eq!(h.classify("https://notgov/x"), SourceClass::Unclassified);
        assert_eq!(
            h.classify("https://fakewikipedia.org/x"),
            SourceClass::Unclassified
        );
        assert_eq!(
            h.classify("github:owner/repo:README.md"),
            SourceClass::Community
        );
    }

    #[test]
    fn strongest_prefers_class_then_order() {
        let h = hosts();
        let sources: Vec<String> = [
            "https://en.wikipedia-on-ipfs.org/wiki/X",
            "https://en.wikipedia.org/wiki/X",
            "https://www.fcc.gov/list",
            "https://www.eac.gov/other",
        ]
        .map(String::from)
        .to_vec();
        let best = h.strongest(&sources).unwrap();
        assert_eq!(best.source, "https://www.fcc.gov/list");
        assert_eq!(best.class, SourceClass::Primary);
        assert!(h.strongest(&[]).is_none());
    }

    #[test]
    fn only_mirrors_needs_every_source_to_be_a_copy() {
        let h = hosts();
        let copy = "https://en.wikipedia-on-ipfs.org/wiki/X".to_owned();
        let original = "https://en.wikipedia.org/wiki/X".to_owned();
        assert!(h.only_mirrors(std::slice::from_ref(&copy)));
        assert!(!h.only_mirrors(&[copy, original]));
        assert!(!h.only_mirrors(&[]));
    }

    #[test]
    fn bad_host_lines_are_errors_naming_the_host() {
        let err = SourceHosts::from_toml(
            "hosts.toml",
            "[[host]]\nhost = \"https://x.org/\"\nclass = \"press\"\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("hosts.toml"), "{err}");
        let err = SourceHosts::from_toml(
            "hosts.toml",
            "[[host]]\nhost = \"x.org\"\nclass = \"blog\"\n",
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("hosts.toml:"), "{err}");
    }

    #[test]
    fn the_builtin_list_parses() {
        SourceHosts::from_toml("source_hosts.toml", BUILTIN_SOURCE_HOSTS).unwrap();
        assert!(!SourceHosts::builtin().hosts().is_empty());
    }
}
