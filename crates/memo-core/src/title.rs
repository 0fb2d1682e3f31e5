//! Titles: an explicit title, else the first heading, else the first
//! meaningful line of the user's side, cut on a word boundary.

use unicode_segmentation::UnicodeSegmentation;

use crate::conversation::{role_marker, Role};
use crate::markdown::{self, Line};
use crate::text::is_cjk;

/// Longest derived title, in characters, ellipsis included.
pub(crate) const MAX_DERIVED_TITLE_CHARS: usize = 80;
/// Longest explicit title kept, in characters, ellipsis included.
pub(crate) const MAX_EXPLICIT_TITLE_CHARS: usize = 300;
/// How many lines of content are looked at for a title.
const TITLE_SCAN_LINES: usize = 400;
/// How many meaningful user lines compete to be the title.
const TITLE_CANDIDATES: usize = 8;

/// Words that make a line a greeting or thanks when it has nothing else.
const GREETING_WORDS: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "heya",
    "hiya",
    "yo",
    "howdy",
    "greetings",
    "morning",
    "afternoon",
    "evening",
    "good",
    "dear",
    "there",
    "all",
    "everyone",
    "team",
    "thanks",
    "thank",
    "you",
    "thx",
    "ty",
    "cheers",
    "much",
    "so",
    "very",
    "a",
    "lot",
    "again",
    "ok",
    "okay",
    "great",
    "cool",
    "perfect",
    "awesome",
    "nice",
    "chatgpt",
    "claude",
    "gemini",
    "hallo",
    "danke",
    "moin",
    "servus",
    "bonjour",
    "merci",
    "salut",
    "hola",
    "gracias",
    "ciao",
    "grazie",
    "你好",
    "您好",
    "谢谢",
    "こんにちは",
    "ありがとう",
    "ありがとうございます",
    "مرحبا",
    "شكرا",
    "السلام",
    "عليكم",
];

/// First words that make a line a question or a request.
const REQUEST_WORDS: &[&str] = &[
    "how",
    "what",
    "why",
    "when",
    "where",
    "which",
    "who",
    "whom",
    "whose",
    "is",
    "are",
    "can",
    "could",
    "would",
    "should",
    "will",
    "do",
    "does",
    "did",
    "please",
    "help",
    "write",
    "explain",
    "create",
    "make",
    "show",
    "tell",
    "give",
    "generate",
    "summarize",
    "summarise",
    "translate",
    "fix",
    "debug",
    "find",
    "list",
    "compare",
    "implement",
    "build",
    "draft",
    "review",
    "rewrite",
    "refactor",
    "suggest",
    "recommend",
    "describe",
    "design",
    "plan",
    "convert",
    "i need",
    "i want",
    "i'd like",
    "wie",
    "was",
    "warum",
    "kannst",
    "bitte",
    "erkläre",
    "comment",
    "pourquoi",
];

/// Lines that chat pages add around messages when copied.
const INTERFACE_NOISE: &[&str] =
    &["copy code", "copy", "edit", "share", "retry", "regenerate", "thumbs up", "thumbs down"];

/// How much of a line is looked at for a title, in bytes: far more than a
/// title needs, and a bound on the work per line.
const MAX_LINE_BYTES: usize = 4096;

/// The start of `text`, at most `max` bytes, cut on a character boundary.
pub(crate) fn prefix(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Plain text of an explicit title, or `None` when it is blank.
pub(crate) fn explicit(title: &str) -> Option<String> {
    let plain = markdown::plain_inline(prefix(title, MAX_LINE_BYTES));
    (!plain.is_empty()).then(|| cut(&plain, MAX_EXPLICIT_TITLE_CHARS))
}

/// A title derived from the content, if it has a meaningful line.
pub(crate) fn from_content(content: &str) -> Option<String> {
    let mut has_markers = false;
    let mut role = Role::User;
    let mut heading: Option<&str> = None;
    let mut candidates: Vec<String> = Vec::new();
    for line in markdown::lines(content).take(TITLE_SCAN_LINES) {
        let Line::Prose(line) = line else { continue };
        let mut text = line;
        if let Some((marker_role, rest)) = role_marker(line) {
            if !has_markers && marker_role == Role::User {
                // Lines before the first user marker were page furniture.
                candidates.clear();
                heading = None;
            }
            has_markers = true;
            role = marker_role;
            text = rest;
        }
        if role != Role::User {
            continue;
        }
        if heading.is_none() && !has_markers {
            heading = markdown::heading(line).map(|(_, h)| h);
        }
        if candidates.len() < TITLE_CANDIDATES {
            if let Some(candidate) = meaningful(text) {
                candidates.push(candidate);
            }
        }
    }
    let chosen = match (has_markers, heading) {
        (false, Some(heading)) => markdown::plain_inline(heading),
        (true, _) => {
            let request = candidates.iter().position(|c| is_question_or_request(c)).unwrap_or(0);
            candidates.into_iter().nth(request)?
        }
        (false, None) => candidates.into_iter().next()?,
    };
    let chosen = chosen.strip_suffix('.').filter(|c| !c.ends_with('.')).unwrap_or(&chosen).trim_end();
    (!chosen.is_empty()).then(|| cut_at_sentence(chosen, MAX_DERIVED_TITLE_CHARS))
}

/// Sentence ends a title may stop after.
const SENTENCE_ENDS: [char; 8] = ['.', '?', '!', '。', '？', '！', '؟', '…'];

/// Cuts a long line after its last sentence that fits, if that keeps at
/// least a third of the budget; else on a word boundary.
fn cut_at_sentence(text: &str, max_chars: usize) -> String {
    let mut sentence_end = None;
    for (chars, (at, c)) in text.char_indices().enumerate() {
        if chars >= max_chars {
            break;
        }
        let next = text[at + c.len_utf8()..].chars().next();
        if SENTENCE_ENDS.contains(&c) && next.is_none_or(char::is_whitespace) && chars + 1 >= max_chars / 3 {
            sentence_end = Some(at + c.len_utf8());
        }
    }
    match sentence_end {
        Some(end) if text.chars().count() > max_chars => {
            let sentence = &text[..end];
            sentence.strip_suffix('.').unwrap_or(sentence).trim_end().to_owned()
        }
        _ => cut(text, max_chars),
    }
}

/// The plain text of a line if it can be a title.
fn meaningful(line: &str) -> Option<String> {
    let line = prefix(line, MAX_LINE_BYTES);
    let block = strip_comment_marker(markdown::strip_block_prefix(line));
    if block.is_empty() || is_only_url(block) {
        return None;
    }
    let plain = markdown::plain_inline(block);
    let plain = strip_leading_greeting(&plain);
    if !plain.chars().any(char::is_alphanumeric) || is_greeting(plain) {
        return None;
    }
    if INTERFACE_NOISE.iter().any(|noise| plain.eq_ignore_ascii_case(noise)) {
        return None;
    }
    Some(plain.to_owned())
}

/// Drops a leading code-comment marker, as in a pasted file's first line
/// (`-- migration`, `// notes`).
fn strip_comment_marker(line: &str) -> &str {
    ["-- ", "// ", "/* ", "<!-- "].iter().find_map(|marker| line.strip_prefix(marker)).map_or(line, str::trim_start)
}

fn is_only_url(line: &str) -> bool {
    let line = line.trim_matches(['<', '>']);
    !line.contains(char::is_whitespace)
        && (line.starts_with("http://") || line.starts_with("https://") || line.starts_with("www."))
}

fn words_lowercase(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'')).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

fn is_greeting(text: &str) -> bool {
    let mut words = 0;
    for word in words_lowercase(text) {
        words += 1;
        if words > 6 || !GREETING_WORDS.contains(&word.as_str()) {
            return false;
        }
    }
    words > 0
}

/// Drops an opening greeting sentence: "Hi Claude! How do I…" → "How do I…".
fn strip_leading_greeting(mut text: &str) -> &str {
    while let Some(end) = text.find(['!', '.', ',', '，', '！', '。']) {
        let (head, tail) = text.split_at(end);
        let tail = tail[tail.chars().next().map_or(0, char::len_utf8)..].trim_start();
        if tail.is_empty() || !is_greeting(head) {
            break;
        }
        text = tail;
    }
    text
}

fn is_question_or_request(text: &str) -> bool {
    if text.contains(['?', '？', '؟']) {
        return true;
    }
    let lower = text.to_lowercase();
    REQUEST_WORDS.iter().any(|word| {
        lower.strip_prefix(word).is_some_and(|rest| rest.is_empty() || rest.starts_with(|c: char| !c.is_alphanumeric()))
    })
}

/// Cuts `text` to at most `max_chars` characters, ellipsis included: on a
/// word boundary in spaced scripts, between characters in CJK, never inside
/// a grapheme cluster.
pub(crate) fn cut(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let budget = max_chars.saturating_sub(1);
    let end = cluster_prefix(text, budget);
    let head = &text[..end];
    let next_is_break = text[end..].starts_with(char::is_whitespace);
    let last_is_cjk = head.chars().next_back().is_some_and(is_cjk);
    let head = if next_is_break || last_is_cjk {
        head
    } else {
        match head.rfind(char::is_whitespace) {
            // Keep a word cut only when it does not throw away most of the text.
            Some(space) if head[..space].chars().count() * 2 >= budget => &head[..space],
            _ => head,
        }
    };
    let head = head.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '–' | '—' | '(' | '/' | '、' | '，')
    });
    format!("{head}…")
}

/// The byte length of the longest run of whole grapheme clusters of `text`
/// with at most `budget` characters.
fn cluster_prefix(text: &str, budget: usize) -> usize {
    match text.as_bytes().get(..=budget) {
        // ASCII other than CR (of CR LF) never joins a cluster with the
        // character after it, so the budget falls between two clusters:
        // the segmentation, a tenth of a title's cost, is skipped.
        Some(head) if head.iter().all(|&b| b.is_ascii() && b != b'\r') => budget,
        _ => grapheme_prefix(text, budget),
    }
}

fn grapheme_prefix(text: &str, budget: usize) -> usize {
    let mut end = 0;
    let mut chars = 0;
    for (at, grapheme) in text.grapheme_indices(true) {
        let n = grapheme.chars().count();
        if chars + n > budget {
            break;
        }
        chars += n;
        end = at + grapheme.len();
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_wins_in_notes() {
        assert_eq!(from_content("intro line\n# The *Real* Title\nbody").as_deref(), Some("The Real Title"));
    }

    #[test]
    fn first_meaningful_line_without_heading() {
        let text = "\n---\nhttps://example.com/page\n🎉🎉\nSourdough starter notes\nmore";
        assert_eq!(from_content(text).as_deref(), Some("Sourdough starter notes"));
    }

    #[test]
    fn user_question_in_conversation() {
        let text = "You said:\nHi there!\nI have a Rust project.\nHow do I share state between tokio tasks?\nChatGPT said:\n# Sharing state\nUse Arc<Mutex<T>>.";
        assert_eq!(from_content(text).as_deref(), Some("How do I share state between tokio tasks?"));
    }

    #[test]
    fn greeting_prefix_is_dropped() {
        let text = "Human: Hello Claude! Can you explain monads simply?\n\nAssistant: Sure.";
        assert_eq!(from_content(text).as_deref(), Some("Can you explain monads simply?"));
    }

    #[test]
    fn skips_code_and_noise() {
        let text = "```\nlet x = 1;\n```\nCopy code\nWhy is this slow";
        assert_eq!(from_content(text).as_deref(), Some("Why is this slow"));
        assert_eq!(from_content("```\ncode only\n```"), None);
        assert_eq!(from_content("thanks!!"), None);
    }

    #[test]
    fn prefers_a_whole_sentence() {
        let text = "User: Can you review my cover letter for a data analyst role? I have one internship and a degree.";
        assert_eq!(from_content(text).as_deref(), Some("Can you review my cover letter for a data analyst role?"));
        assert_eq!(from_content("Short note.").as_deref(), Some("Short note"));
        assert_eq!(from_content("Wait...").as_deref(), Some("Wait..."));
        assert_eq!(from_content("-- 0001_init.sql: tables").as_deref(), Some("0001_init.sql: tables"));
    }

    #[test]
    fn cuts_on_word_boundary() {
        let long = "word ".repeat(40);
        let title = cut(long.trim(), 80);
        assert!(title.chars().count() <= 80, "{title}");
        assert!(title.ends_with("word…"), "{title}");
    }

    #[test]
    fn cuts_cjk_by_character() {
        let long = "机器学习".repeat(30);
        let title = cut(&long, 80);
        assert_eq!(title.chars().count(), 80);
        assert!(title.ends_with('…'));
    }

    #[test]
    fn never_splits_grapheme_clusters() {
        let family = "👨\u{200d}👩\u{200d}👧";
        let long = family.repeat(40);
        let title = cut(&long, 80);
        assert!(title.chars().count() <= 80);
        let body = title.trim_end_matches('…');
        assert_eq!(body.len() % family.len(), 0);
    }

    #[test]
    fn ascii_shortcut_agrees_with_segmentation() {
        let ends = ["", "x", " ", "\r\n", "\n", "\u{301}", "\u{200d}👍", "é", "中", "\r"];
        for head in ["abc def", "a\r\nb", "word\u{301}s", "xyz"] {
            for tail in ends {
                let text = format!("{head}{tail}{tail}tail");
                for budget in 0..text.chars().count() {
                    assert_eq!(cluster_prefix(&text, budget), grapheme_prefix(&text, budget), "{text:?} {budget}");
                }
            }
        }
    }

    #[test]
    fn long_single_word_is_cut_inside() {
        let title = cut(&"x".repeat(200), 80);
        assert_eq!(title.chars().count(), 80);
    }
}
