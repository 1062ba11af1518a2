//! Matching the names that appear on devices and in spreadsheets.

/// Legal-form words dropped from the end of a name, so that "ZTE
/// Corporation", "ZTE Corp." and "ZTE" are one name.
const LEGAL_FORMS: &[&str] = &[
    "ab",
    "ag",
    "bv",
    "co",
    "company",
    "corp",
    "corporation",
    "gmbh",
    "inc",
    "incorporated",
    "kk",
    "limited",
    "llc",
    "ltd",
    "nv",
    "plc",
    "pte",
    "pty",
    "sa",
    "sas",
    "spa",
    "srl",
];

/// The comparison key of a name: lowercase letters and digits only (any
/// script), with trailing legal forms removed. `"HIKVISION"`, `"Hik Vision"`
/// and `"Hikvision, Inc."` all give `"hikvision"`. Empty when the name has no
/// letters or digits.
///
/// Only whole names are compared, never parts of them, so a short name such
/// as "ZTE" cannot match inside "Azteca".
pub fn normalize(name: &str) -> String {
    let lower = name.to_lowercase();
    let mut tokens: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    while tokens.len() > 1 && tokens.last().is_some_and(|t| LEGAL_FORMS.contains(t)) {
        tokens.pop();
    }
    tokens.concat()
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn spellings_meet() {
        assert_eq!(normalize("HIKVISION"), "hikvision");
        assert_eq!(normalize("Hik-Vision"), "hikvision");
        assert_eq!(normalize("  hikvision  "), "hikvision");
        assert_eq!(normalize("ZTE Corporation"), "zte");
        assert_eq!(normalize("ZTE Corp."), "zte");
        assert_eq!(
            normalize("Hangzhou Hikvision Digital Technology Co., Ltd."),
            "hangzhouhikvisiondigitaltechnology"
        );
        assert_eq!(normalize("i-PRO"), "ipro");
        assert_eq!(normalize("海康威视"), "海康威视");
    }

    #[test]
    fn legal_form_alone_is_kept_and_punctuation_alone_is_empty() {
        assert_eq!(normalize("Company"), "company");
        assert_eq!(normalize(" -- "), "");
        assert_ne!(normalize("Azteca"), normalize("ZTE"));
    }
}
