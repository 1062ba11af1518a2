//! The date of a line (purchase, installation), as spreadsheets write it:
//! brand relations that began or ended (a brand sold by its maker) are taken
//! as they stood on that date.

/// The date in `cell` as `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, or `None` when
/// it is not one camaudit reads.
///
/// Read: `2024`, `2024-03`, `03/2024`, `2024-03-01` (also with `/` or `.`,
/// and with a time after it), and day-first `01/03/2024` (also `-`, `.`),
/// the UK and European order. A date whose first number cannot be a month
/// (`25/12/2023`) is day-first anyway; one whose second cannot be
/// (`12/25/2023`) is read month-first, as a US register writes it; when
/// both could be, day-first is assumed (documented in docs/check.md).
pub fn parse_date(cell: &str) -> Option<String> {
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
    if !(1970..=2100).contains(&year) {
        return None;
    }
    match (month, day) {
        (None, _) => Some(format!("{year:04}")),
        (Some(m), None) if (1..=12).contains(&m) => Some(format!("{year:04}-{m:02}")),
        (Some(m), Some(d)) if (1..=12).contains(&m) && (1..=days_in(year, m)).contains(&d) => {
            Some(format!("{year:04}-{m:02}-{d:02}"))
        }
        _ => None,
    }
}

fn days_in(year: u32, month: u32) -> u32 {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_date;

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
            assert_eq!(parse_date(cell).as_deref(), Some(want), "{cell}");
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
            "13/13/2024",
            "1899",
            "2024-03-01-05",
            "२०२४",
            "12//2024",
        ] {
            assert_eq!(parse_date(cell), None, "{cell}");
        }
    }
}
