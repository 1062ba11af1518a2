//! `camaudit check` input: arbitrary bytes as a CSV register are either a
//! clear error or a report with one line per non-blank data row; never a
//! panic.
#![no_main]

use std::sync::OnceLock;

use camaudit_check::{Checker, read_csv};
use camaudit_identify::Engine;
use libfuzzer_sys::fuzz_target;

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::builtin().expect("built-in engine"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(table) = read_csv("fuzz.csv", data) else {
        return;
    };
    let rows = table.rows.iter().filter(|r| !r.is_blank()).count();
    if let Ok(report) = Checker::new(engine()).check(table) {
        assert_eq!(report.lines.len(), rows);
    }
});
