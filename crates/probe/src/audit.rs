//! The audit log: one record for every request the scan sends, so a network
//! owner can review exactly what went where.
//!
//! Probes do not take a log parameter: the [`Audit`] handle rides in the
//! probe context ([`crate::conn::Ctx`]) and is a no-op unless a sink was
//! given. A record names the target, port, protocol, the kind of request
//! (`http GET /ISAPI/System/deviceInfo`, `onvif GetDeviceInformation
//! (authenticated)`, `sadp inquiry`, `tcp connect` …), the bytes sent and
//! the outcome. It never holds a secret: request kinds are built from fixed
//! words and paths, never from a request body.

use std::fmt::Display;
use std::fs::{File, OpenOptions};
use std::io::{LineWriter, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::obs::now_rfc3339;

/// One request sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When it was sent (RFC 3339, UTC).
    pub time: String,
    pub target: IpAddr,
    pub port: u16,
    /// `tcp`, `http`, `https`, `tls`, `rtsp`, `onvif`, `wsd`, `sadp`,
    /// `dhip`, `ssdp`, or a vendor port's protocol.
    pub protocol: String,
    /// What was asked, e.g. `http GET /ISAPI/System/deviceInfo`.
    pub request: String,
    /// Bytes of the request (0 for a bare connect).
    pub bytes: usize,
    /// `open`, `closed`, `filtered`, `200`, `timed out`, `sent` …
    pub outcome: String,
}

/// Where audit records go. Implementations must not block for long: the
/// probes call it inline.
pub trait AuditSink: Send + Sync {
    fn record(&self, entry: AuditEntry);
    /// Pushes buffered records out (at Ctrl-C and at the end of a scan).
    fn flush(&self) {}
    /// Why records can no longer be written, if so: the scan then stops.
    fn failure(&self) -> Option<String> {
        None
    }
}

/// The audit handle probes carry: off by default.
#[derive(Clone, Default)]
pub struct Audit(Option<Arc<dyn AuditSink>>);

impl std::fmt::Debug for Audit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Audit(on)"
        } else {
            "Audit(off)"
        })
    }
}

impl Audit {
    pub fn new(sink: Arc<dyn AuditSink>) -> Audit {
        Audit(Some(sink))
    }

    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// Records one request; `request` is only built when the log is on.
    pub fn record(
        &self,
        target: SocketAddr,
        protocol: &str,
        request: impl FnOnce() -> String,
        bytes: usize,
        outcome: impl Display,
    ) {
        let Some(sink) = &self.0 else { return };
        sink.record(AuditEntry {
            time: now_rfc3339(),
            target: target.ip(),
            port: target.port(),
            protocol: protocol.to_owned(),
            request: request(),
            bytes,
            outcome: outcome.to_string(),
        });
    }

    pub fn flush(&self) {
        if let Some(sink) = &self.0 {
            sink.flush();
        }
    }

    pub fn failure(&self) -> Option<String> {
        self.0.as_ref().and_then(|s| s.failure())
    }
}

/// The `--audit-log FILE` sink: JSON lines, appended, each written through
/// as it is recorded (a line buffer), so a kill loses at most a partial
/// line. The first write error is kept for [`AuditSink::failure`]: a scan
/// whose requests can no longer be recorded should stop.
pub struct JsonlAudit {
    path: PathBuf,
    out: Mutex<LineWriter<File>>,
    failure: Mutex<Option<String>>,
}

impl JsonlAudit {
    /// Opens (creating or appending to) the log.
    pub fn create(path: &Path) -> std::io::Result<JsonlAudit> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(JsonlAudit {
            path: path.to_owned(),
            out: Mutex::new(LineWriter::new(file)),
            failure: Mutex::new(None),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn fail(&self, e: std::io::Error) {
        let mut f = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        if f.is_none() {
            *f = Some(format!(
                "writing the audit log {}: {e}",
                self.path.display()
            ));
        }
    }
}

impl AuditSink for JsonlAudit {
    fn record(&self, entry: AuditEntry) {
        let Ok(mut line) = serde_json::to_vec(&entry) else {
            return;
        };
        line.push(b'\n');
        let result = self
            .out
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .write_all(&line);
        if let Err(e) = result {
            self.fail(e);
        }
    }

    fn flush(&self) {
        let result = self.out.lock().unwrap_or_else(|p| p.into_inner()).flush();
        if let Err(e) = result {
            self.fail(e);
        }
    }

    fn failure(&self) -> Option<String> {
        self.failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl Drop for JsonlAudit {
    fn drop(&mut self) {
        AuditSink::flush(self);
    }
}

/// Records kept in memory (tests, and callers that ship them elsewhere).
#[derive(Debug, Default)]
pub struct MemoryAudit(Mutex<Vec<AuditEntry>>);

impl MemoryAudit {
    pub fn entries(&self) -> Vec<AuditEntry> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl AuditSink for MemoryAudit {
    fn record(&self, entry: AuditEntry) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_records_nothing_and_builds_nothing() {
        let a = Audit::default();
        a.record(
            "127.0.0.1:80".parse().unwrap(),
            "http",
            || unreachable!("built while off"),
            0,
            "x",
        );
        assert!(!a.is_on());
    }

    #[test]
    fn jsonl_lines_are_written_through() {
        let path =
            std::env::temp_dir().join(format!("camaudit-audit-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let sink = Arc::new(JsonlAudit::create(&path).unwrap());
        let a = Audit::new(sink.clone());
        a.record(
            "127.0.0.9:8000".parse().unwrap(),
            "tcp",
            || "tcp connect".to_owned(),
            0,
            "open",
        );
        // Readable before any flush or drop: a Ctrl-C loses nothing.
        let text = std::fs::read_to_string(&path).unwrap();
        let e: AuditEntry = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(
            (
                e.target.to_string(),
                e.port,
                e.request.as_str(),
                e.outcome.as_str()
            ),
            ("127.0.0.9".to_owned(), 8000, "tcp connect", "open")
        );
        assert!(sink.failure().is_none());
        drop(a);
        drop(sink);
        std::fs::remove_file(&path).unwrap();
    }
}
