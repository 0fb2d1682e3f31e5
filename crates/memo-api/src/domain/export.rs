//! The export format: one JSON object per line (NDJSON), schema
//! `memo.export/1`, stable across versions. Imports read it back; a plain
//! capture object is accepted too.
//!
//! A memory line holds every field needed to reproduce the memory:
//! `schema, id, title, content, tags, user_tags, title_by_user, tags_by_user,
//! kind, source, url, metadata, conversation_key, capture_count, captured_at,
//! created_at, updated_at`. The last line is `{"schema":"memo.export/1",
//! "end":true,"count":N}`, so a cut-off export is recognisable.

use super::capture_body::{parse_timestamp, NewMemory};
use super::fields::Tags;
use crate::error::FieldError;
use crate::limits::Limits;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

pub const SCHEMA: &str = "memo.export/1";

/// One exported memory.
#[derive(Serialize)]
pub struct ExportLine<'a> {
    pub schema: &'static str,
    #[serde(flatten)]
    pub memory: &'a super::memory::Memory,
    pub user_tags: &'a [String],
    pub title_by_user: bool,
    pub tags_by_user: bool,
    pub conversation_key: Option<&'a str>,
}

/// The closing line.
#[derive(Serialize)]
pub struct ExportEnd {
    pub schema: &'static str,
    pub end: bool,
    pub count: u64,
}

/// What an export line adds to a capture: the stored title, tags and kind,
/// and the bookkeeping, kept as they were instead of recomputed.
#[derive(Debug, Clone)]
pub struct Exported {
    pub kind: String,
    pub user_tags: Tags,
    pub title_by_user: bool,
    pub tags_by_user: bool,
    pub conversation_key: Option<String>,
    pub capture_count: i32,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// An import line: a capture, and for export lines what the export kept.
#[derive(Debug, Clone)]
pub struct ImportLine {
    pub capture: NewMemory,
    pub exported: Option<Exported>,
}

const MAX_KIND_CHARS: usize = 64;
const MAX_CONVERSATION_KEY_CHARS: usize = 300;

fn bool_field(body: &mut Map<String, Value>, field: &str) -> Result<bool, FieldError> {
    match body.remove(field) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(b),
        Some(_) => Err(FieldError::new(field, format!("{field} must be true or false"))),
    }
}

fn time_field(body: &mut Map<String, Value>, field: &str) -> Result<Option<DateTime<Utc>>, FieldError> {
    match body.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => parse_timestamp(field, &text).map(Some),
        Some(_) => Err(FieldError::new(field, format!("{field} must be an RFC 3339 timestamp string"))),
    }
}

impl ImportLine {
    pub fn parse(mut body: Map<String, Value>, limits: &Limits) -> Result<ImportLine, FieldError> {
        body.remove("id"); // ids are the database's; an import makes new ones
        let exported = match body.remove("schema") {
            None => None,
            Some(Value::String(schema)) if schema == SCHEMA => Some(parse_exported(&mut body, limits)?),
            Some(_) => return Err(FieldError::new("schema", format!("schema must be {SCHEMA:?}"))),
        };
        let capture = NewMemory::parse(body, limits)?;
        if exported.is_some() && capture.title.is_none() {
            return Err(FieldError::new("title", "an export line must have its title"));
        }
        Ok(ImportLine { capture, exported })
    }
}

fn parse_exported(body: &mut Map<String, Value>, limits: &Limits) -> Result<Exported, FieldError> {
    let kind = match body.remove("kind") {
        Some(Value::String(kind))
            if !kind.is_empty()
                && kind.len() <= MAX_KIND_CHARS
                && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') =>
        {
            kind
        }
        _ => return Err(FieldError::new("kind", "kind must be a lowercase snake_case name such as note")),
    };
    let user_tags = body.remove("user_tags").map(|v| Tags::parse(v, limits)).transpose()?.unwrap_or_default();
    let conversation_key = match body.remove("conversation_key") {
        None | Some(Value::Null) => None,
        Some(Value::String(key)) if !key.is_empty() && key.chars().count() <= MAX_CONVERSATION_KEY_CHARS => Some(key),
        Some(_) => return Err(FieldError::new("conversation_key", "conversation_key must be a short string")),
    };
    let capture_count = match body.remove("capture_count") {
        None | Some(Value::Null) => 1,
        Some(value) => value
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .filter(|n| *n >= 1)
            .ok_or_else(|| FieldError::new("capture_count", "capture_count must be a positive integer"))?,
    };
    Ok(Exported {
        kind,
        user_tags,
        title_by_user: bool_field(body, "title_by_user")?,
        tags_by_user: bool_field(body, "tags_by_user")?,
        conversation_key,
        capture_count,
        created_at: time_field(body, "created_at")?,
        updated_at: time_field(body, "updated_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: Value) -> Result<ImportLine, FieldError> {
        let Value::Object(map) = value else { panic!("objects only") };
        ImportLine::parse(map, &Limits::default())
    }

    #[test]
    fn export_lines_keep_their_bookkeeping() {
        let line = parse(json!({
            "schema": SCHEMA, "id": "ignored", "title": "T", "content": "c", "tags": ["a", "b"], "user_tags": ["a"],
            "title_by_user": true, "kind": "note", "conversation_key": "chatgpt:1", "capture_count": 3,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-02T00:00:00Z", "captured_at": "2026-01-01T00:00:00Z"
        }))
        .unwrap();
        let exported = line.exported.unwrap();
        assert_eq!(exported.kind, "note");
        assert_eq!(exported.capture_count, 3);
        assert!(exported.title_by_user && !exported.tags_by_user);
        assert_eq!(line.capture.tags.as_slice(), ["a", "b"]);
    }

    #[test]
    fn plain_captures_import_as_captures() {
        let line = parse(json!({"content": "just a note"})).unwrap();
        assert!(line.exported.is_none());
    }

    #[test]
    fn bad_lines_name_the_field() {
        assert_eq!(parse(json!({"schema": "other/9", "content": "x"})).unwrap_err().field, "schema");
        assert_eq!(parse(json!({"schema": SCHEMA, "content": "x", "title": "t"})).unwrap_err().field, "kind");
        assert_eq!(parse(json!({"schema": SCHEMA, "content": "x", "kind": "note"})).unwrap_err().field, "title");
        let bad_count = json!({"schema": SCHEMA, "content": "x", "title": "t", "kind": "note", "capture_count": 0});
        assert_eq!(parse(bad_count).unwrap_err().field, "capture_count");
    }
}
