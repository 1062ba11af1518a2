//! The HTTP/RTSP framer on arbitrary stream bytes: it always makes
//! progress or asks for more, never reads past the buffer, and keeps
//! bodies within their cap.
#![no_main]

use camaudit_passive::proto::message::{Framed, MAX_BODY, frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut buf = data;
    for closed in [false, true] {
        buf = data;
        while !buf.is_empty() {
            match frame(buf, closed) {
                Framed::Incomplete => break,
                Framed::Garbage { resync } => {
                    assert!(resync > 0 && resync <= buf.len());
                    buf = &buf[resync..];
                }
                Framed::Message { message, consumed, .. } => {
                    assert!(consumed > 0 && consumed <= buf.len());
                    assert!(message.body.len() <= MAX_BODY);
                    buf = &buf[consumed..];
                }
            }
        }
    }
    let _ = buf;
});
