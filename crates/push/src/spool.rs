//! The spool: batches on disk until the server has them.
//!
//! ```text
//! DIR/lock                                   held while a camaudit uses the spool
//! DIR/queue/<time>-<scan key>/<part>.<id>.json  waiting, sent oldest first
//! DIR/rejected/<scan key>.<part>.<id>.json   refused by the server for good,
//! DIR/rejected/….error.txt                   beside the server's answer
//! DIR/tmp/                                   a scan being written
//! ```
//!
//! A scan's batches are written into `tmp/`, each file flushed to disk,
//! and the whole directory is renamed into `queue/` in one step: a killed
//! sensor leaves either all of a scan's batches or none (a re-run cuts the
//! scan again into the same ids). A batch leaves the queue only when the
//! server has acknowledged it, or refused it for good into `rejected/`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use camaudit_store::BatchId;
use time::OffsetDateTime;

use crate::PushError;
use crate::batch::Batch;

/// A spool directory, locked for this process while it is open.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    // Held for the flock; released when the spool is dropped.
    _lock: File,
}

/// A batch waiting in the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub path: PathBuf,
    pub id: BatchId,
}

/// Whether someone else holds the spool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Fail at once if another camaudit is using the spool.
    No,
    /// Wait for it to finish.
    Yes,
}

fn io_err<'p>(op: &'static str, path: &'p Path) -> impl FnOnce(io::Error) -> PushError + 'p {
    move |source| PushError::Spool {
        op,
        path: path.to_owned(),
        source,
    }
}

impl Spool {
    /// Opens (creating) the spool at `dir`, taking its lock, and clears
    /// what a killed run left half written.
    pub fn open(dir: &Path, wait: Wait) -> Result<Spool, PushError> {
        for sub in ["queue", "rejected", "tmp"] {
            let path = dir.join(sub);
            fs::create_dir_all(&path).map_err(io_err("create the spool directory", &path))?;
        }
        let lock_path = dir.join("lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_err("open the spool's lock file", &lock_path))?;
        lock_file(&lock, wait).map_err(|e| match e.kind() {
            io::ErrorKind::WouldBlock => PushError::SpoolBusy(dir.to_owned()),
            _ => PushError::Spool {
                op: "lock",
                path: lock_path.clone(),
                source: e,
            },
        })?;
        let spool = Spool {
            dir: dir.to_owned(),
            _lock: lock,
        };
        spool.clear_tmp()?;
        Ok(spool)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn queue(&self) -> PathBuf {
        self.dir.join("queue")
    }

    pub fn rejected_dir(&self) -> PathBuf {
        self.dir.join("rejected")
    }

    fn clear_tmp(&self) -> Result<(), PushError> {
        let tmp = self.dir.join("tmp");
        for entry in fs::read_dir(&tmp).map_err(io_err("read", &tmp))? {
            let path = entry.map_err(io_err("read", &tmp))?.path();
            let removed = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            removed.map_err(io_err("remove a half-written scan", &path))?;
        }
        Ok(())
    }

    /// Whether a scan with this key is already waiting in the queue.
    pub fn has_scan(&self, scan_key: &str) -> Result<bool, PushError> {
        let suffix = format!("-{scan_key}");
        Ok(self.queue_dirs()?.iter().any(|d| {
            d.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with(&suffix))
        }))
    }

    /// Starts writing a scan's batches.
    pub fn stage(&self, scan_key: &str) -> Result<Staged<'_>, PushError> {
        let now = OffsetDateTime::now_utc();
        let millis = now.unix_timestamp_nanos() / 1_000_000;
        let name = format!("{millis:013}-{scan_key}");
        let path = self.dir.join("tmp").join(&name);
        fs::create_dir(&path).map_err(io_err("create", &path))?;
        Ok(Staged {
            spool: self,
            name,
            path,
            batches: 0,
        })
    }

    fn queue_dirs(&self) -> Result<Vec<PathBuf>, PushError> {
        let queue = self.queue();
        let mut dirs = Vec::new();
        for entry in fs::read_dir(&queue).map_err(io_err("read", &queue))? {
            let path = entry.map_err(io_err("read", &queue))?.path();
            if path.is_dir() {
                dirs.push(path);
            }
        }
        dirs.sort();
        Ok(dirs)
    }

    /// Every batch waiting, oldest scan first and in order within a scan.
    pub fn queued(&self) -> Result<Vec<Queued>, PushError> {
        let mut all = Vec::new();
        for dir in self.queue_dirs()? {
            let mut files = Vec::new();
            for entry in fs::read_dir(&dir).map_err(io_err("read", &dir))? {
                let path = entry.map_err(io_err("read", &dir))?.path();
                if let Some(id) = batch_id_of(&path) {
                    files.push(Queued { path, id });
                }
            }
            files.sort_by(|a, b| a.path.cmp(&b.path));
            if files.is_empty() {
                // A scan whose batches have all gone; a kill came between
                // the last removal and the directory's.
                let _ = fs::remove_dir(&dir);
            }
            all.extend(files);
        }
        Ok(all)
    }

    /// The batch's body as it was written.
    pub fn read(&self, batch: &Queued) -> Result<Vec<u8>, PushError> {
        fs::read(&batch.path).map_err(io_err("read the spooled batch", &batch.path))
    }

    /// The server has the batch: it leaves the queue.
    pub fn acknowledge(&self, batch: &Queued) -> Result<(), PushError> {
        fs::remove_file(&batch.path).map_err(io_err("remove the sent batch", &batch.path))?;
        self.tidy(&batch.path)
    }

    /// The server refused the batch for good: it moves to `rejected/` with
    /// the server's answer beside it, and is not sent again.
    pub fn reject(&self, batch: &Queued, answer: &str) -> Result<PathBuf, PushError> {
        let rejected = self.rejected_dir();
        let name = rejected_name(&batch.path);
        let error_path = rejected.join(format!("{name}.error.txt"));
        write_durably(&error_path, answer.as_bytes())?;
        let target = rejected.join(&name);
        fs::rename(&batch.path, &target).map_err(io_err("move the refused batch", &target))?;
        sync_dir(&rejected)?;
        self.tidy(&batch.path)?;
        Ok(target)
    }

    /// After a batch left its scan's directory: flushes the removal, and
    /// removes the directory when it was the last.
    fn tidy(&self, batch: &Path) -> Result<(), PushError> {
        let Some(dir) = batch.parent() else {
            return Ok(());
        };
        sync_dir(dir)?;
        let empty = fs::read_dir(dir)
            .map_err(io_err("read", dir))?
            .next()
            .is_none();
        if empty {
            fs::remove_dir(dir).map_err(io_err("remove the sent scan's directory", dir))?;
            sync_dir(&self.queue())?;
        }
        Ok(())
    }
}

/// A scan's batches being written, invisible to senders until committed.
#[derive(Debug)]
pub struct Staged<'s> {
    spool: &'s Spool,
    name: String,
    path: PathBuf,
    batches: usize,
}

impl Staged<'_> {
    pub fn write(&mut self, batch: &Batch) -> Result<(), PushError> {
        let file = self
            .path
            .join(format!("{:06}.{}.json", batch.part, batch.id.as_str()));
        write_durably(&file, &batch.body)?;
        self.batches += 1;
        Ok(())
    }

    /// Moves the scan's batches into the queue in one rename. Returns how
    /// many there were.
    pub fn commit(self) -> Result<usize, PushError> {
        sync_dir(&self.path)?;
        let target = self.spool.queue().join(&self.name);
        fs::rename(&self.path, &target).map_err(io_err("queue the scan's batches", &target))?;
        sync_dir(&self.spool.queue())?;
        sync_dir(&self.spool.dir.join("tmp"))?;
        Ok(self.batches)
    }
}

/// The batch id in a spooled file's name `<part>.<id>.json`.
fn batch_id_of(path: &Path) -> Option<BatchId> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".json")?;
    let (_, id) = stem.split_once('.')?;
    id.parse().ok()
}

/// `queue/<time>-<key>/<part>.<id>.json` → `<time>-<key>.<part>.<id>.json`,
/// unique across scans.
fn rejected_name(batch: &Path) -> String {
    let file = batch
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match batch.parent().and_then(Path::file_name) {
        Some(scan) => format!("{}.{file}", scan.to_string_lossy()),
        None => file,
    }
}

/// Writes a whole file under a temporary name, flushes it, and renames it
/// into place: a reader never sees half of it.
fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), PushError> {
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".part");
    let tmp = PathBuf::from(tmp_name);
    let mut file = File::create(&tmp).map_err(io_err("create", &tmp))?;
    file.write_all(bytes).map_err(io_err("write", &tmp))?;
    file.sync_all().map_err(io_err("flush to disk", &tmp))?;
    drop(file);
    fs::rename(&tmp, path).map_err(io_err("rename into place", path))?;
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<(), PushError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err("flush the directory", dir))
}

/// An exclusive advisory lock on the spool (flock: released by the kernel
/// when the process dies, so a killed sensor never leaves it held).
fn lock_file(file: &File, wait: Wait) -> io::Result<()> {
    let mut op = libc::LOCK_EX;
    if wait == Wait::No {
        op |= libc::LOCK_NB;
    }
    // SAFETY: flock on a descriptor this File owns and keeps open.
    let rc = unsafe { libc::flock(file.as_raw_fd(), op) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
