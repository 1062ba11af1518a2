//! The capture file: classic pcap (microsecond timestamps) or pcapng, both
//! written by the pcap-file crate, Ethernet link type.

use std::io::Write;
use std::time::Duration;

use pcap_file::DataLink;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionBlock;

use crate::error::GenError;

/// Which file format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Pcap,
    PcapNg,
}

impl std::str::FromStr for Format {
    type Err = GenError;
    fn from_str(s: &str) -> Result<Self, GenError> {
        match s {
            "pcap" => Ok(Format::Pcap),
            "pcapng" => Ok(Format::PcapNg),
            _ => Err(GenError::Config(format!(
                "{s:?} is not a capture format (pcap or pcapng)"
            ))),
        }
    }
}

const SNAPLEN: u32 = 65_535;

pub enum Sink<W: Write> {
    Pcap(PcapWriter<W>),
    PcapNg(PcapNgWriter<W>),
}

fn capture_err(e: impl std::fmt::Display) -> GenError {
    GenError::Capture(e.to_string())
}

impl<W: Write> Sink<W> {
    pub fn new(format: Format, w: W) -> Result<Self, GenError> {
        Ok(match format {
            Format::Pcap => {
                let header = PcapHeader {
                    snaplen: SNAPLEN,
                    datalink: DataLink::ETHERNET,
                    ..PcapHeader::default()
                };
                Sink::Pcap(PcapWriter::with_header(w, header).map_err(capture_err)?)
            }
            Format::PcapNg => {
                let mut ng = PcapNgWriter::new(w).map_err(capture_err)?;
                ng.write_pcapng_block(InterfaceDescriptionBlock::new(DataLink::ETHERNET, SNAPLEN))
                    .map_err(capture_err)?;
                Sink::PcapNg(ng)
            }
        })
    }

    pub fn write(&mut self, at: Duration, frame: &[u8]) -> Result<(), GenError> {
        let len = frame.len() as u32;
        match self {
            Sink::Pcap(p) => p.write_packet(&PcapPacket::new(at, len, frame)).map(drop),
            Sink::PcapNg(p) => p
                .write_pcapng_block(EnhancedPacketBlock {
                    interface_id: 0,
                    timestamp: at,
                    original_len: len,
                    data: frame.into(),
                    options: Vec::new(),
                })
                .map(drop),
        }
        .map_err(capture_err)
    }

    pub fn into_inner(self) -> W {
        match self {
            Sink::Pcap(p) => p.into_writer(),
            Sink::PcapNg(p) => p.into_inner(),
        }
    }
}
