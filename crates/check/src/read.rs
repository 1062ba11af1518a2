//! Reading a spreadsheet: CSV (UTF-8, comma, semicolon or tab separated) or
//! a workbook (XLSX, XLSM, XLS, ODS) into a header and rows of text cells.

use std::io::Read as _;
use std::path::Path;

use calamine::{Data, Reader};

use crate::CheckError;

/// A spreadsheet as text: the header row and the data rows under it.
#[derive(Debug, Clone)]
pub struct Table {
    /// How errors and reports name the file.
    pub file: String,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

/// One data row.
#[derive(Debug, Clone)]
pub struct Row {
    /// 1-based among the data rows, header excluded; blank rows count, so
    /// the number matches the position under the header.
    pub number: usize,
    /// The row as a spreadsheet program numbers it (the header is usually
    /// row 1, so the first data row is row 2).
    pub line: usize,
    /// One cell per header (missing cells are empty, cells past the last
    /// header are dropped).
    pub cells: Vec<String>,
}

impl Row {
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// Workbook file name endings read with calamine; anything else is CSV.
const WORKBOOK_EXTS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// Reads a CSV file or a workbook (by its name ending, or by content: a ZIP
/// file is taken for a workbook). `sheet` picks a workbook sheet by name;
/// the default is the first sheet.
pub fn read_path(path: &Path, sheet: Option<&str>) -> Result<Table, CheckError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        CheckError::file(&file, format!("cannot read the file ({e}): check the path"))
    })?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    let is_ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    if WORKBOOK_EXTS.contains(&ext.as_str()) || is_zip || is_ole {
        if is_zip {
            check_unzipped_size(&file, &bytes)?;
        }
        read_workbook(&file, bytes, sheet)
    } else {
        if sheet.is_some() {
            return Err(CheckError::file(
                &file,
                "--sheet applies to workbooks (XLSX, ODS), and this file is read as CSV",
            ));
        }
        read_csv(&file, &bytes)
    }
}

/// Reads CSV text. The separator (comma, semicolon or tab) is the one the
/// header line uses most; a UTF-8 byte-order mark is skipped.
pub fn read_csv(file: &str, bytes: &[u8]) -> Result<Table, CheckError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(CheckError::file(
            file,
            "the file is UTF-16 text: save it as \"CSV UTF-8\" (or as .xlsx) and run again",
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(CheckError::file(
            file,
            "the file is empty: expected a header row (e.g. Manufacturer,Model,Description) and data rows",
        ));
    }
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| (first_line.iter().filter(|b| *b == d).count(), *d == b','))
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut raw: Vec<(usize, Vec<String>)> = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut header: Option<Vec<String>> = None;
    loop {
        let more = reader.read_byte_record(&mut record).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            CheckError::at(file, line, None, format!("not readable as CSV: {e}"))
        })?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, |p| p.line() as usize);
        let mut cells = Vec::with_capacity(record.len());
        for (i, field) in record.iter().enumerate() {
            match std::str::from_utf8(field) {
                Ok(s) => cells.push(s.trim().to_owned()),
                Err(_) => {
                    let column = header
                        .as_ref()
                        .and_then(|h| h.get(i))
                        .cloned()
                        .unwrap_or_else(|| format!("#{}", i + 1));
                    return Err(CheckError::at(
                        file,
                        line,
                        Some(column),
                        "not UTF-8 text (probably Windows-1252 or Latin-1): save the file as \"CSV UTF-8\" (or as .xlsx) and run again",
                    ));
                }
            }
        }
        if header.is_none() {
            if cells.iter().all(|c| c.is_empty()) {
                continue;
            }
            header = Some(cells);
        } else {
            raw.push((line, cells));
        }
    }
    let headers = header.unwrap_or_default();
    Ok(table(file, headers, raw))
}

/// Most bytes the parts of a workbook may unzip to. A real register of
/// 100,000 lines is some tens of MB of sheet XML; a supplier's workbook that
/// unzips to more (a zip bomb: 500 KB that inflates to gigabytes) is refused
/// before the spreadsheet reader holds it in memory.
pub const MAX_UNZIPPED_BYTES: u64 = 512 << 20;

/// Most parts a workbook may have (a real one has a few dozen).
const MAX_WORKBOOK_PARTS: usize = 10_000;

/// Inflates every part of a ZIP-based workbook into nothing, counting the
/// bytes it really produces (the sizes the archive declares can lie), and
/// refuses it past [`MAX_UNZIPPED_BYTES`].
fn check_unzipped_size(file: &str, bytes: &[u8]) -> Result<(), CheckError> {
    check_unzipped_size_within(file, bytes, MAX_UNZIPPED_BYTES)
}

fn check_unzipped_size_within(file: &str, bytes: &[u8], limit: u64) -> Result<(), CheckError> {
    let broken = |e: &dyn std::fmt::Display| {
        CheckError::file(
            file,
            format!(
                "not a readable workbook ({e}): open it in a spreadsheet program and save it again as .xlsx, or export it as CSV UTF-8"
            ),
        )
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| broken(&e))?;
    if archive.len() > MAX_WORKBOOK_PARTS {
        return Err(CheckError::file(
            file,
            format!(
                "the workbook has {} parts (at most {MAX_WORKBOOK_PARTS}): export the sheet as CSV UTF-8 and check that",
                archive.len()
            ),
        ));
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let part = archive.by_index(i).map_err(|e| broken(&e))?;
        let room = limit - total;
        let inflated = std::io::copy(&mut part.take(room + 1), &mut std::io::sink())
            .map_err(|e| broken(&e))?;
        total += inflated;
        if total > limit {
            return Err(CheckError::file(
                file,
                format!(
                    "the workbook unzips to more than {} MB ({} bytes on disk): refused as a possible zip bomb; if it is a genuine register, export the sheet as CSV UTF-8 and check that",
                    limit >> 20,
                    bytes.len()
                ),
            ));
        }
    }
    Ok(())
}

fn read_workbook(file: &str, bytes: Vec<u8>, sheet: Option<&str>) -> Result<Table, CheckError> {
    let broken = |e: &dyn std::fmt::Display| {
        CheckError::file(
            file,
            format!(
                "not a readable workbook ({e}): open it in a spreadsheet program and save it again as .xlsx, or export it as CSV UTF-8"
            ),
        )
    };
    // From the bytes already read (and, for a ZIP, already measured), not
    // the path: the file could change in between.
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| broken(&e))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .cloned()
            .ok_or_else(|| {
                CheckError::file(
                    file,
                    format!(
                        "no sheet named {s:?}: the workbook has {}",
                        names.join(", ")
                    ),
                )
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| CheckError::file(file, "the workbook has no sheets"))?,
    };
    let range = book.worksheet_range(&name).map_err(|e| broken(&e))?;
    let top = range.start().map_or(0, |(r, _)| r as usize);
    let left = range.start().map_or(0, |(_, c)| c as usize);
    let mut header: Option<Vec<String>> = None;
    let mut raw = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let line = top + i + 1;
        let mut cells: Vec<String> = vec![String::new(); left];
        cells.extend(row.iter().map(cell_text));
        if header.is_none() {
            if cells.iter().all(|c| c.is_empty()) {
                continue;
            }
            header = Some(cells);
        } else {
            raw.push((line, cells));
        }
    }
    let file = format!("{file} (sheet {name})");
    if header.is_none() {
        return Err(CheckError::file(
            &file,
            "the sheet is empty: expected a header row (e.g. Manufacturer, Model, Description) and data rows",
        ));
    }
    Ok(table(&file, header.unwrap_or_default(), raw))
}

/// A cell as the text a person sees: whole numbers without `.0`, dates as
/// `YYYY-MM-DD` (not Excel's serial day number), errors (`#N/A`) as empty.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) if d.is_datetime() => {
            let (y, mo, day, h, mi, sec, _) = d.to_ymd_hms_milli();
            if (h, mi, sec) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{day:02}")
            } else {
                format!("{y:04}-{mo:02}-{day:02} {h:02}:{mi:02}:{sec:02}")
            }
        }
        Data::DateTime(d) => d.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
    }
}

fn table(file: &str, headers: Vec<String>, raw: Vec<(usize, Vec<String>)>) -> Table {
    let width = headers.len();
    let rows = raw
        .into_iter()
        .enumerate()
        .map(|(i, (line, mut cells))| {
            cells.resize(width, String::new());
            Row {
                number: i + 1,
                line,
                cells,
            }
        })
        .collect();
    Table {
        file: file.to_owned(),
        headers,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    /// A ZIP whose one part is `size` zero bytes: deflate shrinks it about
    /// a thousandfold, as a zip bomb does.
    fn zeros_zip(size: usize) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        out.start_file("xl/worksheets/sheet1.xml", options)
            .expect("zip part");
        let chunk = vec![0u8; 1 << 16];
        for _ in 0..size.div_ceil(chunk.len()) {
            out.write_all(&chunk).expect("zip data");
        }
        out.finish().expect("zip").into_inner()
    }

    #[test]
    fn a_workbook_that_inflates_past_the_limit_is_refused() {
        let bomb = zeros_zip(3 << 20);
        assert!(bomb.len() < 64 << 10, "{} bytes", bomb.len());
        let err = check_unzipped_size_within("quote.xlsx", &bomb, 1 << 20).expect_err("refused");
        assert!(
            err.to_string()
                .starts_with("quote.xlsx: the workbook unzips to more than 1 MB"),
            "{err}"
        );
        assert!(err.to_string().contains("zip bomb"), "{err}");
        check_unzipped_size_within("quote.xlsx", &bomb, 4 << 20).expect("within the limit");
    }
}
