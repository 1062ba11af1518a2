//! Reading a capture file: pcap or pcapng (either byte order, micro- or
//! nanosecond stamps, several interfaces and link types in one pcapng),
//! plain or gzip-compressed, streamed block by block so memory holds one
//! buffer whatever the file's size. The format work is `pcap-parser`'s;
//! this module turns its blocks into [`Frame`]s and its errors into counts.

use std::io::{BufRead, BufReader, Read};

use flate2::bufread::MultiGzDecoder;
use pcap_parser::{Block, Linktype, PcapBlockOwned, PcapError};

use crate::summary::{ReadStats, Stop};

/// Initial read buffer; a block larger than this grows it up to
/// [`MAX_BLOCK`].
const BUFFER: usize = 1 << 20;
/// The largest block accepted. A pcapng block or pcap record that claims
/// more is taken for corruption (real frames are at most 256 KiB, the
/// largest snap length tools use).
pub const MAX_BLOCK: usize = 16 << 20;

/// One captured frame.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    pub link: Linktype,
    /// Seconds since the epoch.
    pub ts: i64,
    pub data: &'a [u8],
    /// The frame's length on the wire (more than `data` when the snap
    /// length cut it).
    pub orig_len: u32,
}

/// Why the capture could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("{0}: not a pcap or pcapng file (it does not start with a pcap or pcapng header)")]
    NotACapture(String),
    #[error("{0}: the file is empty")]
    Empty(String),
    #[error("{name}: reading failed: {error}")]
    Io { name: String, error: std::io::Error },
}

/// What one pcapng interface says about its frames.
#[derive(Debug, Clone, Copy)]
struct Interface {
    link: Linktype,
    /// Timestamp units per second.
    resolution: u64,
    offset: i64,
}

/// Wraps `input` in a gzip decoder when it starts with the gzip magic.
pub fn decompressed<'a>(
    input: Box<dyn Read + Send + 'a>,
    name: &str,
) -> Result<Box<dyn Read + Send + 'a>, CaptureError> {
    let mut buffered = BufReader::with_capacity(1 << 16, input);
    let head = buffered.fill_buf().map_err(|error| CaptureError::Io {
        name: name.to_owned(),
        error,
    })?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            MultiGzDecoder::new(buffered),
        )))
    } else {
        Ok(Box::new(buffered))
    }
}

/// Calls `frame` for every frame of the capture. Corruption or a cut end
/// stops the reading and is recorded in `stats` (what was read stays
/// good); only input that is not a capture at all is an error.
pub fn for_each_frame<'a>(
    input: Box<dyn Read + Send + 'a>,
    name: &str,
    stats: &mut ReadStats,
    mut frame: impl FnMut(&Frame<'_>),
) -> Result<(), CaptureError> {
    let input = decompressed(input, name)?;
    let mut reader = match pcap_parser::create_reader(BUFFER, input) {
        Ok(r) => r,
        Err(PcapError::Eof) => return Err(CaptureError::Empty(name.to_owned())),
        Err(PcapError::ReadError) => {
            return Err(CaptureError::Io {
                name: name.to_owned(),
                error: std::io::Error::other("cannot read the input"),
            });
        }
        Err(_) => return Err(CaptureError::NotACapture(name.to_owned())),
    };
    let mut interfaces: Vec<Interface> = Vec::new();
    let mut legacy = Interface {
        link: Linktype::ETHERNET,
        resolution: 1_000_000,
        offset: 0,
    };
    let mut capacity = BUFFER;
    loop {
        match reader.next() {
            Ok((consumed, block)) => {
                stats.bytes_read += consumed as u64;
                match block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        legacy.link = h.network;
                        legacy.resolution = if h.is_nanosecond_precision() {
                            1_000_000_000
                        } else {
                            1_000_000
                        };
                    }
                    PcapBlockOwned::Legacy(b) => {
                        let ts = i64::from(b.ts_sec);
                        frame(&Frame {
                            link: legacy.link,
                            ts,
                            data: b.data,
                            orig_len: b.origlen,
                        });
                    }
                    PcapBlockOwned::NG(block) => {
                        ng_block(&block, &mut interfaces, stats, &mut frame);
                    }
                }
                reader.consume(consumed);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => {
                if reader.refill().is_err() {
                    stats.stop = Some(Stop::ReadError(reader.consumed() as u64));
                    break;
                }
            }
            Err(PcapError::BufferTooSmall) => {
                if capacity >= MAX_BLOCK {
                    stats.stop = Some(Stop::OversizedBlock(reader.consumed() as u64));
                    break;
                }
                capacity = (capacity * 4).min(MAX_BLOCK);
                if !reader.grow(capacity) || reader.refill().is_err() {
                    stats.stop = Some(Stop::ReadError(reader.consumed() as u64));
                    break;
                }
            }
            Err(PcapError::UnexpectedEof) => {
                stats.stop = Some(Stop::Truncated(reader.consumed() as u64));
                break;
            }
            Err(PcapError::ReadError) => {
                stats.stop = Some(Stop::ReadError(reader.consumed() as u64));
                break;
            }
            Err(_) => {
                stats.stop = Some(Stop::Corrupt(reader.consumed() as u64));
                break;
            }
        }
    }
    Ok(())
}

fn ng_block(
    block: &Block<'_>,
    interfaces: &mut Vec<Interface>,
    stats: &mut ReadStats,
    frame: &mut impl FnMut(&Frame<'_>),
) {
    match block {
        Block::SectionHeader(_) => interfaces.clear(),
        Block::InterfaceDescription(idb) => interfaces.push(Interface {
            link: idb.linktype,
            resolution: idb.ts_resolution().unwrap_or(1_000_000).max(1),
            offset: idb.ts_offset(),
        }),
        Block::EnhancedPacket(epb) => {
            let Some(iface) = interfaces.get(epb.if_id as usize) else {
                stats.unknown_interface += 1;
                return;
            };
            let ticks = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
            let ts = (ticks / iface.resolution) as i64 + iface.offset;
            let data = &epb.data[..(epb.caplen as usize).min(epb.data.len())];
            frame(&Frame {
                link: iface.link,
                ts,
                data,
                orig_len: epb.origlen,
            });
        }
        Block::SimplePacket(spb) => {
            let Some(iface) = interfaces.first() else {
                stats.unknown_interface += 1;
                return;
            };
            frame(&Frame {
                link: iface.link,
                ts: 0,
                data: spb.data,
                orig_len: spb.origlen,
            });
        }
        _ => {}
    }
}
