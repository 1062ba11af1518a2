//! The registry's dates: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as precise as
//! the source allows.

/// Checks a registry date. Returns the problem, if any.
pub fn check(date: &str) -> Result<(), String> {
    let bad = || {
        Err(format!(
            "bad date {date:?}: expected YYYY, YYYY-MM or YYYY-MM-DD"
        ))
    };
    let parts: Vec<&str> = date.split('-').collect();
    let widths = [4, 2, 2];
    if parts.is_empty() || parts.len() > 3 {
        return bad();
    }
    let mut nums = [0u32; 3];
    for (i, p) in parts.iter().enumerate() {
        if p.len() != widths[i] || !p.bytes().all(|b| b.is_ascii_digit()) {
            return bad();
        }
        nums[i] = match p.parse() {
            Ok(n) => n,
            Err(_) => return bad(),
        };
    }
    let [year, month, day] = nums;
    if !(1900..=2100).contains(&year) {
        return Err(format!("bad date {date:?}: year out of range"));
    }
    if parts.len() >= 2 && !(1..=12).contains(&month) {
        return Err(format!("bad date {date:?}: no month {month}"));
    }
    if parts.len() == 3 {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if !(1..=days).contains(&day) {
            return Err(format!("bad date {date:?}: no day {day} in that month"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn accepts_the_three_precisions() {
        for ok in ["2018", "2021-04", "2022-11-24", "2024-02-29"] {
            assert!(check(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_the_rest() {
        for bad in [
            "",
            "18",
            "2018-4",
            "2018-13",
            "2023-02-29",
            "2022-11-31",
            "2022/11/24",
            "24 Nov 2022",
            "2022-11-24-01",
            "1800",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }
}
