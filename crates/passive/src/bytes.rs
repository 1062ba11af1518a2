//! Bounds-checked big-endian reading for the hand-written parsers (DNS,
//! TLS, the Linux cooked link headers): every read is an `Option`, so a
//! cut packet or a length that lies ends the parse with `None` instead of
//! a panic, and no parser repeats its own index arithmetic.

/// The big-endian 16-bit value at `at`, if the buffer holds it.
pub fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([
        *b.get(at)?,
        *b.get(at.checked_add(1)?)?,
    ]))
}

/// A position in a buffer, moved forward by each read.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, at: 0 }
    }

    /// Where the next read starts, from the buffer's beginning (DNS
    /// compression pointers count from there).
    pub fn pos(&self) -> usize {
        self.at
    }

    /// Moves to `at` (which may be past the end: the next read fails).
    pub fn seek(&mut self, at: usize) {
        self.at = at;
    }

    pub fn is_empty(&self) -> bool {
        self.at >= self.buf.len()
    }

    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.buf.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }

    pub fn u8(&mut self) -> Option<usize> {
        self.take(1).map(|b| usize::from(b[0]))
    }

    /// A 16-bit value (a type, flags), as itself.
    pub fn be16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }

    /// A 16-bit length or count, as an index.
    pub fn u16(&mut self) -> Option<usize> {
        self.take(2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
    }

    pub fn u24(&mut self) -> Option<usize> {
        self.take(3)
            .map(|b| (usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]))
    }

    /// A field preceded by its 8-bit length.
    pub fn vec8(&mut self) -> Option<&'a [u8]> {
        let n = self.u8()?;
        self.take(n)
    }

    /// A field preceded by its 16-bit length.
    pub fn vec16(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()?;
        self.take(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stop_at_the_end_and_leave_the_position() {
        let mut r = Reader::new(&[0, 3, b'a', b'b', b'c', 0x01, 0x02]);
        assert_eq!(r.vec16(), Some(&b"abc"[..]));
        assert_eq!(r.pos(), 5);
        assert_eq!(r.u24(), None, "only two bytes left");
        assert_eq!(r.pos(), 5, "a failed read moves nothing");
        assert_eq!(r.u16(), Some(0x0102));
        assert!(r.is_empty());
        r.seek(usize::MAX);
        assert_eq!(r.take(1), None);
        assert_eq!(be16(&[1, 2], 0), Some(0x0102));
        assert_eq!(be16(&[1, 2], 1), None);
        assert_eq!(be16(&[1, 2], usize::MAX), None);
    }
}
