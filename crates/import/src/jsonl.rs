//! camaudit's own observation JSONL (what `camaudit identify` reads): one
//! object per line, bounded line length, each malformed line reported with
//! its number.

use std::io::{BufRead, ErrorKind};

use camaudit_model::Observation;

/// Why reading stopped.
#[derive(Debug, thiserror::Error)]
pub enum JsonlError {
    #[error("{0}")]
    Io(std::io::Error),
    #[error("line {number}: {problem} (--strict stops at the first bad line)")]
    Strict { number: u64, problem: String },
}

impl From<std::io::Error> for JsonlError {
    fn from(e: std::io::Error) -> Self {
        JsonlError::Io(e)
    }
}

type Result<T> = std::result::Result<T, JsonlError>;

/// A line longer than this is not an observation but an accident (or an
/// attack); it is reported and skipped without being held in memory.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// A line that could not be read as an observation.
#[derive(Debug)]
pub struct BadLine {
    pub number: u64,
    pub problem: String,
}

/// Reads every line, calling `each` for good observations and `bad` for the
/// others. Returns (good, bad) counts. Stops at the first bad line if `strict`.
pub fn read_observations(
    input: &mut dyn BufRead,
    strict: bool,
    mut each: impl FnMut(Observation),
    mut bad: impl FnMut(&BadLine),
) -> Result<(u64, u64)> {
    let mut buf = Vec::with_capacity(4096);
    let (mut number, mut good, mut bad_count) = (0u64, 0u64, 0u64);
    loop {
        buf.clear();
        let outcome = read_bounded_line(input, &mut buf)?;
        if outcome == LineOutcome::Eof {
            break;
        }
        number += 1;
        let parsed = match outcome {
            LineOutcome::TooLong => Err(format!("line longer than {MAX_LINE_BYTES} bytes")),
            _ => parse_line(&buf),
        };
        match parsed {
            Ok(Some(obs)) => {
                good += 1;
                each(obs);
            }
            Ok(None) => {}
            Err(problem) => {
                bad_count += 1;
                let line = BadLine { number, problem };
                bad(&line);
                if strict {
                    return Err(JsonlError::Strict {
                        number: line.number,
                        problem: line.problem,
                    });
                }
            }
        }
    }
    Ok((good, bad_count))
}

fn parse_line(buf: &[u8]) -> std::result::Result<Option<Observation>, String> {
    let text = std::str::from_utf8(buf).map_err(|e| format!("not UTF-8: {e}"))?;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    serde_json::from_str::<Observation>(text)
        .map(Some)
        .map_err(|e| e.to_string())
}

#[derive(Debug, PartialEq, Eq)]
enum LineOutcome {
    Line,
    TooLong,
    Eof,
}

/// Reads up to the next newline, keeping at most MAX_LINE_BYTES.
fn read_bounded_line(input: &mut dyn BufRead, buf: &mut Vec<u8>) -> Result<LineOutcome> {
    let mut too_long = false;
    let mut read_any = false;
    loop {
        let available = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(JsonlError::Io(e)),
        };
        if available.is_empty() {
            return Ok(match (read_any, too_long) {
                (false, _) => LineOutcome::Eof,
                (true, true) => LineOutcome::TooLong,
                (true, false) => LineOutcome::Line,
            });
        }
        read_any = true;
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..i], Some(i + 1)),
            None => (available, None),
        };
        if !too_long && buf.len() + chunk.len() <= MAX_LINE_BYTES {
            buf.extend_from_slice(chunk);
        } else {
            too_long = true;
            buf.clear();
        }
        let consumed = done.unwrap_or(available.len());
        input.consume(consumed);
        if done.is_some() {
            return Ok(if too_long {
                LineOutcome::TooLong
            } else {
                LineOutcome::Line
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &[u8], strict: bool) -> (Result<(u64, u64)>, Vec<u64>) {
        let mut bad = Vec::new();
        let r = read_observations(&mut &text[..], strict, |_| {}, |b| bad.push(b.number));
        (r, bad)
    }

    #[test]
    fn counts_good_and_reports_bad_lines_by_number() {
        let text = b"{\"addr\":\"10.0.0.1\",\"field\":\"http.title\",\"value\":\"x\"}\n\nnot json\n{\"addr\":\"10.0.0.1\",\"field\":\"mac\",\"value\":\"x\"}";
        let (r, bad) = run(text, false);
        assert_eq!(r.unwrap(), (2, 1));
        assert_eq!(bad, [3]);
        let (r, _) = run(text, true);
        assert!(r.unwrap_err().to_string().starts_with("line 3:"));
    }

    #[test]
    fn overlong_lines_are_skipped_not_buffered() {
        let mut text = vec![b'x'; MAX_LINE_BYTES + 10];
        text.push(b'\n');
        text.extend_from_slice(
            b"{\"addr\":\"10.0.0.1\",\"field\":\"http.title\",\"value\":\"x\"}\n",
        );
        let (r, bad) = run(&text, false);
        assert_eq!(r.unwrap(), (1, 1));
        assert_eq!(bad, [1]);
    }

    #[test]
    fn invalid_utf8_is_a_bad_line() {
        let (r, bad) = run(b"\xff\xfe\n", false);
        assert_eq!(r.unwrap(), (0, 1));
        assert_eq!(bad, [1]);
    }
}
