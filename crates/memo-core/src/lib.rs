//! Pure title, tag and kind analysis for captured memories.
//!
//! No I/O, no clock, no worker types: the capture time comes in as an
//! argument, so the same input always gives the same output. It owns the
//! text rules: titles, kinds, tag normalisation, what counts as CJK. Used by
//! `memo-api` on every capture and by the worker on every patch, by native
//! tests and benches, and by the browser through a wasm build.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use memo_core::{Analyzer, CaptureInput, Kind};
//!
//! let analyzer = Analyzer::new();
//! let analysis = analyzer.analyze(&CaptureInput {
//!     content: "You said:\nHow do I share state between tokio tasks in Rust?\nChatGPT said:\nUse Arc<Mutex<T>>.",
//!     source: Some("chatgpt-extension-v2"),
//!     title: None,
//!     tags: &["work".to_owned()],
//!     metadata: None,
//!     captured_at: Utc.with_ymd_and_hms(2026, 11, 3, 9, 30, 0).unwrap(),
//! });
//! assert_eq!(analysis.title, "How do I share state between tokio tasks in Rust?");
//! assert_eq!(analysis.kind, Kind::ChatgptConversation);
//! assert_eq!(analysis.tags[..3], ["work", "chatgpt", "openai"]);
//! assert!(analysis.tags.contains(&"rust".to_owned()));
//! ```
//!
//! Analysis is total and linear in the input: any string, however large or
//! odd, gives an answer without panicking.
//!
//! # How it works
//!
//! - The platform comes from a table keyed by URL host, `metadata.platform`
//!   and the words of `source`; it decides the kind, with source words, role
//!   markers (`conversation`) and the URL as fallbacks.
//! - The title is the explicit or page title, else the first heading or the
//!   first question or request of the user's side (`title`, `markdown`).
//! - The lower-cased content is scanned once (`document`): lines are
//!   classified as prose or code, tokens are interned (`text`), and each
//!   distinct word is looked up once in the dictionary (`dictionary`, data
//!   in `data/dictionary.toml`, read by `toml_lite`).
//! - Dictionary terms are matched on token sequences, keywords ranked by
//!   salience (`keywords`), and tags collected in order of salience up to
//!   the cap (`tags`).

mod conversation;
mod dictionary;
mod document;
mod keywords;
mod markdown;
mod metadata;
mod tags;
mod text;
mod title;
mod toml_lite;

use std::sync::Arc;

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::dictionary::{Dictionary, Platform, TopicHits};
use crate::document::Document;
use crate::metadata::Metadata;
use crate::tags::TagList;

pub use crate::tags::{is_combining_mark, normalize_tag, normalize_tag_uncut, DEFAULT_MAX_TAGS, MAX_TAG_LEN};
pub use crate::text::{is_cjk, is_indexed_alone};

/// The TOML text of the built-in dictionaries; its header documents the
/// format that [`Analyzer::with_extra_dictionary`] accepts.
pub const BUILTIN_DICTIONARY: &str = dictionary::BUILTIN_TOML;

/// What was captured, as the worker has already parsed and bounded it.
#[derive(Debug, Clone, Copy)]
pub struct CaptureInput<'a> {
    pub content: &'a str,
    pub source: Option<&'a str>,
    /// An explicit title given by the user; wins over any derived title.
    pub title: Option<&'a str>,
    /// Tags given by the user: kept first and never dropped.
    pub tags: &'a [String],
    /// Free-form metadata as the extension sends it (`url`, `platform`, ...).
    pub metadata: Option<&'a Value>,
    pub captured_at: DateTime<Utc>,
}

/// The kind of thing a memory is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    ChatgptConversation,
    ClaudeConversation,
    GeminiConversation,
    PerplexityConversation,
    Conversation,
    WebPage,
    Note,
}

impl Kind {
    /// Every kind, in declaration order.
    pub const ALL: [Kind; 7] = [
        Kind::ChatgptConversation,
        Kind::ClaudeConversation,
        Kind::GeminiConversation,
        Kind::PerplexityConversation,
        Kind::Conversation,
        Kind::WebPage,
        Kind::Note,
    ];

    /// The snake_case name stored in the database and sent over the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ChatgptConversation => "chatgpt_conversation",
            Kind::ClaudeConversation => "claude_conversation",
            Kind::GeminiConversation => "gemini_conversation",
            Kind::PerplexityConversation => "perplexity_conversation",
            Kind::Conversation => "conversation",
            Kind::WebPage => "web_page",
            Kind::Note => "note",
        }
    }

    /// The kind with the given snake_case name.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// Whether the memory is a chat with an assistant.
    pub fn is_conversation(self) -> bool {
        !matches!(self, Kind::WebPage | Kind::Note)
    }
}

/// The analysis of one capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Analysis {
    pub title: String,
    pub kind: Kind,
    pub tags: Vec<String>,
}

/// Error from loading an extra dictionary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DictionaryError(pub String);

impl std::fmt::Display for DictionaryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid tag dictionary: {}", self.0)
    }
}

impl std::error::Error for DictionaryError {}

/// Words of a `source` that say what kind of capture it is when no platform
/// is recognised.
const SOURCE_KINDS: &[(&str, Kind)] = &[
    ("web", Kind::WebPage),
    ("clipper", Kind::WebPage),
    ("page", Kind::WebPage),
    ("selection", Kind::WebPage),
    ("bookmark", Kind::WebPage),
    ("bookmarklet", Kind::WebPage),
    ("highlight", Kind::WebPage),
    ("reader", Kind::WebPage),
    ("rss", Kind::WebPage),
    ("chat", Kind::Conversation),
    ("conversation", Kind::Conversation),
];

/// Keyword tags offered at most per capture.
const MAX_KEYWORD_TAGS: usize = 3;

/// The analysis engine with its dictionaries loaded.
#[derive(Debug, Clone)]
pub struct Analyzer {
    dictionary: Arc<Dictionary>,
    max_tags: usize,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new()
    }
}

impl Analyzer {
    /// The built-in dictionaries only. Cheap: they are parsed once per
    /// process and shared.
    pub fn new() -> Self {
        Analyzer { dictionary: Dictionary::builtin(), max_tags: DEFAULT_MAX_TAGS }
    }

    /// The built-in dictionaries extended by a deployment's TOML text, in the
    /// format of [`BUILTIN_DICTIONARY`]: new platforms and tags are added,
    /// known ones extended. Errors name the offending line.
    pub fn with_extra_dictionary(toml: &str) -> Result<Self, DictionaryError> {
        let mut dictionary = Dictionary::clone(&Dictionary::builtin());
        dictionary.extend_from_toml(toml)?;
        Ok(Analyzer { dictionary: Arc::new(dictionary), max_tags: DEFAULT_MAX_TAGS })
    }

    /// The same analyzer with a different cap on the number of tags (user
    /// tags are never dropped, whatever the cap).
    pub fn with_max_tags(mut self, max_tags: usize) -> Self {
        self.max_tags = max_tags;
        self
    }

    /// Title, kind and tags for one capture. Total: never panics, and takes
    /// time linear in the input.
    pub fn analyze(&self, input: &CaptureInput<'_>) -> Analysis {
        let metadata = Metadata::from_value(input.metadata);
        let host = metadata.url.and_then(metadata::url_host);
        let platform = self.platform(host.as_deref(), metadata.platform, input.source);
        let lower = text::lowercase(input.content);
        let mut doc = Document::scan(&lower, &self.dictionary);
        let kind = platform
            .map(|p| p.kind)
            .or_else(|| input.source.and_then(source_kind))
            .or_else(|| doc.is_conversation().then_some(Kind::Conversation))
            .or_else(|| host.is_some().then_some(Kind::WebPage))
            .unwrap_or(Kind::Note);
        let capture = Capture { input, metadata: &metadata, platform, kind, host: host.as_deref() };
        let title = self.title(&capture);
        let tags = self.tags(&capture, &mut doc, &title);
        Analysis { title, kind, tags }
    }

    /// The platform named by the URL host, else by `metadata.platform`, else
    /// by the source.
    fn platform(&self, host: Option<&str>, platform: Option<&str>, source: Option<&str>) -> Option<&Platform> {
        let dictionary = &self.dictionary;
        host.and_then(|h| dictionary.platform_by_host(h))
            .or_else(|| platform.and_then(|p| dictionary.platform_by_name(p)))
            .or_else(|| source.and_then(|s| dictionary.platform_by_name(s)))
    }

    fn title(&self, capture: &Capture<'_, '_>) -> String {
        let input = capture.input;
        input
            .title
            .and_then(title::explicit)
            .or_else(|| capture.metadata.title.and_then(|t| self.page_title(t)))
            .or_else(|| title::from_content(input.content))
            .unwrap_or_else(|| {
                let at = input.captured_at;
                let date = format!("{:04}-{:02}-{:02}", at.year(), at.month(), at.day());
                let what = match (capture.kind, capture.platform, capture.host) {
                    (Kind::WebPage, _, Some(host)) => host.to_owned(),
                    (Kind::WebPage, _, None) => "Web page".to_owned(),
                    (Kind::Note, _, _) => "Note".to_owned(),
                    (_, Some(platform), _) => format!("{} conversation", platform.name),
                    (_, None, _) => "Conversation".to_owned(),
                };
                let room = title::MAX_DERIVED_TITLE_CHARS.saturating_sub(date.len() + 3);
                format!("{} · {date}", title::cut(&what, room))
            })
    }

    /// Tags in order of salience: the user's, the platform's, dictionary
    /// topics, code languages, keywords, content flags, conversation size
    /// and capture month, until the cap.
    fn tags(&self, capture: &Capture<'_, '_>, doc: &mut Document<'_>, title: &str) -> Vec<String> {
        let Capture { input, metadata, platform, kind, host } = *capture;
        let mut tags = TagList::new(self.max_tags);
        for tag in input.tags {
            tags.push_user(tag);
        }
        match (platform, host.and_then(metadata::site_name)) {
            (Some(platform), _) => platform.tags.iter().for_each(|t| tags.offer(t)),
            (None, Some(site)) => tags.offer(site),
            (None, None) => {}
        }
        let has_code = doc.fences > 0 || metadata.code_blocks;
        for topic in self.topics(doc, has_code) {
            tags.offer(topic);
        }
        for language in doc.languages.iter().chain(&metadata.code_languages) {
            if let Some(language) = self.language(language) {
                tags.offer(&format!("lang-{language}"));
            }
        }
        let title_lower = text::lowercase(title);
        let title_words: Vec<u32> = text::tokens(&title_lower).filter_map(|t| doc.word_id(t.text)).collect();
        let title = keywords::Title { text: &title_lower, words: &title_words };
        for keyword in keywords::keywords(doc, &self.dictionary, &title, MAX_KEYWORD_TAGS) {
            tags.offer(&keyword);
        }
        let flags = [
            (has_code, "has-code"),
            (metadata.images || doc.images, "has-images"),
            (metadata.artifacts, "has-artifacts"),
        ];
        for (_, flag) in flags.iter().filter(|(set, _)| *set) {
            tags.offer(flag);
        }
        if kind.is_conversation() {
            let messages = metadata.message_count.unwrap_or(doc.turns());
            if let Some(size) = conversation_size(messages) {
                tags.offer(size);
            }
        }
        let at = input.captured_at;
        tags.offer(&format!("captured-{:04}-{:02}", at.year(), at.month()));
        tags.into_vec()
    }

    /// Dictionary tags that qualify, most hits first. Ambiguous terms count
    /// only when the text is technical: it has code, or a strong match of a
    /// technical tag.
    fn topics(&self, doc: &mut Document<'_>, has_code: bool) -> Vec<&str> {
        let hits = self.dictionary.match_terms(doc);
        let topics = &self.dictionary.topics;
        let technical = has_code || hits.iter().any(|h| h.strong > 0 && topics[h.topic].technical);
        let count = |h: &TopicHits| h.strong + if technical { h.ambiguous } else { 0 };
        let mut qualifying: Vec<&TopicHits> =
            hits.iter().filter(|h| count(h) >= topics[h.topic].min_hits.max(1)).collect();
        qualifying.sort_by_key(|h| (std::cmp::Reverse(count(h)), h.first));
        qualifying.into_iter().map(|h| topics[h.topic].tag.as_str()).collect()
    }

    /// A page title from metadata, unless it only names a platform
    /// ("ChatGPT", "New chat"); a trailing " - Claude" is dropped.
    fn page_title(&self, title: &str) -> Option<String> {
        const GENERIC: &[&str] = &["new chat", "new conversation", "untitled", "home", "chat"];
        let names_platform = |s: &str| {
            let s = s.trim();
            GENERIC.iter().any(|g| g.eq_ignore_ascii_case(s))
                || self
                    .dictionary
                    .platforms
                    .iter()
                    .any(|p| p.name.eq_ignore_ascii_case(s) || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(s)))
        };
        let mut title = title.trim();
        for separator in [" - ", " | ", " – ", " — ", " · "] {
            if let Some((head, tail)) = title.rsplit_once(separator) {
                if names_platform(tail) {
                    title = head.trim();
                }
            }
        }
        if names_platform(title) {
            return None;
        }
        title::explicit(title)
    }

    /// The canonical language name of a code-fence info string.
    fn language(&self, info: &str) -> Option<String> {
        let lower = text::lowercase(info.trim());
        let name = lower.trim_start_matches("language-");
        if name.is_empty() || self.dictionary.ignored_languages.contains(name) {
            return None;
        }
        let aliases = &self.dictionary.language_aliases;
        Some(aliases.get(name).map_or(name, String::as_str).to_owned())
    }
}

/// What is known about a capture before its text is analysed.
#[derive(Clone, Copy)]
struct Capture<'i, 'a> {
    input: &'i CaptureInput<'a>,
    metadata: &'i Metadata<'a>,
    platform: Option<&'i Platform>,
    kind: Kind,
    host: Option<&'i str>,
}

fn source_kind(source: &str) -> Option<Kind> {
    let lower = text::lowercase(source);
    lower
        .split(|c: char| !c.is_alphanumeric())
        .find_map(|word| SOURCE_KINDS.iter().find(|(name, _)| *name == word).map(|&(_, kind)| kind))
}

fn conversation_size(messages: u64) -> Option<&'static str> {
    match messages {
        0 => None,
        1..=4 => Some("short-conversation"),
        5..=19 => Some("medium-conversation"),
        _ => Some("long-conversation"),
    }
}

#[cfg(test)]
mod tests;
