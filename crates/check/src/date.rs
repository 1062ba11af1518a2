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

    // The forms themselves are tested with the parser, in
    // camaudit_model::date::register; here, that a line gets them as text.
    #[test]
    fn a_date_cell_becomes_its_text_form() {
        assert_eq!(parse_date("01/03/2024").as_deref(), Some("2024-03-01"));
        assert_eq!(parse_date("03/2024").as_deref(), Some("2024-03"));
        assert_eq!(parse_date("45352"), None);
    }
}
