//! Packet captures with a known answer, for testing and benchmarking
//! `camaudit pcap`.
//!
//! The estate simulator (`camaudit-sim`) plans a site's devices from a seed:
//! maker, brand, model, firmware, serial and MAC. This crate writes what
//! those devices would put on a switch's SPAN port — DHCP leases, the
//! makers' discovery replies (SADP, DHIP, WS-Discovery), a VMS polling each
//! web API and pulling RTSP, DNS lookups, TLS and P2P call-home flows to
//! the makers' clouds — mixed with ordinary office traffic (backups, web,
//! TLS, streamed video, DNS, SSDP) up to any size, as pcap or pcapng.
//! Because every device comes from the simulator's plan, the answer key is
//! exact: [`AnswerKey`] holds the truth of every device whose traffic is in
//! the file and every call-home flow written.
//!
//! Deterministic: the same [`Settings`] give the same bytes. Streaming:
//! memory is bounded by the conversations in flight, not the file's size.
//! Nothing is sent anywhere; internet peers are documentation addresses.

mod background;
mod camera;
mod error;
mod proto;
mod rng;
mod session;
mod sink;
mod site;
mod wire;

use std::collections::VecDeque;
use std::io::Write;
use std::time::Duration;

use camaudit_model::TruthRecord;
use camaudit_sim::SimConfig;
use serde::Serialize;

pub use camera::CallHome;
pub use error::GenError;
pub use sink::Format;
pub use site::SITE_CIDR;

use rng::Rng;
use session::Conversation;
use sink::Sink;
use wire::Link;

/// What to write.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Seeds both the simulator's estate and the traffic.
    pub seed: u64,
    /// Addresses of the estate laid out on [`SITE_CIDR`] (empty addresses
    /// included, as in the simulator).
    pub devices: u32,
    /// Ordinary traffic to add, in bytes of frames (0: camera traffic only).
    pub background_bytes: u64,
    pub format: Format,
    /// Tag every frame with this 802.1Q VLAN.
    pub vlan: Option<u16>,
    /// Conversations interleaved at once.
    pub concurrency: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            seed: 1,
            devices: 200,
            background_bytes: 0,
            format: Format::Pcap,
            vlan: None,
            concurrency: 32,
        }
    }
}

/// The exact answer for one capture.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerKey {
    pub seed: u64,
    /// Every device whose traffic is in the capture, in the simulator's
    /// truth vocabulary.
    pub devices: Vec<TruthRecord>,
    /// Every call-home flow written.
    pub call_home: Vec<CallHome>,
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Summary {
    pub packets: u64,
    /// Frame bytes (without the file's own headers).
    pub bytes: u64,
    pub camera_packets: u64,
    pub camera_bytes: u64,
}

/// The simulator's configuration for the estate a capture holds.
pub fn sim_config(settings: &Settings) -> Result<SimConfig, GenError> {
    Ok(SimConfig {
        devices: settings.devices,
        base: SITE_CIDR.parse()?,
        seed: settings.seed,
        faults: 0.0,
        ..SimConfig::default()
    })
}

/// Start of every capture: Monday 5 January 2026, 09:00 UTC.
const EPOCH: Duration = Duration::from_secs(1_767_603_600);

/// Writes the capture to `out` and returns its answer key.
pub fn write_capture<W: Write>(
    settings: &Settings,
    out: W,
) -> Result<(AnswerKey, Summary, W), GenError> {
    if settings.concurrency == 0 {
        return Err(GenError::Config("concurrency must be at least 1".into()));
    }
    let estate = camaudit_sim::estate(&sim_config(settings)?)?;
    let link = Link {
        vlan: settings.vlan,
    };
    let mut sink = Sink::new(settings.format, out)?;
    let mut rng = Rng::new(settings.seed);
    let mut key = AnswerKey {
        seed: settings.seed,
        devices: Vec::new(),
        call_home: Vec::new(),
    };
    let mut summary = Summary::default();
    let mut pending: VecDeque<Box<dyn Conversation + Send>> = VecDeque::new();
    let mut active: Vec<(Box<dyn Conversation + Send>, bool)> = Vec::new();
    let mut released = 0usize;
    // Background payload promised to conversations started so far.
    let mut committed = 0u64;
    let total = estate.devices.len();
    let mut clock = EPOCH;
    let mut frame = Vec::with_capacity(2048);
    loop {
        // Devices enter at even steps through the ordinary traffic, so
        // camera traffic is spread over the whole file.
        let due = if settings.background_bytes == 0 {
            total
        } else {
            ((summary.bytes - summary.camera_bytes) as u128 * total as u128
                / settings.background_bytes as u128) as usize
                + 1
        };
        while released < total.min(due) && pending.len() < settings.concurrency {
            let dev = &estate.devices[released];
            if let Some((conv, calls)) = camera::conversation(dev, link) {
                key.devices.push(dev.truth());
                key.call_home.extend(calls);
                pending.push_back(Box::new(conv));
            }
            released += 1;
        }
        while active.len() < settings.concurrency {
            if let Some(c) = pending.pop_front() {
                active.push((c, true));
            } else if committed < settings.background_bytes {
                let (conv, planned) =
                    background::next(&mut rng, link, settings.background_bytes - committed);
                committed += planned;
                active.push((conv, false));
            } else {
                break;
            }
        }
        if active.is_empty() {
            if released >= total && pending.is_empty() {
                break;
            }
            continue;
        }
        let i = rng.below(active.len() as u64) as usize;
        if !active[i].0.next_frame(&mut frame)? {
            active.swap_remove(i);
            continue;
        }
        // 1 Gb/s line rate plus a little gap.
        clock += Duration::from_nanos(frame.len() as u64 * 8 + rng.below(2_000));
        sink.write(clock, &frame)?;
        summary.packets += 1;
        summary.bytes += frame.len() as u64;
        if active[i].1 {
            summary.camera_packets += 1;
            summary.camera_bytes += frame.len() as u64;
        }
    }
    Ok((key, summary, sink.into_inner()))
}
