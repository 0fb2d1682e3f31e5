//! One pass over the lower-cased content: its tokens with interned word ids,
//! code-fence languages and conversation turns.
//!
//! Each distinct word is looked up in the dictionary and the stop-word list
//! once, when first seen, so the per-token cost is a single hash lookup.

use crate::conversation::{role_marker, Role};
use crate::dictionary::Dictionary;
use crate::markdown::{self, Line};
use crate::text::{self, Token};
use rustc_hash::FxHashMap;

/// A token of the document with its word id and where it stands.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Placed<'t> {
    pub token: Token<'t>,
    /// Index into [`Document::words`].
    pub word: u32,
    /// Inside a fenced code block.
    pub code: bool,
    /// Part of a dictionary match.
    pub matched: bool,
}

/// A distinct word of the document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Word<'t> {
    pub text: &'t str,
    /// The dictionary terms that start with this word.
    pub terms: Option<u32>,
    /// A stop word.
    pub stop: bool,
    /// Can be part of a keyword phrase: a content word, not a stop word.
    pub in_phrase: bool,
    /// Can be a keyword on its own: also not a generic word.
    pub alone: bool,
}

/// The lower-cased content, tokenised and scanned.
#[derive(Debug)]
pub(crate) struct Document<'t> {
    pub text: &'t str,
    pub tokens: Vec<Placed<'t>>,
    pub words: Vec<Word<'t>>,
    ids: FxHashMap<&'t str, u32>,
    /// Code-fence languages in order of first appearance.
    pub languages: Vec<&'t str>,
    pub fences: usize,
    pub images: bool,
    /// Whether any token is an ideograph or kana.
    pub has_ideographs: bool,
    pub user_turns: u64,
    pub assistant_turns: u64,
}

impl<'t> Document<'t> {
    /// Scans `text`, which must be lower-cased.
    pub fn scan(text: &'t str, dictionary: &Dictionary) -> Document<'t> {
        let mut doc = Document {
            text,
            tokens: Vec::with_capacity(text.len() / 6),
            words: Vec::new(),
            ids: FxHashMap::with_capacity_and_hasher(expected_words(text.len()), Default::default()),
            languages: Vec::new(),
            fences: 0,
            images: false,
            has_ideographs: false,
            user_turns: 0,
            assistant_turns: 0,
        };
        for line in markdown::lines(text) {
            let (body, code) = match line {
                Line::FenceOpen { language } => {
                    doc.fences += 1;
                    let known = doc.languages.contains(&language);
                    if !language.is_empty() && !known && doc.languages.len() < MAX_LANGUAGES {
                        doc.languages.push(language);
                    }
                    continue;
                }
                Line::Code(line) => (line, true),
                Line::Prose(line) => {
                    doc.images |= line.contains("![");
                    match role_marker(line) {
                        Some((role, rest)) => {
                            match role {
                                Role::User => doc.user_turns += 1,
                                Role::Assistant => doc.assistant_turns += 1,
                            }
                            (rest, false)
                        }
                        None => (line, false),
                    }
                }
            };
            let offset = body.as_ptr() as usize - text.as_ptr() as usize;
            for (i, mut token) in text::tokens(body).enumerate() {
                token.start += offset;
                token.joined &= i > 0;
                let next_id = doc.words.len() as u32;
                let word = *doc.ids.entry(token.text).or_insert_with(|| {
                    let entry = dictionary.word(token.text);
                    let in_phrase = !token.cjk && !entry.stop && is_keyword_candidate(token.text);
                    doc.words.push(Word {
                        text: token.text,
                        terms: entry.terms,
                        stop: entry.stop,
                        in_phrase,
                        alone: in_phrase && !entry.generic,
                    });
                    next_id
                });
                doc.has_ideographs |= token.cjk;
                doc.tokens.push(Placed { token, word, code, matched: false });
            }
        }
        doc
    }

    pub fn is_conversation(&self) -> bool {
        self.user_turns > 0 && self.assistant_turns > 0
    }

    pub fn turns(&self) -> u64 {
        self.user_turns + self.assistant_turns
    }

    pub fn word(&self, token: &Placed<'_>) -> &Word<'t> {
        &self.words[token.word as usize]
    }

    /// The id of a lower-case word, if the document has it.
    pub fn word_id(&self, word: &str) -> Option<u32> {
        self.ids.get(word).copied()
    }
}

/// A guess at the number of distinct words in `len` bytes of text, to size
/// the word table once: generous for short texts, where most words are new.
fn expected_words(len: usize) -> usize {
    (len / 10).min(1 << 14)
}

/// Distinct code-fence languages kept: more than the tags can hold.
const MAX_LANGUAGES: usize = 16;

/// Shortest keyword, in characters, for spaced scripts.
const MIN_KEYWORD_CHARS: usize = 3;

/// A word worth a keyword tag: starts with a letter, long enough, mostly
/// letters, not a file name, host, version number or symbol-bearing name.
fn is_keyword_candidate(word: &str) -> bool {
    if !word.starts_with(char::is_alphabetic) {
        return false;
    }
    let mut chars = 0;
    let mut digits = 0;
    for c in word.chars() {
        chars += 1;
        if c.is_numeric() {
            digits += 1;
        }
        if matches!(c, '.' | '\'' | '\u{2019}' | '+' | '#') {
            return false;
        }
    }
    chars >= MIN_KEYWORD_CHARS && digits * 2 < chars
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_words_and_tracks_structure() {
        let dictionary = Dictionary::default();
        let text = "user: rust rust\n```python\nprint(1)\n```\nassistant: see ![img](x)";
        let doc = Document::scan(text, &dictionary);
        assert_eq!(doc.languages, ["python"]);
        assert_eq!((doc.user_turns, doc.assistant_turns, doc.fences), (1, 1, 1));
        assert!(doc.images && doc.is_conversation());
        let words: Vec<&str> = doc.tokens.iter().map(|t| doc.word(t).text).collect();
        assert_eq!(words, ["rust", "rust", "print", "1", "see", "img", "x"]);
        assert_eq!(doc.tokens[0].word, doc.tokens[1].word);
        assert!(doc.tokens[2].code && !doc.tokens[4].code);
        assert!(!doc.tokens[0].token.joined && doc.tokens[1].token.joined);
        assert_eq!(&text[doc.tokens[4].token.start..][..3], "see");
    }
}
