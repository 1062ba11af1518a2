//! Formatting many lines on all cores, written in order.

use std::io::Write;

use camaudit_check::Line;

use crate::error::{Context, Result};

/// Lines per batch formatted in parallel: large enough to keep the cores
/// busy, small enough that the formatted text held at once stays a few MB
/// (a distinct line's CSV row is about 2 KB).
const BATCH_LINES: usize = 4096;

/// Formats the lines on all cores, a batch at a time, and writes each
/// batch in order. Formatting 100,000 reason chains on one thread was half
/// of a large check's time; memory stays bounded by one batch.
pub(crate) fn write_lines_parallel(
    what: &'static str,
    out: &mut dyn Write,
    lines: &[Line],
    format: impl Fn(&[Line], &mut Vec<u8>) -> Result<()> + Sync,
) -> Result<()> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let format = &format;
    for batch in lines.chunks(BATCH_LINES) {
        let per_thread = batch.len().div_ceil(threads).max(1);
        let parts: Vec<Result<Vec<u8>>> = std::thread::scope(|s| {
            let handles: Vec<_> = batch
                .chunks(per_thread)
                .map(|part| {
                    s.spawn(move || {
                        let mut buf = Vec::new();
                        format(part, &mut buf).map(|()| buf)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        for part in parts {
            out.write_all(&part?).writing(what)?;
        }
    }
    Ok(())
}
