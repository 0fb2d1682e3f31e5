//! A `PATCH /v1/memories/{id}` body: the fields a user may change.

use super::fields::{Content, Tags, Title};
use crate::error::FieldError;
use crate::limits::Limits;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default)]
pub struct MemoryPatch {
    pub title: Option<Title>,
    pub tags: Option<Tags>,
    pub content: Option<Content>,
}

impl MemoryPatch {
    /// Unknown members are rejected: a misspelt field silently ignored would
    /// look like a successful edit.
    pub fn parse(mut body: Map<String, Value>, limits: &Limits) -> Result<MemoryPatch, FieldError> {
        let patch = MemoryPatch {
            title: body.remove("title").map(|v| Title::parse(v, limits)).transpose()?,
            tags: body.remove("tags").map(|v| Tags::parse(v, limits)).transpose()?,
            content: match body.remove("content") {
                None => None,
                value => Some(Content::parse(value, limits)?),
            },
        };
        if let Some(unknown) = body.keys().next() {
            return Err(FieldError::new(
                unknown.as_str(),
                format!("{unknown} cannot be changed; a patch may set title, tags and content"),
            ));
        }
        if patch.title.is_none() && patch.tags.is_none() && patch.content.is_none() {
            return Err(FieldError::new("body", "a patch must set at least one of title, tags, content"));
        }
        Ok(patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(body: Value) -> Result<MemoryPatch, FieldError> {
        let Value::Object(map) = body else { panic!("test bodies are objects") };
        MemoryPatch::parse(map, &Limits::default())
    }

    #[test]
    fn accepts_known_fields() {
        let patch = parse(json!({"title": "New", "tags": ["a"]})).unwrap();
        assert_eq!(patch.title.unwrap().as_str(), "New");
        assert!(patch.content.is_none());
    }

    #[test]
    fn rejects_empty_unknown_and_bad_fields() {
        assert_eq!(parse(json!({})).unwrap_err().field, "body");
        assert_eq!(parse(json!({"titel": "x"})).unwrap_err().field, "titel");
        assert_eq!(parse(json!({"content": ""})).unwrap_err().field, "content");
        assert_eq!(parse(json!({"tags": "x"})).unwrap_err().field, "tags");
    }
}
