//! Target lists: addresses, CIDRs, ranges and host names, minus exclusions.
//!
//! A [`TargetSet`] is a sorted list of disjoint address intervals, so its
//! memory is proportional to the number of specifications, never to the
//! number of addresses: a /8 is one interval. Addresses are produced lazily,
//! in fixed-size [`chunks`](TargetSet::chunk) that are the unit of progress
//! (a scan records which chunks it has finished, and `--resume` skips them).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};
use std::path::Path;

use ipnet::IpNet;

/// Addresses per chunk: the unit of progress and resume.
pub const CHUNK_SIZE: u64 = 256;

/// The largest target set accepted (a /8 is 2^24; this allows 256 of them).
pub const MAX_ADDRESSES: u128 = 1 << 32;

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("{spec:?} is not an address, CIDR, range or resolvable host name: {why}")]
    Bad { spec: String, why: String },
    #[error("the target list has {0} addresses, more than the {MAX_ADDRESSES} allowed: split it")]
    TooMany(u128),
    #[error("reading target file {path}: {source}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// An inclusive interval of addresses of one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Interval {
    v6: bool,
    start: u128,
    end: u128,
}

impl Interval {
    fn len(&self) -> u128 {
        self.end - self.start + 1
    }
}

fn to_num(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(a) => (false, u32::from(a) as u128),
        IpAddr::V6(a) => (true, u128::from(a)),
    }
}

fn from_num(v6: bool, n: u128) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(n))
    } else {
        IpAddr::V4(Ipv4Addr::from(n as u32))
    }
}

/// Parses one target specification into intervals.
///
/// `exclusion` keeps a CIDR's network and broadcast addresses (an excluded
/// /24 excludes all 256), where a target CIDR of /30 or wider leaves them out.
fn parse_spec(spec: &str, exclusion: bool) -> Result<Vec<Interval>, TargetError> {
    let bad = |why: &str| TargetError::Bad {
        spec: spec.to_owned(),
        why: why.to_owned(),
    };
    let s = spec.trim();
    if s.is_empty() {
        return Err(bad("empty"));
    }
    if s.contains('/') {
        let net: IpNet = s.parse().map_err(|_| bad("malformed CIDR"))?;
        let (v6, start) = to_num(net.network());
        let (_, end) = to_num(net.broadcast());
        let trim = !exclusion && matches!(net, IpNet::V4(n) if n.prefix_len() <= 30);
        return Ok(if trim {
            vec![Interval {
                v6,
                start: start + 1,
                end: end - 1,
            }]
        } else {
            vec![Interval { v6, start, end }]
        });
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        let (v6, n) = to_num(ip);
        return Ok(vec![Interval {
            v6,
            start: n,
            end: n,
        }]);
    }
    if let Some((lo, hi)) = s.split_once('-')
        && let Ok(lo_ip) = lo.trim().parse::<IpAddr>()
    {
        let (v6, start) = to_num(lo_ip);
        let hi = hi.trim();
        let end = if let Ok(hi_ip) = hi.parse::<IpAddr>() {
            let (hv6, end) = to_num(hi_ip);
            if hv6 != v6 {
                return Err(bad(
                    "the two ends of a range are of different address families",
                ));
            }
            end
        } else if let (false, Ok(last)) = (v6, hi.parse::<u8>()) {
            // nmap's short form: 10.0.0.1-254 (last octet only).
            (start & !0xff) | last as u128
        } else {
            return Err(bad("the end of the range is not an address"));
        };
        if end < start {
            return Err(bad("the range ends before it starts"));
        }
        return Ok(vec![Interval { v6, start, end }]);
    }
    // A host name: resolved once, now; every address it has is a target.
    let valid_name = s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
    if !valid_name {
        return Err(bad("not a valid host name"));
    }
    let addrs = (s, 0u16)
        .to_socket_addrs()
        .map_err(|e| bad(&format!("name lookup failed: {e}")))?;
    let mut out: Vec<Interval> = addrs
        .map(|sa| {
            let (v6, n) = to_num(sa.ip());
            Interval {
                v6,
                start: n,
                end: n,
            }
        })
        .collect();
    if out.is_empty() {
        return Err(bad("the name has no addresses"));
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Sorts and merges overlapping or adjacent intervals.
fn normalise(mut v: Vec<Interval>) -> Vec<Interval> {
    v.sort();
    let mut out: Vec<Interval> = Vec::with_capacity(v.len());
    for i in v {
        match out.last_mut() {
            Some(last) if last.v6 == i.v6 && i.start <= last.end.saturating_add(1) => {
                last.end = last.end.max(i.end);
            }
            _ => out.push(i),
        }
    }
    out
}

/// Removes the (normalised) exclusions from the (normalised) targets.
fn subtract(targets: Vec<Interval>, excl: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::new();
    for t in targets {
        let mut cur = Some(t);
        for e in excl.iter().filter(|e| e.v6 == t.v6) {
            let Some(c) = cur else { break };
            if e.end < c.start || e.start > c.end {
                continue;
            }
            if e.start > c.start {
                out.push(Interval {
                    v6: c.v6,
                    start: c.start,
                    end: e.start - 1,
                });
            }
            cur = if e.end < c.end {
                Some(Interval {
                    v6: c.v6,
                    start: e.end + 1,
                    end: c.end,
                })
            } else {
                None
            };
        }
        if let Some(c) = cur {
            out.push(c);
        }
    }
    out
}

/// Reads a target file: one or more specifications per line, separated by
/// white space or commas; `#` starts a comment.
pub fn read_spec_file(path: &Path) -> Result<Vec<String>, TargetError> {
    let text = std::fs::read_to_string(path).map_err(|source| TargetError::File {
        path: path.display().to_string(),
        source,
    })?;
    Ok(split_specs(&text))
}

/// Splits a text of specifications (a file, or a command-line argument with
/// commas) into single specifications.
pub fn split_specs(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or_default())
        .flat_map(|l| l.split(|c: char| c.is_whitespace() || c == ','))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The addresses to scan: targets minus exclusions, iterated lazily.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetSet {
    intervals: Vec<Interval>,
    /// `offsets[i]` is the position of `intervals[i].start` in the whole list.
    offsets: Vec<u128>,
    total: u128,
}

impl TargetSet {
    /// Builds the set from target and exclusion specifications.
    pub fn parse<S: AsRef<str>>(targets: &[S], exclude: &[S]) -> Result<TargetSet, TargetError> {
        let mut t = Vec::new();
        for s in targets {
            t.extend(parse_spec(s.as_ref(), false)?);
        }
        let mut e = Vec::new();
        for s in exclude {
            e.extend(parse_spec(s.as_ref(), true)?);
        }
        let intervals = subtract(normalise(t), &normalise(e));
        let mut offsets = Vec::with_capacity(intervals.len());
        let mut total: u128 = 0;
        for i in &intervals {
            offsets.push(total);
            total = total.saturating_add(i.len());
        }
        if total > MAX_ADDRESSES {
            return Err(TargetError::TooMany(total));
        }
        Ok(TargetSet {
            intervals,
            offsets,
            total,
        })
    }

    /// How many addresses.
    pub fn len(&self) -> u64 {
        self.total as u64
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// How many chunks of [`CHUNK_SIZE`] addresses (the last may be short).
    pub fn chunk_count(&self) -> u64 {
        self.len().div_ceil(CHUNK_SIZE)
    }

    /// Whether an address is a target.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (v6, n) = to_num(ip);
        let i = self.intervals.partition_point(|i| (i.v6, i.end) < (v6, n));
        self.intervals
            .get(i)
            .is_some_and(|i| i.v6 == v6 && i.start <= n && n <= i.end)
    }

    /// The address at position `pos` of the whole list.
    pub fn nth(&self, pos: u64) -> Option<IpAddr> {
        let pos = pos as u128;
        if pos >= self.total {
            return None;
        }
        let i = self.offsets.partition_point(|&o| o <= pos) - 1;
        let iv = self.intervals[i];
        Some(from_num(iv.v6, iv.start + (pos - self.offsets[i])))
    }

    /// The addresses of chunk `k`, lazily.
    pub fn chunk(&self, k: u64) -> impl Iterator<Item = IpAddr> + '_ {
        let start = k.saturating_mul(CHUNK_SIZE);
        let end = start.saturating_add(CHUNK_SIZE).min(self.len());
        self.range(start, end)
    }

    /// Every address, lazily.
    pub fn iter(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.range(0, self.len())
    }

    fn range(&self, start: u64, end: u64) -> impl Iterator<Item = IpAddr> + '_ {
        let mut pos = start as u128;
        let end = end as u128;
        let mut i = if pos < self.total {
            self.offsets.partition_point(|&o| o <= pos) - 1
        } else {
            self.intervals.len()
        };
        std::iter::from_fn(move || {
            if pos >= end || i >= self.intervals.len() {
                return None;
            }
            let iv = self.intervals[i];
            let ip = from_num(iv.v6, iv.start + (pos - self.offsets[i]));
            pos += 1;
            if i + 1 < self.offsets.len() && pos >= self.offsets[i + 1] {
                i += 1;
            }
            Some(ip)
        })
    }
}

impl fmt::Display for TargetSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .intervals
            .iter()
            .map(|i| {
                if i.start == i.end {
                    from_num(i.v6, i.start).to_string()
                } else {
                    format!("{}-{}", from_num(i.v6, i.start), from_num(i.v6, i.end))
                }
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ips(t: &TargetSet) -> Vec<String> {
        t.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn single_addresses_cidrs_and_ranges() {
        let t = TargetSet::parse(&["10.0.0.5", "10.0.1.0/30", "10.0.2.250-10.0.3.1"], &[]).unwrap();
        assert_eq!(
            ips(&t),
            [
                "10.0.0.5",
                "10.0.1.1",
                "10.0.1.2",
                "10.0.2.250",
                "10.0.2.251",
                "10.0.2.252",
                "10.0.2.253",
                "10.0.2.254",
                "10.0.2.255",
                "10.0.3.0",
                "10.0.3.1"
            ]
        );
        assert_eq!(t.len(), 11);
        let t = TargetSet::parse(&["192.168.1.10-12"], &[]).unwrap();
        assert_eq!(ips(&t), ["192.168.1.10", "192.168.1.11", "192.168.1.12"]);
        // /31 and /32 keep every address
        assert_eq!(TargetSet::parse(&["10.9.9.0/31"], &[]).unwrap().len(), 2);
        assert_eq!(TargetSet::parse(&["10.0.0.0/24"], &[]).unwrap().len(), 254);
    }

    #[test]
    fn the_issue_range_example() {
        let t = TargetSet::parse(&["10.0.0.1-10.0.3.254"], &[]).unwrap();
        assert_eq!(t.len(), 3 * 256 + 254);
        assert_eq!(t.nth(0).unwrap().to_string(), "10.0.0.1");
        assert_eq!(t.nth(t.len() - 1).unwrap().to_string(), "10.0.3.254");
    }

    #[test]
    fn overlaps_merge_and_exclusions_cut() {
        let t = TargetSet::parse(
            &["10.0.0.0/24", "10.0.0.100-10.0.1.10"],
            &["10.0.0.50-10.0.0.199", "10.0.1.5", "10.0.0.0/30"],
        )
        .unwrap();
        assert!(!t.contains("10.0.0.1".parse().unwrap()));
        assert!(t.contains("10.0.0.4".parse().unwrap()));
        assert!(!t.contains("10.0.0.120".parse().unwrap()));
        assert!(t.contains("10.0.0.255".parse().unwrap())); // covered by the range
        assert!(!t.contains("10.0.1.5".parse().unwrap()));
        assert!(t.contains("10.0.1.10".parse().unwrap()));
        assert!(!t.contains("10.0.1.11".parse().unwrap()));
        // 4..=49 (46) + 200..=255 (56) + 10.0.1.0..=4 (5) + 6..=10 (5)
        assert_eq!(t.len(), 46 + 56 + 5 + 5);
        assert_eq!(t.iter().count() as u64, t.len());
        let all: Vec<_> = t.iter().collect();
        assert!(all.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn excluding_everything_leaves_nothing() {
        let t = TargetSet::parse(&["10.0.0.0/24"], &["10.0.0.0/16"]).unwrap();
        assert!(t.is_empty());
        assert_eq!(t.chunk_count(), 0);
        assert_eq!(t.iter().count(), 0);
    }

    #[test]
    fn a_slash_8_is_lazy_and_chunked() {
        let t = TargetSet::parse(&["10.0.0.0/8"], &["10.128.0.0/9"]).unwrap();
        assert_eq!(t.len(), (1 << 23) - 1);
        // one interval, not millions of addresses
        assert_eq!(t.intervals.len(), 1);
        assert_eq!(t.chunk_count(), (1u64 << 23).div_ceil(CHUNK_SIZE));
        let c: Vec<_> = t.chunk(3).collect();
        assert_eq!(c.len(), CHUNK_SIZE as usize);
        assert_eq!(c[0].to_string(), "10.0.3.1");
        let last: Vec<_> = t.chunk(t.chunk_count() - 1).collect();
        assert_eq!(last.last().unwrap().to_string(), "10.127.255.255");
        assert_eq!(t.chunk(t.chunk_count()).count(), 0);
    }

    #[test]
    fn chunks_cross_interval_boundaries() {
        let t = TargetSet::parse(&["10.0.0.1-10.0.0.200", "10.0.5.1-10.0.5.200"], &[]).unwrap();
        let c0: Vec<_> = t.chunk(0).collect();
        let c1: Vec<_> = t.chunk(1).collect();
        assert_eq!(c0.len(), 256);
        assert_eq!(c1.len(), 400 - 256);
        assert_eq!(c0[200].to_string(), "10.0.5.1");
        let mut joined = c0.clone();
        joined.extend(c1);
        assert_eq!(joined, t.iter().collect::<Vec<_>>());
    }

    #[test]
    fn ipv6_and_hostnames() {
        let t = TargetSet::parse(&["::1", "fd00::/126"], &[]).unwrap();
        assert_eq!(t.len(), 5);
        let t = TargetSet::parse(&["localhost"], &[]).unwrap();
        assert!(t.contains("127.0.0.1".parse().unwrap()) || t.contains("::1".parse().unwrap()));
    }

    #[test]
    fn bad_specs_are_named() {
        for bad in [
            "10.0.0.0/33",
            "10.0.0.9-10.0.0.1",
            "10.0.0.1-::5",
            "no such host!",
            "",
            "1.2.3.4-x",
        ] {
            let err = TargetSet::parse(&[bad], &[]).unwrap_err().to_string();
            assert!(err.contains(bad.trim()), "{err}");
        }
        assert!(matches!(
            TargetSet::parse(&["::/64"], &[]),
            Err(TargetError::TooMany(_))
        ));
    }

    #[test]
    fn spec_files_and_lists() {
        let v = split_specs("10.0.0.1, 10.0.0.2\n# comment\n10.1.0.0/16 # trailing\n\n");
        assert_eq!(v, ["10.0.0.1", "10.0.0.2", "10.1.0.0/16"]);
    }
}
