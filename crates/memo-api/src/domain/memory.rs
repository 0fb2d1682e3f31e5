//! A stored memory as the API returns it: whole (`GET /v1/memories/{id}`, a
//! capture's answer), as a list or search item (a preview instead of the
//! content, unless asked for), or in brief (batch and import results).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize)]
pub struct Memory {
    pub id: Uuid,
    pub title: String,
    /// Left out when not loaded (an item without `include=content`): a stored
    /// content is never empty (`fields::Content`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub content: String,
    pub tags: Vec<String>,
    pub kind: String,
    pub source: Option<String>,
    pub url: Option<String>,
    pub metadata: Value,
    /// How many captures this memory has absorbed (re-captures of a
    /// conversation, exact duplicates).
    pub capture_count: i32,
    pub captured_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Memory {
    pub fn cursor(&self) -> super::paging::Cursor {
        super::paging::Cursor { created_at: self.created_at, id: self.id, score: None, tier: None, as_of: None }
    }
}

/// The preview rule of list and search items: the first `chars` characters
/// of `content`, and the content's length in characters.
pub fn preview(content: &str, chars: usize) -> (String, usize) {
    let mut preview = String::new();
    let mut length = 0;
    for c in content.chars() {
        if length < chars {
            preview.push(c);
        }
        length += 1;
    }
    (preview, length)
}

/// A list item: every field of a memory, its content only when asked for
/// (`include=content`), and always a `preview` and the `content_length`.
#[derive(Debug, Clone, Serialize)]
pub struct MemoryItem {
    #[serde(flatten)]
    pub memory: Memory,
    pub preview: String,
    pub content_length: usize,
}

impl MemoryItem {
    /// `memory` holds its content, or none; `start` is at least the first
    /// `chars` characters of the content (all of it, or what the database
    /// sent instead of it), `content_length` the content's length.
    pub fn new(memory: Memory, start: &str, content_length: usize, chars: usize) -> MemoryItem {
        MemoryItem { preview: preview(start, chars).0, content_length, memory }
    }
}

/// What a batch or import result says of a memory: never its content.
#[derive(Debug, Clone, Serialize)]
pub struct MemoryBrief {
    pub id: Uuid,
    pub title: String,
    pub tags: Vec<String>,
    pub kind: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_count_characters_not_bytes() {
        assert_eq!(preview("héllo wörld", 5), ("héllo".to_owned(), 11));
        assert_eq!(preview("short", 300), ("short".to_owned(), 5));
        assert_eq!(preview("", 3), (String::new(), 0));
        assert_eq!(preview("🦀🦀🦀", 2), ("🦀🦀".to_owned(), 3));
    }
}
