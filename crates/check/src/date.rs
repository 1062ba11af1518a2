//! The date of a line (purchase, installation), as spreadsheets write it:
//! brand relations that began or ended (a brand sold by its maker) are taken
//! as they stood on that date.

use camaudit_model::date::parse_register_date;

/// The date in `cell` as `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, or `None` when
/// it is not one camaudit reads: the forms of
/// [`camaudit_model::date::parse_register_date`] (`2024-03`, `01/03/2024`
/// day-first, `12/25/2023` month-first where only that reading is a date).
pub fn parse_date(cell: &str) -> Option<String> {
    parse_register_date(cell).map(|d| d.to_string())
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
