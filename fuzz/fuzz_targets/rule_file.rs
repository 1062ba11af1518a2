//! An arbitrary rule file through the loader and, when it loads, the
//! self-test: a broken file must give an error, never a panic.
#![no_main]

use camaudit_rules::RuleSet;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(set) = RuleSet::from_sources(vec![("fuzz.toml".into(), text.into())]) {
        let _ = set.self_test();
        let _ = set.match_value("http.header.server", text);
    }
});
