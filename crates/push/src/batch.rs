//! A stored scan cut into batches: observations first, then devices, each
//! batch under a count and a byte limit, each with an id that depends only
//! on the scan, the site and the limits, so that cutting the same scan
//! again gives the same batches with the same ids (the server stores a
//! retried id once).

use camaudit_store::{BatchId, Scan, ScanId, ScanStatus, Slug, Store};
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::PushError;

/// How big a batch may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub observations: usize,
    pub devices: usize,
    /// The whole body's size in bytes; well under the server's limit
    /// (32 MiB by default) so that a slow link sends each in reasonable
    /// time.
    pub bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            observations: 5_000,
            devices: 1_000,
            bytes: 8 << 20,
        }
    }
}

/// Room kept in every batch for the punctuation around the items.
const FRAME_BYTES: usize = 64;

/// One batch, ready to send: its id and its body exactly as posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub id: BatchId,
    /// Its place in the scan, from 0.
    pub part: u32,
    pub body: Vec<u8>,
    pub observations: usize,
    pub devices: usize,
}

/// Who is sending which scan to which site.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The sensor's name (by default the host's), part of the scan's
    /// reference at the server.
    pub sensor: String,
    pub site: Slug,
}

/// The scan's reference at the server: sensor, local scan id and start,
/// so that it is unique per sensor and scan. A scan cut with other than
/// the default limits is another scan at the server (its batches hold
/// other parts): sending it again in smaller batches after a 413 gives a
/// complete scan, not the same observations twice in one.
pub fn scan_ref(sensor: &str, scan: &Scan, limits: &Limits) -> String {
    let started = scan
        .started_at
        .format(&Rfc3339)
        .unwrap_or_else(|_| scan.started_at.unix_timestamp().to_string());
    let mut r = format!("{sensor}/{}/{started}", scan.id);
    if *limits != Limits::default() {
        r.push_str(&format!(
            "/cut-{}-{}-{}",
            limits.observations, limits.devices, limits.bytes
        ));
    }
    r
}

/// The part of every batch id of one scan that names it: 16 hex digits of
/// a SHA-256 over what decides the batches' contents, and the local scan
/// id to read by.
pub fn scan_key(origin: &Origin, scan: &Scan, limits: &Limits) -> String {
    let scan_ref = scan_ref(&origin.sensor, scan, limits);
    format!("{}-{}", id_stem(&scan_ref, &origin.site, limits), scan.id)
}

fn id_stem(scan_ref: &str, site: &Slug, limits: &Limits) -> String {
    let mut h = Sha256::new();
    for part in [
        scan_ref,
        site.as_str(),
        &limits.observations.to_string(),
        &limits.devices.to_string(),
        &limits.bytes.to_string(),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let digest = h.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// The header of a batch: everything but the items.
#[derive(Serialize)]
struct Header<'a> {
    #[serde(rename = "ref")]
    scan_ref: &'a str,
    kind: camaudit_store::ScanKind,
    #[serde(with = "time::serde::rfc3339")]
    started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    finished_at: Option<OffsetDateTime>,
    params: &'a serde_json::Value,
}

/// What is the same in every batch of the scan.
struct Frame {
    key: String,
    site_json: String,
    /// The `scan` object without and with `finished_at`.
    scan_json: String,
    last_scan_json: String,
}

impl Frame {
    fn new(origin: &Origin, scan: &Scan, limits: &Limits) -> Result<Frame, PushError> {
        let scan_ref = scan_ref(&origin.sensor, scan, limits);
        // The server takes an object; a store's parameters always are one,
        // but an old or hand-made scan may not be.
        let params = match &scan.params {
            serde_json::Value::Object(_) => scan.params.clone(),
            serde_json::Value::Null => serde_json::json!({}),
            other => serde_json::json!({ "params": other }),
        };
        // A complete scan has its end; if one has not, its start stands in
        // (not now: the same scan must always give the same bodies).
        let finished = scan.finished_at.unwrap_or(scan.started_at);
        let header = |finished_at| Header {
            scan_ref: &scan_ref,
            kind: scan.kind,
            started_at: scan.started_at,
            finished_at,
            params: &params,
        };
        Ok(Frame {
            key: scan_key(origin, scan, limits),
            site_json: serde_json::to_string(origin.site.as_str()).map_err(PushError::Encode)?,
            scan_json: serde_json::to_string(&header(None)).map_err(PushError::Encode)?,
            last_scan_json: serde_json::to_string(&header(Some(finished)))
                .map_err(PushError::Encode)?,
        })
    }

    fn id(&self, part: u32) -> BatchId {
        // Hex, digits and '-' only, at most 16 + 1 + 20 + 1 + 10 characters:
        // always a valid id.
        format!("{}-{part}", self.key)
            .parse()
            .unwrap_or_else(|_| unreachable!("a batch id of hex digits and numbers is valid"))
    }

    /// The bytes a batch has before any item.
    fn overhead(&self, part: u32) -> usize {
        let id = self.id(part);
        id.as_str().len()
            + self.site_json.len()
            + self.scan_json.len().max(self.last_scan_json.len())
            + FRAME_BYTES
    }

    fn body(
        &self,
        id: &BatchId,
        last: bool,
        observations: &[String],
        devices: &[String],
    ) -> Vec<u8> {
        let scan = if last {
            &self.last_scan_json
        } else {
            &self.scan_json
        };
        let size = observations
            .iter()
            .chain(devices)
            .map(|s| s.len() + 1)
            .sum::<usize>();
        let mut body = String::with_capacity(size + 256);
        body.push_str("{\"id\":\"");
        body.push_str(id.as_str());
        body.push_str("\",\"site\":");
        body.push_str(&self.site_json);
        body.push_str(",\"scan\":");
        body.push_str(scan);
        body.push_str(",\"observations\":[");
        body.push_str(&observations.join(","));
        body.push_str("],\"devices\":[");
        body.push_str(&devices.join(","));
        body.push_str("]}");
        body.into_bytes()
    }
}

/// The batch being filled.
#[derive(Default)]
struct Open {
    observations: Vec<String>,
    devices: Vec<String>,
    bytes: usize,
}

impl Open {
    fn fits(&self, item: usize, limits: &Limits, room: usize) -> bool {
        self.observations.len() < limits.observations
            && self.devices.len() < limits.devices
            && self.bytes + item < room
    }

    fn is_empty(&self) -> bool {
        self.observations.is_empty() && self.devices.is_empty()
    }
}

/// Cuts a complete stored scan into batches, in order, to `each`; the last
/// one carries the scan's end. A scan with nothing in it is one empty
/// batch, so that the server still learns it ran. Returns how many.
pub fn cut(
    store: &dyn Store,
    scan: ScanId,
    origin: &Origin,
    limits: &Limits,
    each: &mut dyn FnMut(Batch) -> Result<(), PushError>,
) -> Result<u32, PushError> {
    let record = store
        .scan(scan)
        .map_err(|source| PushError::Store { scan, source })?;
    if record.status != ScanStatus::Complete {
        return Err(PushError::NotComplete {
            scan,
            status: record.status,
        });
    }
    let mut cutter = Cutter {
        frame: Frame::new(origin, &record, limits)?,
        scan,
        limits: *limits,
        part: 0,
        open: Open::default(),
        held: None,
        each,
    };
    let mut failed = None;
    store
        .for_each_observation(scan, &mut |o| {
            if failed.is_none()
                && let Err(e) = cutter.add(Item::Observation, &o)
            {
                failed = Some(e);
            }
        })
        .map_err(|source| PushError::Store { scan, source })?;
    if let Some(e) = failed {
        return Err(e);
    }
    let devices = store
        .devices(scan)
        .map_err(|source| PushError::Store { scan, source })?;
    for d in &devices {
        cutter.add(Item::Device, d)?;
    }
    cutter.finish()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Observation,
    Device,
}

impl Item {
    fn name(self) -> &'static str {
        match self {
            Item::Observation => "an observation",
            Item::Device => "a device",
        }
    }
}

struct Cutter<'e> {
    frame: Frame,
    scan: ScanId,
    limits: Limits,
    /// The number of the batch being filled.
    part: u32,
    open: Open,
    /// The last batch closed and its number, held back until it is known
    /// whether it is the scan's last (which carries `finished_at`).
    held: Option<(u32, Open)>,
    each: &'e mut dyn FnMut(Batch) -> Result<(), PushError>,
}

impl Cutter<'_> {
    fn add<T: Serialize>(&mut self, item: Item, value: &T) -> Result<(), PushError> {
        let json = serde_json::to_string(value).map_err(PushError::Encode)?;
        if !self.open.fits(json.len(), &self.limits, self.room()) && !self.open.is_empty() {
            self.close()?;
        }
        let room = self.room();
        if !self.open.fits(json.len(), &self.limits, room) {
            return Err(PushError::TooLarge {
                scan: self.scan,
                what: item.name(),
                bytes: json.len(),
                limit: room,
            });
        }
        self.open.bytes += json.len() + 1;
        match item {
            Item::Observation => self.open.observations.push(json),
            Item::Device => self.open.devices.push(json),
        }
        Ok(())
    }

    /// The bytes the items of the batch being filled may take.
    fn room(&self) -> usize {
        self.limits
            .bytes
            .saturating_sub(self.frame.overhead(self.part))
    }

    /// Ends the batch being filled; the one held before it is now known
    /// not to be the last and goes out.
    fn close(&mut self) -> Result<(), PushError> {
        let closed = (self.part, std::mem::take(&mut self.open));
        self.part += 1;
        match self.held.replace(closed) {
            Some((part, previous)) => self.emit(part, previous, false),
            None => Ok(()),
        }
    }

    fn emit(&mut self, part: u32, batch: Open, last: bool) -> Result<(), PushError> {
        let id = self.frame.id(part);
        let body = self
            .frame
            .body(&id, last, &batch.observations, &batch.devices);
        (self.each)(Batch {
            id,
            part,
            body,
            observations: batch.observations.len(),
            devices: batch.devices.len(),
        })
    }

    fn finish(mut self) -> Result<u32, PushError> {
        let (part, last) = match self.held.take() {
            Some(held) if self.open.is_empty() => held,
            held => {
                if let Some((part, previous)) = held {
                    self.emit(part, previous, false)?;
                }
                (self.part, std::mem::take(&mut self.open))
            }
        };
        self.emit(part, last, true)?;
        Ok(part + 1)
    }
}
