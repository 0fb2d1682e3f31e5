//! Keyword tags for topics no dictionary knows: the most frequent content
//! words and two-word phrases of the prose, counted against a stop-word
//! list, without stemming.
//!
//! Ideographic text has no spaces, so there the candidates are katakana
//! words, short runs of Han characters between function characters, and Han
//! character pairs within longer runs.

use std::cmp::Reverse;

use crate::dictionary::Dictionary;
use crate::document::{Document, Placed};
use crate::fast_hash::FastMap;
use crate::text::{is_han, is_katakana};

/// Occurrences a keyword needs.
const MIN_COUNT: u32 = 2;
/// A phrase counts this many times a single word: it is more specific.
const PHRASE_WEIGHT: u32 = 2;
/// Han runs up to this many characters are taken whole as a word.
const MAX_HAN_WORD_CHARS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Candidate<'t> {
    Phrase(u32, u32),
    Word(u32),
    Ideographic(&'t str),
}

/// Frequency and first token index of a candidate.
#[derive(Debug, Clone, Copy)]
struct Tally {
    count: u32,
    first: usize,
}

/// Up to `max` keywords of the document's prose, most salient first.
/// Tokens inside code or matched by the dictionary are left out.
pub(crate) fn keywords(doc: &Document<'_>, dictionary: &Dictionary, max: usize) -> Vec<String> {
    let mut words: Vec<Tally> = vec![Tally { count: 0, first: 0 }; doc.words.len()];
    let mut phrases: FastMap<(u32, u32), Tally> = FastMap::default();
    let mut previous: Option<u32> = None;
    for (i, placed) in doc.tokens.iter().enumerate() {
        let usable = !placed.code && !placed.matched && doc.word(placed).keyword;
        if !usable {
            previous = None;
            continue;
        }
        let tally = &mut words[placed.word as usize];
        if tally.count == 0 {
            tally.first = i;
        }
        tally.count += 1;
        if let (Some(before), true) = (previous, placed.token.joined) {
            if before != placed.word {
                phrases
                    .entry((before, placed.word))
                    .or_insert(Tally {
                        count: 0,
                        first: i - 1,
                    })
                    .count += 1;
            }
        }
        previous = Some(placed.word);
    }
    let ideographic = ideographic_terms(doc, dictionary);

    let mut ranked: Vec<(u32, usize, Candidate<'_>)> = Vec::new();
    for (word, tally) in words.iter().enumerate() {
        if tally.count >= MIN_COUNT {
            ranked.push((tally.count, tally.first, Candidate::Word(word as u32)));
        }
    }
    for (&(a, b), tally) in &phrases {
        if tally.count >= MIN_COUNT {
            ranked.push((
                tally.count * PHRASE_WEIGHT,
                tally.first,
                Candidate::Phrase(a, b),
            ));
        }
    }
    for (&term, tally) in &ideographic {
        if tally.count >= MIN_COUNT {
            ranked.push((tally.count, tally.first, Candidate::Ideographic(term)));
        }
    }
    ranked.sort_unstable_by_key(|&(score, first, candidate)| (Reverse(score), first, candidate));

    let mut chosen_words: Vec<u32> = Vec::new();
    let mut chosen: Vec<String> = Vec::new();
    for (_, _, candidate) in ranked {
        if chosen.len() >= max {
            break;
        }
        match candidate {
            Candidate::Word(w) if !chosen_words.contains(&w) => {
                chosen_words.push(w);
                chosen.push(doc.words[w as usize].text.to_owned());
            }
            Candidate::Phrase(a, b) if !chosen_words.contains(&a) && !chosen_words.contains(&b) => {
                chosen_words.extend([a, b]);
                chosen.push(format!(
                    "{}-{}",
                    doc.words[a as usize].text, doc.words[b as usize].text
                ));
            }
            Candidate::Ideographic(term) => chosen.push(term.to_owned()),
            _ => {}
        }
    }
    chosen
}

/// Candidate terms of the ideographic prose, with their tallies.
fn ideographic_terms<'t>(doc: &Document<'t>, dictionary: &Dictionary) -> FastMap<&'t str, Tally> {
    let mut terms: FastMap<&'t str, Tally> = FastMap::default();
    let mut run: Vec<(usize, &Placed<'t>)> = Vec::new();
    let mut flush = |run: &mut Vec<(usize, &Placed<'t>)>| {
        for segment in run.split(|(_, p)| segment_break(p, dictionary)) {
            for (term, first) in segment_terms(doc.text, segment) {
                terms.entry(term).or_insert(Tally { count: 0, first }).count += 1;
            }
        }
        run.clear();
    };
    for (i, placed) in doc.tokens.iter().enumerate() {
        let ideographic = placed.token.cjk && !placed.code && !placed.matched;
        let adjacent = run.last().is_some_and(|(_, last)| {
            last.token.start + last.token.text.len() == placed.token.start
        });
        if !run.is_empty() && (!ideographic || !adjacent) {
            flush(&mut run);
        }
        if ideographic {
            run.push((i, placed));
        }
    }
    flush(&mut run);
    terms
}

/// Characters that end an ideographic word: function characters, hiragana
/// and anything that is neither Han nor katakana.
fn segment_break(placed: &Placed<'_>, dictionary: &Dictionary) -> bool {
    let text = placed.token.text;
    let is_word_char = text.chars().all(|c| is_han(c) || is_katakana(c));
    !is_word_char || dictionary.is_stop_word(text)
}

/// The terms of one segment of adjacent ideographs: a katakana word, a short
/// Han word, or the character pairs of a longer Han run.
fn segment_terms<'t>(text: &'t str, segment: &[(usize, &Placed<'t>)]) -> Vec<(&'t str, usize)> {
    let slice = |from: usize, to: usize| {
        let (_, first) = segment[from];
        let (_, last) = segment[to];
        (
            &text[first.token.start..last.token.start + last.token.text.len()],
            segment[from].0,
        )
    };
    let mut terms = Vec::new();
    let mut start = 0;
    // Split the segment where the script changes between Han and katakana.
    while start < segment.len() {
        let katakana = segment[start].1.token.text.chars().all(is_katakana);
        let mut end = start;
        while end + 1 < segment.len()
            && segment[end + 1].1.token.text.chars().all(is_katakana) == katakana
        {
            end += 1;
        }
        let len = end - start + 1;
        if len >= 2 && (katakana || len <= MAX_HAN_WORD_CHARS) {
            terms.push(slice(start, end));
        } else if len > MAX_HAN_WORD_CHARS {
            terms.extend((start..end).map(|i| slice(i, i + 1)));
        }
        start = end + 1;
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Vec<String> {
        let dictionary = Dictionary::builtin();
        let doc = Document::scan(text, &dictionary);
        keywords(&doc, &dictionary, 3)
    }

    #[test]
    fn finds_repeated_phrases_first() {
        let text = "notes about sourdough starter hydration. the sourdough starter needs feeding, and hydration matters for sourdough.";
        assert_eq!(run(text), ["sourdough-starter", "hydration"]);
    }

    #[test]
    fn ignores_single_mentions_numbers_and_stop_words() {
        assert!(run("one mention of everything 2024 2024 the the the").is_empty());
    }

    #[test]
    fn ignores_code() {
        assert!(run("```\nfoo_bar foo_bar widget widget\n```").is_empty());
    }

    #[test]
    fn ideographic_keywords() {
        assert_eq!(run("コーヒーの淹れ方。コーヒーが好きです。"), ["コーヒー"]);
        let chinese = "番茄炒蛋的做法：番茄切块，鸡蛋打散。番茄炒蛋很好吃。";
        assert!(
            run(chinese).contains(&"番茄炒蛋".to_owned()),
            "{:?}",
            run(chinese)
        );
    }
}
