//! Credentials with a scope: who may be sent which password, where, for what.
//!
//! A WS-UsernameToken digest is computed over a nonce the client chooses, so
//! whoever receives one can try passwords against it offline. A credential
//! therefore goes only where its owner said it may: a [`Keyring`] answers
//! [`Keyring::for_target`] only for an address that is one of the scan's own
//! targets (exclusions applied) *and* inside the credential's CIDRs; the most
//! specific CIDR wins. Addresses learned from a multicast reply, a redirect,
//! an XAddr or a UPnP LOCATION are never scan targets unless the user listed
//! them, so they never get one.
//!
//! The file is TOML (`docs/scan.md`):
//!
//! ```toml
//! [[credential]]
//! user = "audit"
//! password_env = "CAMAUDIT_ONVIF_PASSWORD"   # or password_file = "/path"
//! cidrs = ["10.20.0.0/16"]                   # required
//! protocols = ["onvif"]                      # the default
//! allow_plaintext = false                    # PasswordText / Basic, over TLS only
//! ```
//!
//! The older one-line `user:password` file is still read; it is unscoped
//! (every scan target), which [`Keyring::is_unscoped`] reports so the caller
//! can warn. Passwords are held in [`Password`], which prints as
//! `<redacted>`, has no serde implementation and is zeroised on drop.

use std::fmt;
use std::net::IpAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::targets::TargetSet;

/// Why a credentials file cannot be used. No variant ever holds a password.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("reading credentials {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "{path} can be read or changed by other users (mode {mode:03o}): run `chmod 600 {path}` and try again"
    )]
    Exposed { path: PathBuf, mode: u32 },
    #[error("{path}: line {line}, column {column}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "{path}: line {line}: a password is never written in the credentials file; use password_env = \"VAR\" or password_file = \"/path\" (docs/scan.md)"
    )]
    InlinePassword { path: PathBuf, line: usize },
    #[error("{path}: credential {index} (user {user:?}): {why}")]
    Entry {
        path: PathBuf,
        index: usize,
        user: String,
        why: String,
    },
    #[error(
        "{path}: no credential: expected [[credential]] tables (docs/scan.md) or one line `user:password`"
    )]
    Empty { path: PathBuf },
}

/// A password: printed as `<redacted>`, never serialised, wiped on drop.
pub struct Password(Zeroizing<String>);

impl Password {
    pub fn new(text: String) -> Password {
        Password(Zeroizing::new(text))
    }

    /// The password itself, for computing a digest. Nothing that prints,
    /// logs or stores may take it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// What a credential may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// ONVIF device service requests (WS-UsernameToken).
    Onvif,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Onvif => "onvif",
        })
    }
}

/// Where a credential may go, besides being a scan target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Only inside these networks.
    Cidrs(Vec<IpNet>),
    /// Any scan target (the old `user:password` file).
    ScanTargets,
}

impl Scope {
    /// How specific the match for `addr` is (longer prefix = more
    /// specific), or `None` when outside. Unscoped ranks below any CIDR.
    fn rank(&self, addr: IpAddr) -> Option<i16> {
        match self {
            Scope::ScanTargets => Some(-1),
            Scope::Cidrs(nets) => nets
                .iter()
                .filter(|n| n.contains(&addr))
                .map(|n| i16::from(n.prefix_len()))
                .max(),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::ScanTargets => f.write_str("every scan target (unscoped)"),
            Scope::Cidrs(nets) => {
                let list: Vec<String> = nets.iter().map(IpNet::to_string).collect();
                f.write_str(&list.join(", "))
            }
        }
    }
}

/// One user name and password with where and how it may be used.
#[derive(Debug)]
pub struct Credential {
    pub user: String,
    password: Password,
    pub scope: Scope,
    pub protocols: Vec<Protocol>,
    /// PasswordText tokens (and HTTP Basic) may be sent, over TLS only.
    pub allow_plaintext: bool,
}

impl Credential {
    pub fn new(user: String, password: Password, scope: Scope) -> Credential {
        Credential {
            user,
            password,
            scope,
            protocols: vec![Protocol::Onvif],
            allow_plaintext: false,
        }
    }

    pub(crate) fn password(&self) -> &str {
        self.password.expose()
    }
}

/// Every credential of a scan.
#[derive(Debug, Default)]
pub struct Keyring {
    credentials: Vec<Credential>,
}

/// One `[[credential]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    user: String,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
    cidrs: Option<Vec<String>>,
    protocols: Option<Vec<Protocol>>,
    #[serde(default)]
    allow_plaintext: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    credential: Vec<Entry>,
}

impl Keyring {
    pub fn new(credentials: Vec<Credential>) -> Keyring {
        Keyring { credentials }
    }

    /// Reads a credentials file: TOML `[[credential]]` tables, or the old
    /// one-line `user:password` (which must not be readable by others).
    /// Passwords named by `password_env` are read from the environment now.
    pub fn load(path: &Path) -> Result<Keyring, CredentialError> {
        let text = Zeroizing::new(read_private_or_plain(path, false)?);
        Keyring::parse(&text, path, |var| std::env::var(var).ok())
    }

    /// Parses a credentials file's text (`path` names it in errors and
    /// anchors relative `password_file`s); `env` looks up `password_env`.
    pub fn parse(
        text: &str,
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Keyring, CredentialError> {
        if is_legacy(text) {
            return parse_legacy(text, path);
        }
        if let Some(line) = inline_password_line(text) {
            return Err(CredentialError::InlinePassword {
                path: path.to_owned(),
                line,
            });
        }
        let file: File = toml::from_str(text).map_err(|e| syntax(text, path, &e))?;
        if file.credential.is_empty() {
            return Err(CredentialError::Empty {
                path: path.to_owned(),
            });
        }
        let mut credentials = Vec::new();
        for (i, entry) in file.credential.into_iter().enumerate() {
            credentials.push(entry_credential(entry, i + 1, path, &env)?);
        }
        Ok(Keyring { credentials })
    }

    /// The credential for `addr` and `protocol`: only when `addr` is one of
    /// the scan's `targets` (exclusions applied) and inside the
    /// credential's scope; the most specific CIDR wins, the first listed
    /// on a tie.
    pub fn for_target(
        &self,
        addr: IpAddr,
        targets: &TargetSet,
        protocol: Protocol,
    ) -> Option<&Credential> {
        if !targets.contains(addr) {
            return None;
        }
        let mut best: Option<(i16, &Credential)> = None;
        for c in &self.credentials {
            if !c.protocols.contains(&protocol) {
                continue;
            }
            if let Some(rank) = c.scope.rank(addr)
                && best.is_none_or(|(r, _)| rank > r)
            {
                best = Some((rank, c));
            }
        }
        best.map(|(_, c)| c)
    }

    /// Whether any credential is unscoped (the old `user:password` file).
    pub fn is_unscoped(&self) -> bool {
        self.credentials
            .iter()
            .any(|c| c.scope == Scope::ScanTargets)
    }

    pub fn credentials(&self) -> &[Credential] {
        &self.credentials
    }

    pub fn is_empty(&self) -> bool {
        self.credentials.is_empty()
    }
}

/// The old format: no TOML table or key, one `user:password` line.
fn is_legacy(text: &str) -> bool {
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    // `user:pa=ss` is the old form; `user = "a:b"` is TOML.
    match lines.next().and_then(|l| l.split_once(':')) {
        Some((user, _)) => !user.starts_with('[') && !user.contains('='),
        None => false,
    }
}

fn parse_legacy(text: &str, path: &Path) -> Result<Keyring, CredentialError> {
    // The old file holds the password itself: refused if others can read it.
    check_private(path)?;
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .ok_or_else(|| CredentialError::Empty {
            path: path.to_owned(),
        })?;
    let (user, password) = line.split_once(':').ok_or_else(|| CredentialError::Empty {
        path: path.to_owned(),
    })?;
    Ok(Keyring {
        credentials: vec![Credential::new(
            user.to_owned(),
            Password::new(password.to_owned()),
            Scope::ScanTargets,
        )],
    })
}

/// The line of a `password = …` key, which is refused before TOML parsing
/// so that no parser message can quote its value.
fn inline_password_line(text: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            l.split_once('=')
                .is_some_and(|(k, _)| k.trim().trim_matches('"') == "password")
        })
        .map(|i| i + 1)
}

/// A TOML error as line, column and message, without the source excerpt
/// (which could quote a mistyped secret).
fn syntax(text: &str, path: &Path, e: &toml::de::Error) -> CredentialError {
    let at = e.span().map_or(0, |s| s.start).min(text.len());
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    CredentialError::Syntax {
        path: path.to_owned(),
        line,
        column,
        message: e.message().to_owned(),
    }
}

fn entry_credential(
    entry: Entry,
    index: usize,
    path: &Path,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Credential, CredentialError> {
    let fail = |why: String| CredentialError::Entry {
        path: path.to_owned(),
        index,
        user: entry.user.clone(),
        why,
    };
    if entry.user.is_empty() {
        return Err(fail("user is empty".to_owned()));
    }
    let cidrs = entry.cidrs.as_ref().ok_or_else(|| {
        fail("cidrs is required: the networks this credential may be sent to, e.g. cidrs = [\"10.20.0.0/16\"]".to_owned())
    })?;
    if cidrs.is_empty() {
        return Err(fail("cidrs is empty: it would go nowhere".to_owned()));
    }
    let mut nets = Vec::new();
    for c in cidrs {
        nets.push(parse_net(c).ok_or_else(|| {
            fail(format!(
                "cidrs: {c:?} is not a network such as 10.20.0.0/16 or an address"
            ))
        })?);
    }
    let protocols = entry.protocols.clone().unwrap_or(vec![Protocol::Onvif]);
    if protocols.is_empty() {
        return Err(fail(
            "protocols is empty: it would be used for nothing".to_owned(),
        ));
    }
    let password = match (&entry.password_env, &entry.password_file) {
        (Some(var), None) => match env(var) {
            Some(p) if !p.is_empty() => Password::new(p),
            Some(_) => return Err(fail(format!("environment variable {var} is empty"))),
            None => return Err(fail(format!("environment variable {var} is not set"))),
        },
        (None, Some(file)) => {
            let file = path.parent().unwrap_or(Path::new(".")).join(file);
            let text = Zeroizing::new(read_private_or_plain(&file, true)?);
            let p = text.strip_suffix('\n').unwrap_or(&text);
            let p = p.strip_suffix('\r').unwrap_or(p);
            if p.is_empty() {
                return Err(fail(format!("password file {} is empty", file.display())));
            }
            Password::new(p.to_owned())
        }
        _ => {
            return Err(fail(
                "give exactly one of password_env = \"VAR\" or password_file = \"/path\""
                    .to_owned(),
            ));
        }
    };
    Ok(Credential {
        user: entry.user,
        password,
        scope: Scope::Cidrs(nets),
        protocols,
        allow_plaintext: entry.allow_plaintext,
    })
}

fn parse_net(s: &str) -> Option<IpNet> {
    let s = s.trim();
    s.parse::<IpNet>()
        .ok()
        .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
        .map(|n| n.trunc())
}

/// Refuses a file that group or others may read or write.
fn check_private(path: &Path) -> Result<(), CredentialError> {
    let meta = std::fs::metadata(path).map_err(|error| CredentialError::Read {
        path: path.to_owned(),
        error,
    })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(CredentialError::Exposed {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

/// Reads a file, first refusing it when `private` and others may read it.
fn read_private_or_plain(path: &Path, private: bool) -> Result<String, CredentialError> {
    if private {
        check_private(path)?;
    }
    std::fs::read_to_string(path).map_err(|error| CredentialError::Read {
        path: path.to_owned(),
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(specs: &[&str]) -> TargetSet {
        TargetSet::parse(specs, &[]).unwrap()
    }

    fn keyring(text: &str) -> Result<Keyring, CredentialError> {
        Keyring::parse(text, Path::new("creds.toml"), |v| {
            (v == "PW").then(|| "s3cret-value".to_owned())
        })
    }

    fn user_for(k: &Keyring, addr: &str, t: &TargetSet) -> Option<String> {
        k.for_target(addr.parse().unwrap(), t, Protocol::Onvif)
            .map(|c| c.user.clone())
    }

    #[test]
    fn the_most_specific_cidr_wins_and_only_inside_the_targets() {
        let k = keyring(
            r#"
[[credential]]
user = "estate"
password_env = "PW"
cidrs = ["10.20.0.0/16"]

[[credential]]
user = "ward"
password_env = "PW"
cidrs = ["10.20.1.0/26", "192.0.2.7"]
"#,
        )
        .unwrap();
        let t = targets(&["10.20.0.0/16", "192.0.2.7"]);
        assert_eq!(user_for(&k, "10.20.1.5", &t).as_deref(), Some("ward"));
        assert_eq!(user_for(&k, "10.20.1.64", &t).as_deref(), Some("estate"));
        assert_eq!(user_for(&k, "192.0.2.7", &t).as_deref(), Some("ward"));
        // Inside a CIDR but not a target (a multicast reply, an XAddr).
        let narrow = targets(&["10.20.1.0/28"]);
        assert_eq!(user_for(&k, "10.20.1.20", &narrow), None);
        // A target outside every CIDR.
        let wide = targets(&["10.21.0.0/24"]);
        assert_eq!(user_for(&k, "10.21.0.5", &wide), None);
        // Excluded from the targets.
        let excl = TargetSet::parse(&["10.20.1.0/24"], &["10.20.1.5"]).unwrap();
        assert_eq!(user_for(&k, "10.20.1.5", &excl), None);
        assert!(!k.is_unscoped());
    }

    #[test]
    fn the_old_file_is_unscoped_but_still_bound_to_the_targets() {
        let dir = std::env::temp_dir().join(format!("camaudit-cred-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("old.txt");
        std::fs::write(&f, "# comment\naudit:pa:ss\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        let k = Keyring::load(&f).unwrap();
        assert!(k.is_unscoped());
        let c = &k.credentials()[0];
        assert_eq!((c.user.as_str(), c.password()), ("audit", "pa:ss"));
        let t = targets(&["127.0.0.1"]);
        assert!(
            k.for_target("127.0.0.1".parse().unwrap(), &t, Protocol::Onvif)
                .is_some()
        );
        assert!(
            k.for_target("127.0.0.2".parse().unwrap(), &t, Protocol::Onvif)
                .is_none()
        );
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Keyring::load(&f).unwrap_err().to_string();
        assert!(err.contains("chmod 600"), "{err}");
        assert!(err.contains("644"), "{err}");
        assert!(!err.contains("pa:ss"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_password_file_readable_by_others_is_refused() {
        let dir = std::env::temp_dir().join(format!("camaudit-pwf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pw = dir.join("pw");
        std::fs::write(&pw, "from-a-file\n").unwrap();
        std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o640)).unwrap();
        let toml =
            "[[credential]]\nuser = \"a\"\npassword_file = \"pw\"\ncidrs = [\"10.0.0.0/8\"]\n";
        let path = dir.join("c.toml");
        let err = Keyring::parse(toml, &path, |_| None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("chmod 600 {}", pw.display())),
            "{err}"
        );
        std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
        let k = Keyring::parse(toml, &path, |_| None).unwrap();
        assert_eq!(k.credentials()[0].password(), "from-a-file");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn mistakes_are_named_without_the_secret() {
        let cases = [
            (
                "[[credential]]\nuser = \"a\"\npassword_env = \"PW\"\n",
                "cidrs is required",
            ),
            (
                "[[credential]]\nuser = \"a\"\npassword_env = \"PW\"\ncidrs = []\n",
                "cidrs is empty",
            ),
            (
                "[[credential]]\nuser = \"a\"\npassword_env = \"PW\"\ncidrs = [\"10.0.0.0/33\"]\n",
                "10.0.0.0/33",
            ),
            (
                "[[credential]]\nuser = \"a\"\npassword_env = \"NOPE\"\ncidrs = [\"10.0.0.0/8\"]\n",
                "NOPE is not set",
            ),
            (
                "[[credential]]\nuser = \"a\"\ncidrs = [\"10.0.0.0/8\"]\n",
                "exactly one of",
            ),
            (
                "[[credential]]\nuser = \"a\"\npassword_env = \"PW\"\ncidrs = [\"10.0.0.0/8\"]\nprotocols = [\"telnet\"]\n",
                "line 5",
            ),
            (
                "[[credential]]\nuser = \"a\"\npassword = \"hunter2\"\ncidrs = [\"10.0.0.0/8\"]\n",
                "line 3: a password is never written",
            ),
            ("[[credential]\nuser = \"a\"\n", "line 1"),
            ("# nothing\n", "no credential"),
        ];
        for (text, want) in cases {
            let err = keyring(text).unwrap_err().to_string();
            assert!(err.contains(want), "{text:?}: {err}");
            assert!(!err.contains("hunter2") && !err.contains("s3cret"), "{err}");
        }
    }

    #[test]
    fn a_password_never_prints() {
        let k = keyring("[[credential]]\nuser = \"a\"\npassword_env = \"PW\"\ncidrs = [\"10.0.0.0/8\"]\nallow_plaintext = true\n").unwrap();
        let shown = format!("{k:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        assert!(k.credentials()[0].allow_plaintext);
    }
}
