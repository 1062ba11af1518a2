//! What a capture held and what was left out, and why: the counts behind
//! the summary line and `docs/pcap.md`'s "Skipped" section.

use serde::Serialize;

/// Why the reading stopped before the end of the input. The byte offset
/// is where in the (decompressed) capture it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", content = "at_byte", rename_all = "kebab-case")]
pub enum Stop {
    /// The file ends in the middle of a block (a capture cut short).
    Truncated(u64),
    /// A block header that does not parse (bad magic, type or lengths).
    Corrupt(u64),
    /// A block that claims more than the largest accepted length.
    OversizedBlock(u64),
    /// The input could not be read further.
    ReadError(u64),
}

impl Stop {
    pub fn describe(self) -> String {
        match self {
            Stop::Truncated(at) => format!("the capture ends inside a block at byte {at}"),
            Stop::Corrupt(at) => format!("a corrupt block header at byte {at}"),
            Stop::OversizedBlock(at) => format!(
                "a block at byte {at} claims more than {} MiB",
                crate::capture::MAX_BLOCK >> 20
            ),
            Stop::ReadError(at) => format!("the input could not be read after byte {at}"),
        }
    }
}

/// Counts from the capture reader.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReadStats {
    /// Capture bytes read (after decompression).
    pub bytes_read: u64,
    /// Packet blocks naming an interface the section did not describe.
    pub unknown_interface: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<Stop>,
}

/// Everything counted over one capture.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub packets: u64,
    /// Frame bytes as captured.
    pub bytes: u64,
    #[serde(flatten)]
    pub read: ReadStats,
    /// Frames shorter on file than on the wire (the snap length cut them).
    pub snaplen_cut: u64,
    /// Frames of a link type that is not decoded, by type.
    pub unknown_link: u64,
    /// Frames too short for their own headers.
    pub malformed: u64,
    /// IPv4/IPv6 fragments (counted, not reassembled).
    pub ip_fragments: u64,
    /// TCP and UDP conversations seen (client, server, service port).
    pub flows: u64,
    /// TCP streams reassembled for evidence.
    pub streams: u64,
    /// Streams dropped because the stream table was full.
    pub streams_evicted: u64,
    /// Streams parsed early and dropped because all streams together held
    /// their byte budget (the largest go first).
    pub streams_shed: u64,
    /// Streams that stopped being reassembled at their byte cap.
    pub streams_capped: u64,
    /// Holes in a stream (segments missing from the capture).
    pub stream_gaps: u64,
    /// Conversations not tracked because their table was full.
    pub flows_untracked: u64,
    /// Messages of a known protocol that did not parse (broken HTTP, RTSP,
    /// TLS, DNS, DHCP, SADP XML, DHIP JSON, UPnP XML…), by protocol.
    pub malformed_messages: std::collections::BTreeMap<&'static str, u64>,
    /// Observations dropped at the per-address, address-count or byte cap.
    pub observations_dropped: u64,
}

impl Summary {
    pub fn malformed(&mut self, protocol: &'static str) {
        *self.malformed_messages.entry(protocol).or_default() += 1;
    }

    /// What was skipped and why, as short clauses ("3 IP fragments not
    /// reassembled"); empty when nothing was.
    pub fn skipped(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut say = |n: u64, what: &str| {
            if n > 0 {
                out.push(format!("{n} {what}"));
            }
        };
        say(self.snaplen_cut, "frames cut by the snap length");
        say(self.unknown_link, "frames of an undecoded link type");
        say(self.malformed, "frames too short for their headers");
        say(self.ip_fragments, "IP fragments not reassembled");
        say(
            self.read.unknown_interface,
            "packets of an undescribed interface",
        );
        say(self.streams_evicted, "TCP streams evicted (table full)");
        say(
            self.streams_shed,
            "TCP streams cut short (stream memory budget)",
        );
        say(self.streams_capped, "TCP streams cut at their byte cap");
        say(self.stream_gaps, "gaps in TCP streams");
        say(
            self.flows_untracked,
            "conversations not tracked (table full)",
        );
        say(self.observations_dropped, "observations over the caps");
        for (proto, n) in &self.malformed_messages {
            out.push(format!("{n} malformed {proto} messages"));
        }
        if let Some(stop) = self.read.stop {
            out.push(format!("reading stopped: {}", stop.describe()));
        }
        out
    }
}
