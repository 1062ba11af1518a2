//! What the end-to-end tests of the estate server share: a scratch
//! directory, the real `camaudit` binary run in it, tokens made with
//! `camaudit token create`, and `camaudit serve` on a free port of
//! 127.0.0.1, stopped when dropped.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// An empty directory of its own for the test `name` in this process.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("camaudit-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `camaudit ARGS` run in `dir`, with no token from the environment.
pub fn camaudit(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .current_dir(dir)
        .args(args)
        .env_remove("CAMAUDIT_TOKEN")
        .output()
        .unwrap()
}

/// `camaudit ARGS`, which must succeed; its standard output.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let out = camaudit(dir, args);
    assert!(
        out.status.success(),
        "camaudit {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A token's secret from `token create --format json` on `estate.db`.
pub fn token(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["token", "create", "--db", "estate.db", "--format", "json"];
    all.extend_from_slice(args);
    let v: serde_json::Value = serde_json::from_str(&ok(dir, &all)).unwrap();
    v["secret"].as_str().unwrap().to_owned()
}

/// Writes a sensor's secret to a file only its owner reads (what
/// `--token-file` asks for); returns the file.
pub fn token_file(dir: &Path, name: &str, secret: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let file = dir.join(name);
    std::fs::write(&file, format!("{secret}\n")).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    file
}

/// `camaudit serve` of `estate.db` on a free port of 127.0.0.1, stopped
/// when dropped.
pub struct Serve {
    child: Child,
    pub url: String,
}

impl Serve {
    pub fn start(dir: &Path) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_camaudit"))
            .current_dir(dir)
            .args(["serve", "--db", "estate.db", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let url = loop {
            let line = lines
                .next()
                .expect("camaudit serve said where it listens")
                .unwrap();
            if let Some(rest) = line.split("listening on ").nth(1) {
                let url = rest.split_whitespace().next().unwrap();
                break url.trim_end_matches('/').to_owned();
            }
        };
        // Keep reading its log so that it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Serve { child, url }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
