//! Unicode-aware tokenisation shared by dictionary matching and keyword
//! extraction.
//!
//! Words are runs of alphanumeric characters in any script. A few joiners keep
//! compounds and technical names whole: an inner `.`, `-` or apostrophe
//! between word characters (`node.js`, `pour-over`, `don't`), a trailing `++`
//! or `#` (`c++`, `c#`) and a leading `.` after a space (`.net`). Ideographs and kana have no spaces between
//! words, so each one is a token of its own and phrases are matched as
//! sequences of them. Tokens never span a line break or sentence punctuation;
//! [`Token::joined`] tells whether a phrase may continue from the previous
//! token.

/// One token of already lower-cased text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'t> {
    pub text: &'t str,
    /// Byte offset of the token in the tokenised text.
    pub start: usize,
    /// Only spaces, hyphens or underscores separate this token from the
    /// previous one, so a phrase may run across the gap.
    pub joined: bool,
    /// A single ideograph or kana character.
    pub cjk: bool,
}

/// Han ideographs, hiragana and katakana: scripts written without spaces
/// between words. The tokeniser makes each such character a token of its own.
#[inline]
pub fn is_cjk(c: char) -> bool {
    is_han(c) || is_kana(c)
}

/// Characters the search index stores one per word: [`is_cjk`] and Hangul
/// syllables. Korean is written with spaces, but its words carry their
/// particles, so the index splits them too. The database's copy of this rule
/// is `memo_cjk_spaced` (latest in `migrations/0017_text_rules.sql`);
/// `tests/text-rules.test.mjs` compares the two on every code point.
#[inline]
pub fn is_indexed_alone(c: char) -> bool {
    is_cjk(c) || is_hangul(c)
}

pub(crate) fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

pub(crate) fn is_katakana(c: char) -> bool {
    matches!(c as u32, 0x30A0..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9D)
}

fn is_kana(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x309F) || is_katakana(c)
}

fn is_hangul(c: char) -> bool {
    matches!(c as u32, 0xAC00..=0xD7AF)
}

/// ASCII letters and digits, by byte value.
const ASCII_WORD: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    table
};

/// A character that belongs inside a word of a spaced script.
#[inline]
pub(crate) fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        c.is_alphanumeric() && !is_cjk(c)
    }
}

/// Separators a phrase may run across.
#[inline]
fn is_phrase_gap(c: char) -> bool {
    matches!(c, ' ' | '\t' | '-' | '_' | '/' | '\u{a0}' | '\u{3000}')
}

#[inline(always)]
fn char_at(text: &str, at: usize) -> Option<char> {
    match text.as_bytes().get(at) {
        Some(&b) if b.is_ascii() => Some(char::from(b)),
        Some(_) => text.get(at..).and_then(|rest| rest.chars().next()),
        None => None,
    }
}

/// Iterator over the tokens of lower-cased text.
pub(crate) struct Tokens<'t> {
    text: &'t str,
    pos: usize,
}

/// Tokens of `text`, which the caller has lower-cased.
pub(crate) fn tokens(text: &str) -> Tokens<'_> {
    Tokens { text, pos: 0 }
}

impl<'t> Iterator for Tokens<'t> {
    type Item = Token<'t>;

    fn next(&mut self) -> Option<Token<'t>> {
        let (start, first, joined) = self.skip_separators()?;
        self.pos = start + first.len_utf8();
        let cjk = is_cjk(first);
        if !cjk {
            self.pos = self.word_end();
            self.pos = self.suffix_end();
        }
        Some(Token { text: &self.text[start..self.pos], start, joined, cjk })
    }
}

impl Tokens<'_> {
    /// Moves to the start of the next token: its offset, its first
    /// character, and whether only phrase gaps lay before it.
    fn skip_separators(&mut self) -> Option<(usize, char, bool)> {
        let bytes = self.text.as_bytes();
        let mut joined = true;
        let mut previous_is_space = self.pos == 0;
        loop {
            let &byte = bytes.get(self.pos)?;
            let c = if byte.is_ascii() {
                if byte.is_ascii_alphanumeric() {
                    return Some((self.pos, char::from(byte), joined));
                }
                char::from(byte)
            } else {
                let c = char_at(self.text, self.pos)?;
                if is_word_char(c) || is_cjk(c) {
                    return Some((self.pos, c, joined));
                }
                c
            };
            if c == '.' && previous_is_space && bytes.get(self.pos + 1).is_some_and(u8::is_ascii_alphabetic) {
                // A leading dot as in `.net`: the token starts at the dot.
                return Some((self.pos, c, joined));
            }
            joined &= is_phrase_gap(c);
            previous_is_space = c.is_whitespace();
            self.pos += c.len_utf8();
        }
    }

    /// End of the word run starting at `self.pos`, with inner joiners.
    fn word_end(&self) -> usize {
        let text = self.text;
        let bytes = text.as_bytes();
        let mut end = self.pos;
        loop {
            // The common case first: a run of ASCII letters and digits.
            end += bytes[end.min(bytes.len())..].iter().take_while(|&&b| ASCII_WORD[usize::from(b)]).count();
            match bytes.get(end) {
                Some(b) if b.is_ascii() => {
                    let joiner = matches!(b, b'.' | b'\'' | b'-');
                    if joiner && char_at(text, end + 1).is_some_and(is_word_char) {
                        end += 1;
                    } else {
                        return end;
                    }
                }
                Some(_) => match char_at(text, end) {
                    Some(c) if is_word_char(c) => end += c.len_utf8(),
                    Some('\u{2019}') if char_at(text, end + 3).is_some_and(is_word_char) => end += 3,
                    _ => return end,
                },
                None => return end,
            }
        }
    }

    /// Extends a word by a `++` or `#` suffix that ends it, as in `c++`.
    fn suffix_end(&self) -> usize {
        let bytes = self.text.as_bytes();
        let mut end = self.pos;
        match bytes.get(end) {
            Some(b'#') => end += 1,
            Some(b'+') => {
                while bytes.get(end) == Some(&b'+') {
                    end += 1;
                }
            }
            _ => return end,
        }
        if char_at(self.text, end).is_some_and(|c| is_word_char(c) || is_cjk(c)) {
            self.pos
        } else {
            end
        }
    }
}

/// Lower-cases text: ASCII runs byte by byte, other characters by their
/// Unicode lower-case mapping (without the context rule for final sigma,
/// which matching does not need).
pub(crate) fn lowercase(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let ascii = ascii_prefix_len(rest.as_bytes());
        let (run, tail) = rest.split_at(ascii);
        let start = out.len();
        out.push_str(run);
        out[start..].make_ascii_lowercase();
        let mut chars = tail.chars();
        if let Some(c) = chars.next() {
            out.extend(c.to_lowercase());
        }
        rest = chars.as_str();
    }
    out
}

/// The length of the ASCII run `bytes` starts with, 16 bytes at a time
/// where it can (std's `is_ascii` tests a word at a time).
fn ascii_prefix_len(bytes: &[u8]) -> usize {
    let whole = bytes.chunks_exact(16).take_while(|chunk| chunk.is_ascii()).count() * 16;
    whole + bytes[whole..].iter().position(|b| !b.is_ascii()).unwrap_or(bytes.len() - whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        tokens(text).map(|t| t.text).collect()
    }

    #[test]
    fn splits_on_punctuation_and_space() {
        assert_eq!(words("hello, world! foo-bar - baz--qux"), ["hello", "world", "foo-bar", "baz", "qux"]);
    }

    #[test]
    fn keeps_technical_names_whole() {
        assert_eq!(
            words("use node.js and c++ or c# on .net"),
            ["use", "node.js", "and", "c++", "or", "c#", "on", ".net"]
        );
        assert_eq!(words("don't stop."), ["don't", "stop"]);
        assert_eq!(words("a+b c#d"), ["a", "b", "c", "d"]);
    }

    #[test]
    fn ideographs_are_single_tokens() {
        let t: Vec<_> = tokens("机器学习 rust").collect();
        assert_eq!(t.iter().map(|t| t.text).collect::<Vec<_>>(), ["机", "器", "学", "习", "rust"]);
        assert!(t[1].cjk && t[1].joined);
    }

    #[test]
    fn phrases_break_at_punctuation_and_lines() {
        let t: Vec<_> = tokens("machine learning. deep\nlearning").collect();
        let joined: Vec<_> = t.iter().map(|t| t.joined).collect();
        assert_eq!(joined, [true, true, false, false]);
    }

    #[test]
    fn lowercases_every_script() {
        assert_eq!(lowercase("ÄRGER über Straße ΣΟΦΊΑ İ Rust"), "ärger über straße σοφία i̇ rust");
        assert_eq!(lowercase("MiXeD 中文 ASCII"), "mixed 中文 ascii");
    }

    #[test]
    fn ascii_prefix_lengths() {
        for len in [0, 1, 15, 16, 17, 40] {
            for tail in ["", "é", "中x"] {
                let text = format!("{}{tail}", "A".repeat(len));
                assert_eq!(ascii_prefix_len(text.as_bytes()), len, "{text:?}");
            }
        }
        let long = format!("{}Ärger {}", "Mixed Case ".repeat(5), "ÜBER".repeat(3));
        assert_eq!(lowercase(&long), long.to_lowercase());
    }

    #[test]
    fn indexed_alone_is_cjk_plus_hangul() {
        for c in ['東', 'あ', 'カ', 'ｶ', 'ㇰ', '𠀀', '한', '글'] {
            assert!(is_indexed_alone(c), "{c}");
        }
        assert!(!is_cjk('한') && is_cjk('東'));
        for c in ['a', 'é', 'ß', 'م', '1', ' ', '。', 'ㄱ'] {
            assert!(!is_indexed_alone(c), "{c}");
        }
    }

    #[test]
    fn mixed_scripts_and_hangul() {
        // Hangul is a spaced script for the tokeniser: whole words.
        assert_eq!(words("한국어 텍스트 rust"), ["한국어", "텍스트", "rust"]);
        assert_eq!(words("rust和 c++ 混合 カタカナ"), ["rust", "和", "c++", "混", "合", "カ", "タ", "カ", "ナ"]);
    }

    #[test]
    fn handles_other_scripts() {
        assert_eq!(words("über straße مرحبا بالعالم"), ["über", "straße", "مرحبا", "بالعالم"]);
    }
}
