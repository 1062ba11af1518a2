//! MAC parsing: never panics, and whatever it accepts prints back to a form
//! it parses to the same address.
#![no_main]

use camaudit_model::Mac;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(mac) = Mac::parse(text) {
        assert_eq!(Mac::parse(&mac.to_string()), Ok(mac));
    }
});
