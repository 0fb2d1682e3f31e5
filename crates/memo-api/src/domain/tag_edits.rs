//! Bodies of the tag routes (`POST /v1/tags/rename|merge|delete`) and of
//! `POST /v1/memories/bulk`: what to drop, what replaces it, what to add, and
//! which memories. The SQL function `memo_tags_edit` (migration 0016) applies it.

use super::fields::Tags;
use crate::error::FieldError;
use crate::limits::Limits;
use serde_json::{Map, Value};
use uuid::Uuid;

/// An edit of the tags of many memories.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagEdit {
    /// Tags taken out (or replaced by `replacement`).
    pub dropped: Vec<String>,
    pub replacement: Option<String>,
    /// Tags appended where missing.
    pub added: Vec<String>,
}

/// What `POST /v1/memories/bulk` does to its memories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkAction {
    Edit(TagEdit),
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bulk {
    pub ids: Vec<Uuid>,
    pub action: BulkAction,
}

/// Tags normalised as captures' are; errors name `field` (and its index).
fn tags(body: &mut Map<String, Value>, field: &str, limits: &Limits) -> Result<Vec<String>, FieldError> {
    let value = body.remove(field).ok_or_else(|| FieldError::new(field, format!("{field} is required")))?;
    let tags =
        Tags::parse(value, limits).map_err(|e| FieldError::new(e.field.replacen("tags", field, 1), e.message))?;
    if tags.as_slice().is_empty() {
        return Err(FieldError::new(field, format!("{field} must name at least one tag")));
    }
    Ok(tags.into_vec())
}

/// One tag, normalised as captures' are.
fn tag(body: &mut Map<String, Value>, field: &str, limits: &Limits) -> Result<String, FieldError> {
    let value = body.remove(field).ok_or_else(|| FieldError::new(field, format!("{field} is required")))?;
    if !value.is_string() {
        return Err(FieldError::new(field, format!("{field} must be a string")));
    }
    let mut one = Map::from_iter([(field.to_owned(), Value::Array(vec![value]))]);
    tags(&mut one, field, limits).map(|mut t| t.remove(0)).map_err(|e| FieldError::new(field, e.message))
}

/// A body must not carry members the route ignores: a misspelt one silently
/// ignored would look like a successful edit.
fn no_unknown(body: &Map<String, Value>, known: &str) -> Result<(), FieldError> {
    match body.keys().next() {
        Some(unknown) => Err(FieldError::new(unknown.as_str(), format!("unknown member {unknown}; expected {known}"))),
        None => Ok(()),
    }
}

impl TagEdit {
    /// `{"from": tag, "to": tag}`: `from` becomes `to` (a merge where a memory has both).
    pub fn rename(mut body: Map<String, Value>, limits: &Limits) -> Result<TagEdit, FieldError> {
        let from = tag(&mut body, "from", limits)?;
        let to = tag(&mut body, "to", limits)?;
        no_unknown(&body, "from, to")?;
        Ok(TagEdit { dropped: vec![from], replacement: Some(to), added: Vec::new() })
    }

    /// `{"tags": [tag, …], "into": tag}`: every tag listed becomes `into`.
    pub fn merge(mut body: Map<String, Value>, limits: &Limits) -> Result<TagEdit, FieldError> {
        let dropped = tags(&mut body, "tags", limits)?;
        let into = tag(&mut body, "into", limits)?;
        no_unknown(&body, "tags, into")?;
        Ok(TagEdit { dropped, replacement: Some(into), added: Vec::new() })
    }

    /// `{"tag": tag}`: taken off every memory.
    pub fn delete(mut body: Map<String, Value>, limits: &Limits) -> Result<TagEdit, FieldError> {
        let tag = tag(&mut body, "tag", limits)?;
        no_unknown(&body, "tag")?;
        Ok(TagEdit { dropped: vec![tag], replacement: None, added: Vec::new() })
    }
}

impl Bulk {
    /// `{"ids": [uuid, …], "action": "add_tags" | "remove_tags" | "delete", "tags": [tag, …]}`
    /// with 1 to `max_ids` ids (`MAX_BULK_IDS`); `tags` only for the tag actions.
    pub fn parse(mut body: Map<String, Value>, limits: &Limits, max_ids: usize) -> Result<Bulk, FieldError> {
        let Some(Value::Array(raw_ids)) = body.remove("ids") else {
            return Err(FieldError::new("ids", "ids must be an array of memory ids"));
        };
        if raw_ids.is_empty() || raw_ids.len() > max_ids {
            let message = format!("ids holds 1 to {max_ids} memory ids (MAX_BULK_IDS); got {}", raw_ids.len());
            return Err(FieldError::new("ids", message));
        }
        let mut ids = Vec::with_capacity(raw_ids.len());
        for (index, raw) in raw_ids.iter().enumerate() {
            let id = raw.as_str().and_then(|text| Uuid::try_parse(text).ok());
            ids.push(id.ok_or_else(|| FieldError::new(format!("ids[{index}]"), "a memory id is a UUID string"))?);
        }
        let action = match body.remove("action").as_ref().and_then(Value::as_str) {
            Some("add_tags") => {
                BulkAction::Edit(TagEdit { added: tags(&mut body, "tags", limits)?, ..TagEdit::default() })
            }
            Some("remove_tags") => {
                BulkAction::Edit(TagEdit { dropped: tags(&mut body, "tags", limits)?, ..TagEdit::default() })
            }
            Some("delete") => BulkAction::Delete,
            _ => return Err(FieldError::new("action", "action must be add_tags, remove_tags or delete")),
        };
        no_unknown(&body, "ids, action, tags")?;
        Ok(Bulk { ids, action })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        let Value::Object(map) = value else { panic!("test bodies are objects") };
        map
    }

    #[test]
    fn tags_are_normalised_as_captures_are() {
        let edit = TagEdit::rename(object(json!({"from": "Old Name", "to": "New_Name"})), &Limits::default()).unwrap();
        assert_eq!(edit.dropped, ["old-name"]);
        assert_eq!(edit.replacement.as_deref(), Some("new-name"));
        let edit = TagEdit::merge(object(json!({"tags": ["A", "b"], "into": "c"})), &Limits::default()).unwrap();
        assert_eq!(
            edit,
            TagEdit { dropped: vec!["a".into(), "b".into()], replacement: Some("c".into()), added: vec![] }
        );
        let edit = TagEdit::delete(object(json!({"tag": "x"})), &Limits::default()).unwrap();
        assert_eq!(edit.replacement, None);
    }

    #[test]
    fn bad_tag_bodies_name_the_field() {
        let limits = Limits::default();
        assert_eq!(TagEdit::rename(object(json!({"from": "a"})), &limits).unwrap_err().field, "to");
        assert_eq!(TagEdit::rename(object(json!({"from": "!!", "to": "b"})), &limits).unwrap_err().field, "from");
        assert_eq!(TagEdit::rename(object(json!({"from": 3, "to": "b"})), &limits).unwrap_err().field, "from");
        assert_eq!(TagEdit::rename(object(json!({"from": "a", "to": "b", "x": 1})), &limits).unwrap_err().field, "x");
        assert_eq!(TagEdit::merge(object(json!({"tags": [], "into": "c"})), &limits).unwrap_err().field, "tags");
        assert_eq!(
            TagEdit::merge(object(json!({"tags": ["a", ""], "into": "c"})), &limits).unwrap_err().field,
            "tags[1]"
        );
        let long = "x".repeat(limits.max_tag_chars + 1);
        assert_eq!(TagEdit::delete(object(json!({"tag": long})), &limits).unwrap_err().field, "tag");
    }

    #[test]
    fn bulk_bodies() {
        let limits = Limits::default();
        let id = Uuid::nil().to_string();
        let bulk = Bulk::parse(object(json!({"ids": [id], "action": "delete"})), &limits, 10).unwrap();
        assert_eq!(bulk.action, BulkAction::Delete);
        let bulk = Bulk::parse(object(json!({"ids": [id], "action": "add_tags", "tags": ["X"]})), &limits, 10).unwrap();
        assert_eq!(bulk.action, BulkAction::Edit(TagEdit { added: vec!["x".into()], ..TagEdit::default() }));
        let error = |body| Bulk::parse(object(body), &limits, 2).unwrap_err().field;
        assert_eq!(error(json!({"ids": [], "action": "delete"})), "ids");
        assert_eq!(error(json!({"ids": [&id, &id, &id], "action": "delete"})), "ids");
        assert_eq!(error(json!({"ids": [&id, "nope"], "action": "delete"})), "ids[1]");
        assert_eq!(error(json!({"ids": [&id], "action": "explode"})), "action");
        assert_eq!(error(json!({"ids": [&id], "action": "remove_tags"})), "tags");
        assert_eq!(error(json!({"ids": [&id], "action": "delete", "tags": ["a"]})), "tags");
    }
}
