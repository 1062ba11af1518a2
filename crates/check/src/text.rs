//! Free text ("Annke 4K turret C800", "Hikvision DS-2CD2143G2-I 4MP dome"):
//! the maker and brand names the registry knows, and the tokens that look
//! like model numbers.

use camaudit_registry::Registry;

/// What free text names.
#[derive(Debug, Default, PartialEq)]
pub struct Parsed {
    /// Registry names found, as written in the text ("Hik Vision").
    pub names: Vec<String>,
    /// Tokens that look like model numbers ("C800", "DS-2CD2143G2-I").
    pub models: Vec<String>,
}

/// Longest run of words tried as one name ("Hangzhou Hikvision Digital
/// Technology" is four).
const MAX_NGRAM: usize = 5;

pub fn parse(registry: &Registry, text: &str) -> Parsed {
    let words: Vec<&str> = text
        .split(|c: char| {
            c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '[' | ']' | '|' | '"' | '\'')
        })
        .map(|w| w.trim_matches(|c: char| matches!(c, '.' | ':' | '!' | '?' | '*')))
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Parsed::default();
    let mut used = vec![false; words.len()];
    // Longest names first, so "Samsung Techwin" wins over a shorter name
    // inside it.
    for n in (1..=MAX_NGRAM.min(words.len())).rev() {
        for start in 0..=words.len() - n {
            if used[start..start + n].iter().any(|u| *u) {
                continue;
            }
            let phrase = words[start..start + n].join(" ");
            if registry.lookup_name(&phrase).is_some() {
                used[start..start + n].iter_mut().for_each(|u| *u = true);
                if !out.names.contains(&phrase) {
                    out.names.push(phrase);
                }
            }
        }
    }
    for (w, used) in words.iter().zip(&used) {
        if !used && looks_like_model(w) && !out.models.iter().any(|m| m == w) {
            out.models.push((*w).to_owned());
        }
    }
    out
}

/// A model number mixes letters and digits, is at least four characters,
/// and is not a measurement ("2.8mm", "4MP", "1080p", "8CH", "12V").
pub fn looks_like_model(w: &str) -> bool {
    let ok_chars = w
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '.' | '+' | '_'));
    let letters = w.chars().any(|c| c.is_ascii_alphabetic());
    let digits = w.chars().any(|c| c.is_ascii_digit());
    ok_chars
        && letters
        && digits
        && w.len() >= 4
        && w.len() <= 64
        && w.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && !is_measurement(w)
}

fn is_measurement(w: &str) -> bool {
    let lower = w.to_ascii_lowercase();
    let number_end = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'x'))
        .unwrap_or(lower.len());
    if number_end == 0 {
        return false;
    }
    let unit = &lower[number_end..];
    const UNITS: [&str; 22] = [
        "mm", "mp", "k", "p", "ch", "v", "w", "vac", "vdc", "hz", "fps", "tb", "gb", "mb", "m",
        "ft", "in", "port", "ports", "poe", "x", "mpx",
    ];
    UNITS.contains(&unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_models() {
        let reg = Registry::builtin().expect("registry");
        let p = parse(&reg, "Annke 4K turret C800, 2.8mm");
        assert_eq!(p.names, vec!["Annke"]);
        assert_eq!(p.models, vec!["C800"]);
        let p = parse(
            &reg,
            "Hangzhou Hikvision Digital Technology DS-2CD2143G2-I 4MP dome 1080p",
        );
        assert_eq!(p.names.len(), 1, "{p:?}");
        assert_eq!(p.models, vec!["DS-2CD2143G2-I"]);
        let p = parse(&reg, "Bullet camera, 8CH, 12V");
        assert!(p.names.is_empty() && p.models.is_empty(), "{p:?}");
    }

    #[test]
    fn model_tokens() {
        for m in [
            "C800",
            "DS-2CD2387G2-LU",
            "IPC-HDW1431T1-S4",
            "NVR4108HS-8P-4KS2",
            "M1065-LW",
        ] {
            assert!(looks_like_model(m), "{m}");
        }
        for m in [
            "4K", "2.8mm", "4MP", "1080p", "8CH", "12V", "turret", "2024", "3x",
        ] {
            assert!(!looks_like_model(m), "{m}");
        }
    }
}
