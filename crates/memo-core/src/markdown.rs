//! Just enough Markdown to find headings, fenced code and conversation turns,
//! and to turn a line into plain text.

/// What a line of content is, with fenced code tracked across lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Line<'t> {
    /// A line outside code fences.
    Prose(&'t str),
    /// The opening fence of a code block with its info-string language
    /// (empty when none was given).
    FenceOpen { language: &'t str },
    /// A line inside a code block, or its closing fence.
    Code(&'t str),
}

/// Iterator classifying the lines of a text.
pub(crate) struct Lines<'t> {
    lines: std::str::Split<'t, char>,
    /// The fence character and length of the open code block.
    open_fence: Option<(u8, usize)>,
}

pub(crate) fn lines(text: &str) -> Lines<'_> {
    Lines { lines: text.split('\n'), open_fence: None }
}

impl<'t> Iterator for Lines<'t> {
    type Item = Line<'t>;

    fn next(&mut self) -> Option<Line<'t>> {
        let line = self.lines.next()?;
        let fence = fence(line);
        Some(match (self.open_fence, fence) {
            (Some((ch, len)), Some((c, l, info))) if c == ch && l >= len && info.is_empty() => {
                self.open_fence = None;
                Line::Code(line)
            }
            (Some(_), _) => Line::Code(line),
            (None, Some((c, l, info))) => {
                self.open_fence = Some((c, l));
                Line::FenceOpen { language: info.split_whitespace().next().unwrap_or("") }
            }
            (None, None) => Line::Prose(line.strip_suffix('\r').unwrap_or(line)),
        })
    }
}

/// A code fence line: its character, length and trimmed info string.
fn fence(line: &str) -> Option<(u8, usize, &str)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let ch = *rest.as_bytes().first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let len = rest.bytes().take_while(|&b| b == ch).count();
    if len < 3 {
        return None;
    }
    let info = rest[len..].trim();
    if ch == b'`' && info.contains('`') {
        return None;
    }
    Some((ch, len, info))
}

/// Splits an ATX heading (`## Title`) into its level and text.
pub(crate) fn heading(line: &str) -> Option<(usize, &str)> {
    let trimmed = line.trim_start();
    let level = trimmed.bytes().take_while(|&b| b == b'#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &trimmed[level..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let text = rest.trim().trim_end_matches('#').trim_end();
    (!text.is_empty()).then_some((level, text))
}

/// Removes block syntax from the start of a line: quote markers, heading
/// hashes, list bullets, ordered-list numbers and task boxes.
pub(crate) fn strip_block_prefix(line: &str) -> &str {
    let mut rest = line.trim();
    loop {
        let before = rest.len();
        if let Some(r) = rest.strip_prefix('>') {
            rest = r.trim_start();
        }
        if let Some((_, text)) = heading(rest) {
            rest = text;
        }
        for bullet in ["- ", "* ", "+ ", "• "] {
            if let Some(r) = rest.strip_prefix(bullet) {
                rest = r.trim_start();
            }
        }
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if (1..=3).contains(&digits) {
            let after = &rest[digits..];
            if let Some(r) = after.strip_prefix(". ").or_else(|| after.strip_prefix(") ")) {
                rest = r.trim_start();
            }
        }
        for task in ["[ ] ", "[x] ", "[X] "] {
            if let Some(r) = rest.strip_prefix(task) {
                rest = r.trim_start();
            }
        }
        if rest.len() == before {
            return rest;
        }
    }
}

/// Plain text of one line of inline Markdown: links and images become their
/// text, emphasis and code markers go, whitespace collapses to single spaces.
pub(crate) fn plain_inline(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        // A run of characters that are neither markup nor space is copied
        // whole: the character-by-character rules below would keep each one.
        let ordinary = rest.find(|c: char| is_inline_markup(c) || c.is_whitespace()).unwrap_or(rest.len());
        if ordinary > 0 {
            out.push_str(&rest[..ordinary]);
            rest = &rest[ordinary..];
            continue;
        }
        if let Some((text, after)) = link(rest).filter(|_| matches!(c, '[' | '!')) {
            push_text(&mut out, text);
            rest = after;
            continue;
        }
        let autolink = rest.strip_prefix("<http").filter(|_| c == '<');
        if let Some(after) = autolink.and_then(|r| find_near(r, b'>', MAX_LINK_TARGET).map(|end| &r[end + 1..])) {
            rest = after;
            continue;
        }
        let len = c.len_utf8();
        let emphasis = matches!(c, '*' | '_' | '~' | '`') && is_emphasis(&out, &rest[len..], c);
        if !emphasis {
            if c.is_whitespace() {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
            } else {
                out.push(c);
            }
        }
        rest = &rest[len..];
    }
    let trimmed_len = out.trim_end().len();
    out.truncate(trimmed_len);
    out
}

/// Characters that may start a link, an image, an autolink or emphasis.
fn is_inline_markup(c: char) -> bool {
    matches!(c, '[' | '!' | '<' | '*' | '_' | '~' | '`')
}

fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else if !matches!(c, '*' | '`') {
            out.push(c);
        }
    }
}

/// A marker character is emphasis unless it sits between two word
/// characters (`snake_case`) or between two spaces (`2 * 3`).
fn is_emphasis(before: &str, after: &str, marker: char) -> bool {
    if marker == '`' {
        return true;
    }
    let prev = before.chars().next_back();
    let next = after.chars().next();
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let space = |c: Option<char>| c.is_none_or(char::is_whitespace);
    let run = |c: Option<char>| c == Some(marker);
    if run(next) || run(prev) {
        return true;
    }
    !(word(prev) && word(next) || space(prev) && space(next))
}

/// Longest link text and link target looked for, in bytes, so that a line
/// full of brackets takes linear time.
const MAX_LINK_TEXT: usize = 512;
const MAX_LINK_TARGET: usize = 2048;

/// The index of the ASCII byte `b` within the first `window` bytes of `s`
/// (always a character boundary, as UTF-8 never reuses ASCII bytes).
fn find_near(s: &str, b: u8, window: usize) -> Option<usize> {
    s.as_bytes().iter().take(window).position(|&c| c == b)
}

/// `[text](target)` or `![alt](target)` at the start of `s`: the text and
/// what follows the link.
fn link(s: &str) -> Option<(&str, &str)> {
    let s = s.strip_prefix('!').unwrap_or(s);
    let inner = s.strip_prefix('[')?;
    let close = find_near(inner, b']', MAX_LINK_TEXT)?;
    let text = &inner[..close];
    if text.contains('[') {
        return None;
    }
    let target = inner[close + 1..].strip_prefix('(')?;
    let end = find_near(target, b')', MAX_LINK_TARGET)?;
    Some((text, &target[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracks_fences() {
        let text = "intro\n```rust\nfn main() {}\n```\noutro\n~~~\ncode\n";
        let got: Vec<_> = lines(text).collect();
        assert_eq!(
            got,
            [
                Line::Prose("intro"),
                Line::FenceOpen { language: "rust" },
                Line::Code("fn main() {}"),
                Line::Code("```"),
                Line::Prose("outro"),
                Line::FenceOpen { language: "" },
                Line::Code("code"),
                Line::Code(""),
            ]
        );
    }

    #[test]
    fn headings() {
        assert_eq!(heading("## Hello ##"), Some((2, "Hello")));
        assert_eq!(heading("#hashtag"), None);
        assert_eq!(heading("####### seven"), None);
    }

    #[test]
    fn strips_block_prefixes() {
        assert_eq!(strip_block_prefix("> - [x] done"), "done");
        assert_eq!(strip_block_prefix("12. item"), "item");
        assert_eq!(strip_block_prefix("### Title"), "Title");
    }

    #[test]
    fn plain_inline_text() {
        assert_eq!(plain_inline("**Bold** and _it_ with [a link](http://x.y) `code`"), "Bold and it with a link code");
        assert_eq!(plain_inline("keep snake_case and 2 * 3"), "keep snake_case and 2 * 3");
        assert_eq!(plain_inline("  spaced \t out  "), "spaced out");
        assert_eq!(plain_inline("see <https://example.com> now"), "see now");
    }
}
