//! The `camaudit serve` under test: started on a free loopback port,
//! waited for, and killed when dropped.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

pub struct Server {
    child: Child,
    base: String,
}

impl Server {
    pub fn start(camaudit: &Path, db: &str) -> Result<Server> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .context("finding a free loopback port")?
            .port();
        let listen = format!("127.0.0.1:{port}");
        let child = Command::new(camaudit)
            // The readers page as fast as the server answers, on one
            // token: the run measures the server, not its per-token limit.
            .args(["serve", "--db", db, "--listen", &listen])
            .args(["--rate-limit", "100000", "--rate-burst", "1000000"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {} serve", camaudit.display()))?;
        let mut server = Server {
            child,
            base: format!("http://{listen}"),
        };
        server.wait_until_up(port)?;
        Ok(server)
    }

    fn wait_until_up(&mut self, port: u16) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                bail!("camaudit serve exited at start ({status})");
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("camaudit serve did not listen on 127.0.0.1:{port} within 30 s")
    }

    pub fn base(&self) -> String {
        self.base.clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
