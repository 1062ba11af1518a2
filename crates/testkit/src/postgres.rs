//! A throwaway PostgreSQL cluster for tests: a real server, not a mock.
//!
//! [`cluster`] runs `initdb` in a temporary directory, starts the server on
//! 127.0.0.1 and a free port (its Unix socket in the same directory), and
//! stops it and removes the directory when the last test holding it lets go,
//! also when that test panics. Debian's server refuses to run as root, so as
//! root the server's programs run as the `postgres` user (`runuser`).
//!
//! The binaries are taken from `CAMAUDIT_PG_BIN` if set, else the newest
//! `/usr/lib/postgresql/*/bin` (Debian's layout; `.ci/run` installs
//! `postgresql-15`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{SystemTime, UNIX_EPOCH};

/// The superuser `initdb` creates; trusted on the cluster's own addresses.
const SUPERUSER: &str = "camaudit";

static SHARED: Mutex<Weak<PgCluster>> = Mutex::new(Weak::new());
static NEXT: AtomicU32 = AtomicU32::new(0);

/// A running cluster of this test process, shared by the tests that run at
/// the same time; `None` (after [`crate::skip`]) when PostgreSQL is not
/// installed or does not start.
pub fn cluster() -> Option<Arc<PgCluster>> {
    let mut shared = SHARED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(running) = shared.upgrade() {
        return Some(running);
    }
    match PgCluster::start() {
        Ok(c) => {
            let c = Arc::new(c);
            *shared = Arc::downgrade(&c);
            Some(c)
        }
        Err(why) => {
            crate::skip(&format!("no PostgreSQL server for this test: {why}"));
            None
        }
    }
}

/// One PostgreSQL cluster in a temporary directory.
pub struct PgCluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    /// Run the server's programs as `postgres` (we are root).
    as_postgres: bool,
}

impl PgCluster {
    /// Creates and starts a cluster, or says why it could not.
    pub fn start() -> Result<PgCluster, String> {
        let bin = find_bin()?;
        let as_postgres = is_root();
        let dir = std::env::temp_dir().join(format!(
            "camaudit-pg-{}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        ));
        std::fs::create_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        // From here on, Drop removes the directory whatever fails next.
        let mut cluster = PgCluster {
            dir,
            bin,
            port: 0,
            as_postgres,
        };
        if as_postgres {
            run(Command::new("chown").arg("postgres:").arg(&cluster.dir))
                .map_err(|e| format!("cannot give the cluster directory to user postgres: {e}"))?;
        }
        let data = cluster.data_dir();
        cluster
            .server_cmd("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--locale=C"])
            .args(["--no-sync", "--no-instructions"])
            .pipe(run)
            .map_err(|e| format!("initdb failed: {e}"))?;
        // A free port can be taken by someone else before the server binds
        // it: try a few.
        let mut last = String::new();
        for _ in 0..3 {
            cluster.port = free_port()?;
            match cluster.pg_ctl_start() {
                Ok(()) => return Ok(cluster),
                Err(e) => last = e,
            }
        }
        Err(format!("the server did not start: {last}"))
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn pg_ctl_start(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("server.log");
        let started = self
            .server_cmd("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "30", "-o", &options, "start"])
            .pipe(run);
        started.map_err(|e| {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            format!("{e}; server log: {}", tail.trim())
        })
    }

    /// The port the server listens on at 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The connection address of database `db` on this cluster.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates a new, empty database with a name no other test of this
    /// process uses, and returns its connection address.
    pub fn create_database(&self, hint: &str) -> String {
        let name = format!(
            "{hint}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let created = Command::new(self.bin.join("createdb"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", SUPERUSER, &name])
            .pipe(run);
        if let Err(e) = created {
            panic!("createdb {name} failed: {e}");
        }
        self.url(&name)
    }

    /// Runs `sql` with `psql` in database `url` (as made by [`Self::url`])
    /// and returns its unaligned output; panics if it fails.
    pub fn psql(&self, url: &str, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                url,
                "-c",
                sql,
            ])
            .output();
        match out {
            Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_owned(),
            Ok(o) => panic!(
                "psql {sql:?}: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ),
            Err(e) => panic!("psql: {e}"),
        }
    }

    /// One of the server's programs, as the user allowed to run it.
    fn server_cmd(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if self.port != 0 {
            // Immediate: the data is thrown away, so nothing needs flushing.
            let _ = self
                .server_cmd("pg_ctl")
                .arg("-D")
                .arg(self.data_dir())
                .args(["-m", "immediate", "-w", "-t", "30", "stop"])
                .pipe(run);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Lets a command be passed on at the end of a builder chain.
trait Pipe: Sized {
    fn pipe<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        f(self)
    }
}
impl Pipe for Command {}

/// Runs a command to its end; its output is kept for the error only.
fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "{:?} {}: {}{}",
        cmd.get_program(),
        out.status,
        String::from_utf8_lossy(&out.stderr).trim(),
        String::from_utf8_lossy(&out.stdout).trim()
    ))
}

fn find_bin() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("CAMAUDIT_PG_BIN") {
        let dir = PathBuf::from(dir);
        return if dir.join("initdb").exists() {
            Ok(dir)
        } else {
            Err(format!("no initdb in CAMAUDIT_PG_BIN={}", dir.display()))
        };
    }
    let root = Path::new("/usr/lib/postgresql");
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .map_err(|_| "/usr/lib/postgresql is absent: install postgresql-15".to_owned())?
        .filter_map(|e| {
            let e = e.ok()?;
            let major = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((major, bin))
        })
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| "no initdb under /usr/lib/postgresql/*/bin: install postgresql-15".into())
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port on 127.0.0.1: {e}"))
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { geteuid() == 0 }
}

unsafe extern "C" {
    fn geteuid() -> u32;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_answers_and_leaves_nothing_behind() {
        let Some(c) = cluster() else { return };
        let url = c.create_database("kit");
        assert_eq!(c.psql(&url, "SELECT 40 + 2"), "42");
        assert!(url.starts_with("postgres://camaudit@127.0.0.1:"), "{url}");
        let (dir, port) = (c.dir.clone(), c.port());
        assert!(dir.join("data/PG_VERSION").exists());
        drop(c);
        assert!(!dir.exists(), "{} is left behind", dir.display());
        let still = std::net::TcpStream::connect(("127.0.0.1", port));
        assert!(still.is_err(), "the server still answers on port {port}");
    }
}
