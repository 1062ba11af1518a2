//! The date column of an asset register or procurement list (purchase,
//! installation), as spreadsheets write it.

use super::PartialDate;

/// Years a register's date may have: older entries are typing errors.
const REGISTER_YEARS: std::ops::RangeInclusive<i32> = 1970..=2100;

/// The date in `cell`, or `None` when it is not one camaudit reads.
///
/// Read: `2024`, `2024-03`, `03/2024`, `2024-03-01` (also with `/` or `.`,
/// and with a time after it), and day-first `01/03/2024` (also `-`, `.`),
/// the UK and European order. A date whose first number cannot be a month
/// (`25/12/2023`) is day-first anyway; one whose second cannot be
/// (`12/25/2023`) is read month-first, as a US register writes it; when
/// both could be, day-first is assumed (documented in docs/check.md).
/// Excel's serial day numbers are not read here: the XLSX reader turns date
/// cells into `YYYY-MM-DD` first, and a bare number in a text file is not
/// taken for a date.
pub fn parse_register_date(cell: &str) -> Option<PartialDate> {
    let date = cell.trim().split([' ', 'T']).next()?;
    let parts: Vec<&str> = date.split(['-', '/', '.']).collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let num = |s: &str| s.parse::<u32>().ok();
    let (year, month, day) = match parts.as_slice() {
        [y] if y.len() == 4 => (num(y)?, None, None),
        [y, m] if y.len() == 4 && m.len() <= 2 => (num(y)?, Some(num(m)?), None),
        [m, y] if y.len() == 4 && m.len() <= 2 => (num(y)?, Some(num(m)?), None),
        [y, m, d] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => {
            (num(y)?, Some(num(m)?), Some(num(d)?))
        }
        [a, b, y] if y.len() == 4 && a.len() <= 2 && b.len() <= 2 => {
            let (a, b) = (num(a)?, num(b)?);
            let (day, month) = if b > 12 && a <= 12 { (b, a) } else { (a, b) };
            (num(y)?, Some(month), Some(day))
        }
        _ => return None,
    };
    let year = i32::try_from(year)
        .ok()
        .filter(|y| REGISTER_YEARS.contains(y))?;
    PartialDate::from_parts(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::parse_register_date;

    fn parse(cell: &str) -> Option<String> {
        parse_register_date(cell).map(|d| d.to_string())
    }

    #[test]
    fn the_ways_registers_write_dates() {
        for (cell, want) in [
            ("2024", "2024"),
            ("2024-03", "2024-03"),
            ("03/2024", "2024-03"),
            ("2024-03-01", "2024-03-01"),
            ("2024/3/1", "2024-03-01"),
            ("2024-03-01 00:00:00", "2024-03-01"),
            ("2024-03-01T10:00:00Z", "2024-03-01"),
            ("01/03/2024", "2024-03-01"),
            ("1.3.2024", "2024-03-01"),
            ("25/12/2023", "2023-12-25"),
            ("12/25/2023", "2023-12-25"),
            ("29/02/2024", "2024-02-29"),
        ] {
            assert_eq!(parse(cell).as_deref(), Some(want), "{cell}");
        }
    }

    #[test]
    fn what_is_not_a_date() {
        for cell in [
            "",
            "n/a",
            "TBC",
            "Q3 2024",
            "45352",
            "31/02/2024",
            "2024-13",
            "2024-00",
            "13/13/2024",
            "1899",
            "2024-03-01-05",
            "२०२४",
            "12//2024",
        ] {
            assert_eq!(parse(cell), None, "{cell}");
        }
    }
}
