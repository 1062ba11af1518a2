//! An arbitrary input line through the observation parser and, when it
//! parses, the whole identify engine: no input may panic or hang it.
#![no_main]

use std::sync::OnceLock;

use camaudit_identify::Engine;
use camaudit_model::Observation;
use libfuzzer_sys::fuzz_target;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builtin().expect("built-in engine"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let observations: Vec<Observation> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Observation>(l).ok())
        .collect();
    if observations.is_empty() {
        return;
    }
    for device in engine().identify(&observations) {
        // The output schema must always serialise.
        serde_json::to_string(&device).expect("device serialises");
    }
});
