//! Firmware build dates (KEV ranges compare them): any text a device or a
//! register reports never panics the parser, and a date it returns is a
//! real calendar date in the range it documents.
#![no_main]

use camaudit_registry::{BuildDate, parse_build_date};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(d) = parse_build_date(&text) {
        assert!((1990..=2099).contains(&d.year()), "{d}");
        assert_eq!(BuildDate::new(d.year(), d.month(), d.day()), Some(d));
    }
});
