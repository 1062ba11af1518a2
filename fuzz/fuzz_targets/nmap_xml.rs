//! `camaudit import` input: arbitrary bytes as nmap XML are a clear error
//! or observations that keep to the limits and identify without a panic.
#![no_main]

use std::io::Cursor;
use std::sync::OnceLock;

use camaudit_identify::Engine;
use camaudit_import::nmap::{Limits, read_nmap_xml};
use libfuzzer_sys::fuzz_target;

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::builtin().expect("built-in engine"))
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_value_bytes: 256,
        max_event_bytes: 64 * 1024,
        max_host_bytes: 64 * 1024,
        ..Limits::default()
    };
    let Ok(import) = read_nmap_xml(Cursor::new(data), &limits) else {
        return;
    };
    assert!(import.summary.skipped.len() <= limits.max_skip_reasons);
    assert_eq!(import.summary.observations, import.observations.len() as u64);
    for o in &import.observations {
        assert!(o.value.len() <= limits.max_value_bytes && !o.value.is_empty());
    }
    let _ = engine().identify(&import.observations);
});
