//! The byte stream under the XML reader: counts lines for error messages
//! and refuses any single XML event longer than the limit, so one giant tag
//! or text run cannot make the reader buffer without bound.

use std::io::{self, BufRead, Read};

pub(crate) struct BoundedInput<R> {
    inner: R,
    /// Newlines consumed so far.
    newlines: u64,
    /// Bytes handed out since the current event began.
    event_bytes: u64,
    event_limit: u64,
    /// Set when the limit stopped the reader, to tell that error apart.
    overflowed: bool,
}

impl<R: BufRead> BoundedInput<R> {
    pub(crate) fn new(inner: R, event_limit: u64) -> Self {
        BoundedInput {
            inner,
            newlines: 0,
            event_bytes: 0,
            event_limit,
            overflowed: false,
        }
    }

    /// Called between XML events: the next event starts a fresh budget.
    pub(crate) fn start_event(&mut self) {
        self.event_bytes = 0;
    }

    pub(crate) fn line(&self) -> u64 {
        self.newlines + 1
    }

    pub(crate) fn overflowed(&self) -> bool {
        self.overflowed
    }
}

impl<R: BufRead> Read for BoundedInput<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for BoundedInput<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let room = self.event_limit.saturating_sub(self.event_bytes);
        if room == 0 {
            self.overflowed = true;
            return Err(io::Error::other("XML event too large"));
        }
        let buf = self.inner.fill_buf()?;
        let room = usize::try_from(room).unwrap_or(usize::MAX);
        Ok(&buf[..buf.len().min(room)])
    }

    fn consume(&mut self, amt: usize) {
        // fill_buf on a BufRead with data buffered does no I/O: it returns
        // the bytes about to be consumed, which is where the lines are.
        if let Ok(buf) = self.inner.fill_buf() {
            let seen = &buf[..amt.min(buf.len())];
            self.newlines += seen.iter().filter(|&&b| b == b'\n').count() as u64;
        }
        self.event_bytes += amt as u64;
        self.inner.consume(amt);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_stops_a_long_event() {
        let mut input = BoundedInput::new(&b"ab\ncd\nef"[..], 5);
        let mut out = [0u8; 8];
        assert_eq!(input.read(&mut out).unwrap(), 5);
        assert_eq!(input.line(), 2);
        assert!(input.read(&mut out).is_err());
        assert!(input.overflowed());
        input.start_event();
        assert_eq!(input.read(&mut out).unwrap(), 3);
        assert_eq!(input.line(), 3);
    }
}
