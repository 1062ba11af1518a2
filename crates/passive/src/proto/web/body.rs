//! Which HTTP bodies are read as text, and a page's title found without
//! copying the page.
//!
//! Every rule on `http.body` reads text: HTML, scripts, XML, JSON,
//! `key=value` lists. Images, video, archives and encrypted or compressed
//! blobs are never matched, yet converting them to text is the costliest
//! thing a capture full of web traffic asks for (every byte is invalid
//! UTF-8 and becomes a replacement character). So a body is looked at
//! first: its [`SNIFF_BYTES`] first bytes decide. The Content-Type header
//! is not trusted for this: embedded web servers label pages and scripts
//! `application/octet-stream` or nothing at all, and a generic label on
//! binary bytes is just as common.

use camaudit_probe::http;

/// Bytes at the front of a body that decide whether it is text.
pub const SNIFF_BYTES: usize = 1024;

/// A body is binary when more than one byte in this many of its front is a
/// control byte no text uses. Random or compressed bytes have about one in
/// ten; text, in any ASCII-compatible encoding (UTF-8, Latin-1, GBK, Shift
/// JIS), has none or a stray few.
const CONTROL_RATIO: usize = 32;

/// Whether a body (already gunzipped) is text a rule may read.
pub fn is_text(body: &[u8]) -> bool {
    let head = &body[..body.len().min(SNIFF_BYTES)];
    if head.is_empty() {
        return false;
    }
    let control = head.iter().filter(|&&b| binary_byte(b)).count();
    control * CONTROL_RATIO <= head.len()
}

/// A C0 control byte other than the ones text carries (tab, line ends,
/// form feed, escape) or NUL (kept: UTF-16 text is mostly NULs and the
/// recorder's cleaning makes it readable), or DEL.
fn binary_byte(b: u8) -> bool {
    (b < 0x20 && !matches!(b, 0 | b'\t' | b'\n' | b'\r' | 0x0c | 0x1b)) || b == 0x7f
}

/// The page's `<title>`, exactly as the scanner's `http::title` reads it
/// from the whole page, but looking only at the title element: the
/// scanner's function lowercases all it is given.
pub fn title(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let open = find_ignore_case(bytes, b"<title")?;
    let start = open + memchr::memchr(b'>', &bytes[open..])? + 1;
    let close = start + find_ignore_case(&bytes[start..], b"</title")?;
    // ASCII on both ends, so both are character boundaries.
    http::title(text.get(open..close + "</title".len())?)
}

/// The first occurrence of `needle` (which starts with `<`), ASCII case
/// ignored.
fn find_ignore_case(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = memchr::memchr(needle[0], hay.get(from..)?) {
        let at = from + i;
        let candidate = hay.get(at..at + needle.len())?;
        if candidate.eq_ignore_ascii_case(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_in_any_ascii_compatible_encoding_is_text() {
        assert!(is_text(b"<html><head><title>NVR</title></head></html>"));
        assert!(is_text(b"deviceType=IPC-HFW2431S\r\nserialNumber=ABC\r\n"));
        assert!(is_text("<title>网络摄像机</title>".as_bytes()));
        // GBK-encoded Chinese: invalid UTF-8, but text
        assert!(is_text(
            b"<title>\xcd\xf8\xc2\xe7\xc9\xe3\xcf\xf1\xbb\xfa</title>"
        ));
        // UTF-16LE: NULs between the letters
        assert!(is_text(b"<\0t\0i\0t\0l\0e\0>\0"));
        // a stray control byte in a long page does not make it binary
        let mut page = b"<html>".repeat(100);
        page[50] = 0x01;
        assert!(is_text(&page));
    }

    #[test]
    fn images_and_random_bytes_are_not_text() {
        assert!(!is_text(b""));
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0\x1f\xf3\xffa";
        assert!(!is_text(png));
        // xorshift bytes: what encrypted or compressed data looks like
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        assert!(!is_text(&noise));
        // text up front decides, even when binary follows past the sniff
        let mut mixed = b"<html>".repeat(200);
        mixed.extend_from_slice(&noise);
        assert!(is_text(&mixed));
    }

    #[test]
    fn the_title_is_the_scanners() {
        for page in [
            "<html><head><TITLE>WEB SERVICE</TITLE></head><body>x</body>",
            "<title id=x>\n  Tenda | login &amp; more </title><p>",
            "<title></title>",
            "<title>never closed",
            "no title at all",
            "<TiTlE>监控</tItLe>",
            "<title</title>late</title>",
            "<title>a</title><title>b</title>",
            "text <titl",
        ] {
            assert_eq!(title(page), http::title(page), "{page}");
        }
        assert_eq!(
            title("<p>x</p><title>DVR Login</title>").as_deref(),
            Some("DVR Login")
        );
    }
}
