//! Keyword tags for topics no dictionary knows: the most frequent content
//! words and two-word phrases, counted against a stop-word list.

use std::collections::{HashMap, HashSet};

use crate::text::Token;

/// Occurrences a unigram or phrase needs to become a tag.
const MIN_COUNT: u32 = 2;
/// Shortest keyword, in characters, for spaced scripts.
const MIN_WORD_CHARS: usize = 3;

/// Up to `max` keywords of `text`, most frequent first, ties by first
/// occurrence. Tokens marked in `consumed` (dictionary matches) and stop
/// words are left out.
pub(crate) fn keywords(
    text: &[Token<'_>],
    consumed: &[bool],
    stop_words: &HashSet<String>,
    max: usize,
) -> Vec<String> {
    let usable = |i: usize| -> bool {
        let token = &text[i];
        !consumed[i]
            && !token.cjk
            && is_content_word(token.text)
            && !stop_words.contains(token.text)
    };
    let mut words: HashMap<&str, (u32, usize)> = HashMap::new();
    let mut phrases: HashMap<(&str, &str), (u32, usize)> = HashMap::new();
    for i in 0..text.len() {
        if !usable(i) {
            continue;
        }
        let entry = words.entry(text[i].text).or_insert((0, i));
        entry.0 += 1;
        if i > 0 && text[i].joined && usable(i - 1) {
            let entry = phrases
                .entry((text[i - 1].text, text[i].text))
                .or_insert((0, i - 1));
            entry.0 += 1;
        }
    }
    let mut ranked_phrases: Vec<_> = phrases
        .into_iter()
        .filter(|(_, (count, _))| *count >= MIN_COUNT)
        .collect();
    ranked_phrases.sort_by_key(|&(_, (count, first))| (std::cmp::Reverse(count), first));
    let mut ranked_words: Vec<_> = words
        .into_iter()
        .filter(|(_, (count, _))| *count >= MIN_COUNT)
        .collect();
    ranked_words.sort_by_key(|&(_, (count, first))| (std::cmp::Reverse(count), first));

    let mut chosen: Vec<String> = Vec::new();
    let mut covered: HashSet<&str> = HashSet::new();
    for ((a, b), _) in ranked_phrases.into_iter().take(max) {
        if covered.contains(a) || covered.contains(b) {
            continue;
        }
        covered.insert(a);
        covered.insert(b);
        chosen.push(format!("{a}-{b}"));
    }
    for (word, _) in ranked_words {
        if chosen.len() >= max {
            break;
        }
        if !covered.contains(word) {
            chosen.push(word.to_owned());
        }
    }
    chosen.truncate(max);
    chosen
}

/// A word worth a tag: long enough, mostly letters, not a file name or host.
fn is_content_word(word: &str) -> bool {
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
    chars >= MIN_WORD_CHARS && digits * 2 < chars
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokens;

    fn run(text: &str) -> Vec<String> {
        let toks: Vec<_> = tokens(text).collect();
        let consumed = vec![false; toks.len()];
        let stop: HashSet<String> = ["the", "and", "for", "with", "about"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        keywords(&toks, &consumed, &stop, 3)
    }

    #[test]
    fn finds_repeated_phrases_first() {
        let text = "notes about sourdough starter hydration. the sourdough starter needs feeding, and hydration matters for sourdough.";
        assert_eq!(run(text), ["sourdough-starter", "hydration"]);
    }

    #[test]
    fn ignores_single_mentions_and_numbers() {
        assert!(run("one mention of everything 2024 2024").is_empty());
    }
}
