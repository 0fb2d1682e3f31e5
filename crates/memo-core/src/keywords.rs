//! Keyword tags for topics no dictionary knows: the most salient content
//! words and two-word phrases of the prose, counted against stop-word and
//! generic-word lists, without stemming.
//!
//! Salience is frequency plus a bonus for appearing in the title. A phrase
//! that recurs outranks its words, and a word's occurrences inside chosen
//! phrases do not count again for the word alone (so "light energy" and
//! "chemical energy" are kept, not "energy").
//!
//! Ideographic text has no spaces, so there the candidates are katakana
//! words, runs of two to four Han characters between function characters,
//! and the Han character pairs within runs.

use std::cmp::Reverse;

use crate::dictionary::Dictionary;
use crate::document::{Document, Placed};
use crate::text::{is_han, is_katakana};
use rustc_hash::FxHashMap;

/// Occurrences a phrase needs.
const MIN_PHRASE_COUNT: u32 = 2;
/// Occurrences a single word needs, or one fewer when it is in the title.
const MIN_WORD_COUNT: u32 = 3;
/// A phrase counts this many times a single word: it is more specific.
const PHRASE_WEIGHT: u32 = 2;
/// Han runs up to this many characters are also taken whole as a word.
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

impl Tally {
    const NEW: Tally = Tally { count: 0, first: usize::MAX };

    fn add(&mut self, at: usize) {
        self.count += 1;
        self.first = self.first.min(at);
    }
}

/// What the title says, to weigh candidates by.
pub(crate) struct Title<'a> {
    /// The title, lower-cased.
    pub text: &'a str,
    /// Ids of the document's words that appear in the title.
    pub words: &'a [u32],
}

/// Up to `max` keywords of the document's prose, most salient first.
/// Tokens inside code or matched by the dictionary are left out.
pub(crate) fn keywords(doc: &Document<'_>, dictionary: &Dictionary, title: &Title<'_>, max: usize) -> Vec<String> {
    let mut ranked = rank_words_and_phrases(doc, title);
    ranked.extend(rank_ideographic_terms(doc, dictionary, title));
    ranked.sort_unstable_by_key(|&(salience, first, candidate)| (Reverse(salience), first, candidate));

    // A phrase shuts out its words as keywords of their own, a word chosen
    // alone shuts out the phrases with it, and phrases that overlap a chosen
    // one are left out; overlapping ideographic terms are kept once.
    let mut alone: Vec<u32> = Vec::new();
    let mut in_phrases: Vec<u32> = Vec::new();
    let mut phrases: Vec<(u32, u32)> = Vec::new();
    let mut ideographic: Vec<&str> = Vec::new();
    let mut chosen: Vec<String> = Vec::new();
    for (_, _, candidate) in ranked {
        if chosen.len() >= max {
            break;
        }
        match candidate {
            Candidate::Word(w) if !alone.contains(&w) && !in_phrases.contains(&w) => {
                alone.push(w);
                chosen.push(doc.words[w as usize].text.to_owned());
            }
            Candidate::Phrase(a, b)
                if !alone.contains(&a)
                    && !alone.contains(&b)
                    && !phrases.iter().any(|&chosen| overlaps(doc, chosen, (a, b))) =>
            {
                phrases.push((a, b));
                in_phrases.extend([a, b]);
                let (a, b) = (doc.words[a as usize].text, doc.words[b as usize].text);
                chosen.push(format!("{a}-{b}"));
            }
            Candidate::Ideographic(term) if !ideographic.iter().any(|c| c.contains(term) || term.contains(c)) => {
                ideographic.push(term);
                chosen.push(term.to_owned());
            }
            _ => {}
        }
    }
    chosen
}

/// Whether two phrases overlap: windows of one longer phrase ("junior
/// data" and "data analyst"), or the same phrase in singular and plural
/// ("cherry blossom", "cherry blossoms"). Phrases that share only their
/// head ("long run", "easy run") do not.
fn overlaps(doc: &Document<'_>, (a, b): (u32, u32), (c, d): (u32, u32)) -> bool {
    let text = |w: u32| doc.words[w as usize].text;
    let plural_of = |plural: &str, singular: &str| {
        plural.strip_suffix('s').is_some_and(|stem| stem == singular || stem.strip_suffix('e') == Some(singular))
    };
    let variants = |x: u32, y: u32| plural_of(text(x), text(y)) || plural_of(text(y), text(x));
    b == c || a == d || (a == c && variants(b, d))
}

type Ranked<'t> = (u32, usize, Candidate<'t>);

/// Phrases that recur, and words that stand out beyond those phrases.
fn rank_words_and_phrases<'t>(doc: &Document<'t>, title: &Title<'_>) -> Vec<Ranked<'t>> {
    let mut words: Vec<Tally> = vec![Tally::NEW; doc.words.len()];
    let mut phrases: FxHashMap<(u32, u32), Tally> = FxHashMap::default();
    let mut previous: Option<u32> = None;
    for (i, placed) in doc.tokens.iter().enumerate() {
        if placed.code || placed.matched || !doc.word(placed).in_phrase {
            previous = None;
            continue;
        }
        words[placed.word as usize].add(i);
        if let (Some(before), true) = (previous, placed.token.joined) {
            if before != placed.word {
                phrases.entry((before, placed.word)).or_insert(Tally::NEW).add(i - 1);
            }
        }
        previous = Some(placed.word);
    }
    let in_title = |word: u32| u32::from(title.words.contains(&word));
    let alone = |word: u32| doc.words[word as usize].alone;

    let mut ranked = Vec::new();
    for (&(a, b), tally) in &phrases {
        if tally.count < MIN_PHRASE_COUNT {
            continue;
        }
        // The head of an English noun phrase is its last word: a generic
        // head ("junior data") makes a weaker phrase than a specific one
        // ("data analyst").
        let generic_head = u32::from(!alone(b));
        let salience = tally.count * PHRASE_WEIGHT + in_title(a) * in_title(b) - generic_head;
        ranked.push((salience, tally.first, Candidate::Phrase(a, b)));
        for word in [a, b] {
            let residual = &mut words[word as usize].count;
            *residual = residual.saturating_sub(tally.count);
        }
    }
    for (word, tally) in words.iter().enumerate() {
        let word = word as u32;
        // The title scan last: it runs only for the few words that recur.
        if tally.count < 2 || !alone(word) {
            continue;
        }
        let salience = tally.count + in_title(word);
        if salience >= MIN_WORD_COUNT {
            ranked.push((salience, tally.first, Candidate::Word(word)));
        }
    }
    ranked
}

/// Ideographic terms that recur; a Han pair inside a recurring whole word
/// counts only for its occurrences elsewhere.
fn rank_ideographic_terms<'t>(doc: &Document<'t>, dictionary: &Dictionary, title: &Title<'_>) -> Vec<Ranked<'t>> {
    if !doc.has_ideographs {
        return Vec::new();
    }
    let mut terms = ideographic_terms(doc);
    if terms.is_empty() {
        return Vec::new();
    }
    let title_doc = Document::scan(title.text, dictionary);
    let title_terms = ideographic_terms(&title_doc);
    let salience = |term: &str, tally: &Tally| tally.count + u32::from(title_terms.contains_key(term));
    let qualifies = |term: &str, tally: &Tally| tally.count >= 2 && salience(term, tally) >= MIN_WORD_COUNT;
    let whole_words: Vec<(&str, u32)> = terms
        .iter()
        .filter(|(term, (tally, whole))| *whole && qualifies(term, tally))
        .map(|(&term, (tally, _))| (term, tally.count))
        .collect();
    for (word, count) in whole_words {
        for (at, c) in word.char_indices() {
            let Some(next) = word[at + c.len_utf8()..].chars().next() else {
                break;
            };
            let pair = &word[at..at + c.len_utf8() + next.len_utf8()];
            if pair.len() == word.len() {
                continue;
            }
            if let Some((tally, _)) = terms.get_mut(pair) {
                tally.count = tally.count.saturating_sub(count);
            }
        }
    }
    terms
        .into_iter()
        .filter(|(term, (tally, _))| qualifies(term, tally))
        .map(|(term, (tally, _))| (salience(term, &tally), tally.first, Candidate::Ideographic(term)))
        .collect()
}

/// Candidate terms of the ideographic prose: their tallies, and whether the
/// term is a whole word rather than a character pair within a longer run.
fn ideographic_terms<'t>(doc: &Document<'t>) -> FxHashMap<&'t str, (Tally, bool)> {
    let mut terms: FxHashMap<&'t str, (Tally, bool)> = FxHashMap::default();
    let mut run: Vec<(usize, &Placed<'t>)> = Vec::new();
    let mut flush = |run: &mut Vec<(usize, &Placed<'t>)>| {
        for segment in run.split(|(_, p)| segment_break(doc, p)) {
            for (term, first, whole) in segment_terms(doc.text, segment) {
                let (tally, is_whole) = terms.entry(term).or_insert((Tally::NEW, false));
                tally.add(first);
                *is_whole |= whole;
            }
        }
        run.clear();
    };
    for (i, placed) in doc.tokens.iter().enumerate() {
        let ideographic = placed.token.cjk && !placed.code && !placed.matched;
        let adjacent =
            run.last().is_some_and(|(_, last)| last.token.start + last.token.text.len() == placed.token.start);
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
fn segment_break(doc: &Document<'_>, placed: &Placed<'_>) -> bool {
    let is_word_char = placed.token.text.chars().all(|c| is_han(c) || is_katakana(c));
    !is_word_char || doc.word(placed).stop
}

/// The terms of one segment of adjacent ideographs: a katakana word, a short
/// Han word, and the character pairs of a Han run longer than two.
fn segment_terms<'t>(text: &'t str, segment: &[(usize, &Placed<'t>)]) -> Vec<(&'t str, usize, bool)> {
    let slice = |from: usize, to: usize, whole: bool| {
        let (_, first) = segment[from];
        let (_, last) = segment[to];
        (&text[first.token.start..last.token.start + last.token.text.len()], segment[from].0, whole)
    };
    let mut terms = Vec::new();
    let mut start = 0;
    // Split the segment where the script changes between Han and katakana.
    while start < segment.len() {
        let katakana = segment[start].1.token.text.chars().all(is_katakana);
        let mut end = start;
        while end + 1 < segment.len() && segment[end + 1].1.token.text.chars().all(is_katakana) == katakana {
            end += 1;
        }
        let len = end - start + 1;
        if len >= 2 && (katakana || len <= MAX_HAN_WORD_CHARS) {
            terms.push(slice(start, end, true));
        }
        if !katakana && len > 2 {
            terms.extend((start..end).map(|i| slice(i, i + 1, false)));
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
        let first_line = text.lines().next().unwrap_or("");
        let title_words: Vec<u32> = crate::text::tokens(first_line).filter_map(|t| doc.word_id(t.text)).collect();
        let title = Title { text: first_line, words: &title_words };
        keywords(&doc, &dictionary, &title, 3)
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
        assert!(run(chinese).contains(&"番茄炒蛋".to_owned()), "{:?}", run(chinese));
    }
}
