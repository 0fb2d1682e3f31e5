//! A stored memory as the API returns it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize)]
pub struct Memory {
    pub id: Uuid,
    pub title: String,
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
