//! Small text helpers every crate needs the same way: where a byte offset
//! falls in a file (for error messages), and cutting long values for display.

/// The 1-based line and column (in characters) of `byte_offset` in `text`,
/// as an editor counts them: `line_of_offset("a\nbc", 3)` is `(2, 2)`.
///
/// An offset past the end is taken as the end; one inside a multi-byte
/// character as that character's start. Parsers report spans in bytes
/// (`toml`'s `span().start`), people read lines.
pub fn line_of_offset(text: &str, byte_offset: usize) -> (usize, usize) {
    let mut offset = byte_offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The first `max_chars` characters of `text`, followed by `…` when there
/// was more (so the result has at most `max_chars + 1` characters).
/// Characters, not bytes: a cut never splits one.
pub fn clip(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

/// `text` fitted into `width` characters, the `…` included: unchanged when it
/// fits, else its first `width - 1` characters and `…` (a table cell that
/// must not grow past its column).
pub fn clip_to_width(text: &str, width: usize) -> String {
    if text.chars().nth(width).is_none() {
        return text.to_owned();
    }
    match width {
        0 => String::new(),
        w => clip(text, w - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_count_from_one() {
        let text = "a = 1\nbé = 2\n\nc";
        assert_eq!(line_of_offset(text, 0), (1, 1));
        assert_eq!(line_of_offset(text, 4), (1, 5));
        assert_eq!(line_of_offset(text, 6), (2, 1));
        // "bé" is three bytes: the offset after it is column 3.
        assert_eq!(line_of_offset(text, 9), (2, 3));
        assert_eq!(line_of_offset(text, 14), (3, 1));
        assert_eq!(line_of_offset(text, 15), (4, 1));
    }

    #[test]
    fn offsets_out_of_range_or_inside_a_character_are_clamped() {
        let text = "x\né";
        assert_eq!(line_of_offset(text, 99), (2, 2));
        // Byte 3 is inside "é" (bytes 2 and 3): its start.
        assert_eq!(line_of_offset(text, 3), (2, 1));
        assert_eq!(line_of_offset("", 5), (1, 1));
    }

    #[test]
    fn clip_keeps_whole_characters_and_marks_the_cut() {
        assert_eq!(clip("abcdef", 3), "abc…");
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("ééééé", 2), "éé…");
        assert_eq!(clip("abc", 0), "…");
        assert_eq!(clip("", 0), "");
    }

    #[test]
    fn clip_to_width_never_exceeds_the_width() {
        assert_eq!(clip_to_width("abcdef", 4), "abc…");
        assert_eq!(clip_to_width("abcd", 4), "abcd");
        assert_eq!(clip_to_width("漢字漢字漢", 3), "漢字…");
        assert_eq!(clip_to_width("abc", 0), "");
        assert_eq!(clip_to_width("", 0), "");
        for w in 0..8 {
            assert!(clip_to_width("a longer text", w).chars().count() <= w);
        }
    }
}
