//! `POST /v1/memories/batch`: up to `MAX_BATCH_ITEMS` captures in one request
//! and one database round trip, one result per item in order. Items that
//! fail to parse are reported and the rest are stored.

use super::Ctx;
use crate::http::Reply;
use memo_api::domain::memory::MemoryBrief;
use memo_api::domain::parse_object;
use memo_api::error::{ApiError, FieldError};
use memo_api::key::KeyHash;
use memo_api::prepare::Prepared;
use memo_api::sql::memories::{self as sql, Outcome};
use serde::Serialize;
use serde_json::Value;

#[derive(Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
enum ItemResult {
    Created { index: usize, memory: MemoryBrief },
    Updated { index: usize, memory: MemoryBrief },
    Duplicate { index: usize, memory: MemoryBrief },
    Error { index: usize, error: ItemError },
}

#[derive(Serialize)]
struct ItemError {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

#[derive(Serialize, Default)]
struct Summary {
    created: usize,
    updated: usize,
    duplicate: usize,
    failed: usize,
}

#[derive(Serialize)]
struct BatchReply {
    results: Vec<ItemResult>,
    summary: Summary,
}

/// The `items` array of a batch body, bounded.
fn items(body: &[u8], max_items: usize) -> Result<Vec<Value>, ApiError> {
    let mut body = parse_object(body)?;
    let Some(Value::Array(items)) = body.remove("items") else {
        return Err(FieldError::new("items", "a batch is {\"items\": [capture, …]}").into());
    };
    if items.is_empty() || items.len() > max_items {
        let message = format!("a batch holds 1 to {max_items} items (MAX_BATCH_ITEMS); got {}", items.len());
        return Err(FieldError::new("items", message).into());
    }
    Ok(items)
}

/// Where an item's error lies, for the report: `items[3].content`, `line 4: content`.
pub type Locate<'a> = &'a dyn Fn(usize, Option<&str>) -> String;

fn item_error(index: usize, error: ApiError, locate: Locate<'_>) -> ItemResult {
    let (field, message) = match &error {
        ApiError::InvalidField(e) => (locate(index, Some(&e.field)), e.message.clone()),
        ApiError::InvalidJson(why) => (locate(index, None), format!("not a JSON object: {why}")),
        other => (locate(index, None), other.code().to_owned()),
    };
    ItemResult::Error { index, error: ItemError { code: error.code(), message, field: Some(field) } }
}

/// `POST /v1/memories/batch`
pub async fn capture(cx: &Ctx, key: &KeyHash, body: &[u8]) -> Result<Reply, ApiError> {
    let items = items(body, cx.config.limits.max_batch_items)?;
    let analyzer = cx.analyzer()?;
    let prepared = items
        .into_iter()
        .map(|item| match item {
            Value::Object(map) => Prepared::capture(map, &cx.config.limits, analyzer, cx.now).map_err(ApiError::from),
            _ => Err(ApiError::InvalidJson("each item must be a capture object".into())),
        })
        .collect();
    let locate = |index, field: Option<&str>| match field {
        Some(field) => format!("items[{index}].{field}"),
        None => format!("items[{index}]"),
    };
    store_all(cx, key, prepared, &locate).await
}

/// Stores every item that parsed, in one statement, and reports on each in
/// order: what happened and the memory in brief, never its content, so the
/// answer (and the idempotency record keeping it) stays small.
pub async fn store_all(
    cx: &Ctx,
    key: &KeyHash,
    items: Vec<Result<Prepared, ApiError>>,
    locate: Locate<'_>,
) -> Result<Reply, ApiError> {
    let mut results: Vec<Option<ItemResult>> = Vec::with_capacity(items.len());
    let mut prepared: Vec<(usize, Prepared)> = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        match item {
            Ok(p) => {
                prepared.push((index, p));
                results.push(None);
            }
            Err(error) => results.push(Some(item_error(index, error, locate))),
        }
    }
    if prepared.is_empty() {
        // No statement would run, and the key is checked inside the statement:
        // check it alone, so a bad key is a 401 and never a report.
        cx.check_key(key).await?;
    } else {
        let inserts: Vec<_> = prepared.iter().map(|(_, p)| p.insert()).collect();
        let stored = sql::capture_many(cx.db().await?, key, &inserts).await?;
        for ((index, _), (memory, outcome)) in prepared.iter().zip(stored) {
            let index = *index;
            results[index] = Some(match outcome {
                Outcome::Created => ItemResult::Created { index, memory },
                Outcome::Updated => ItemResult::Updated { index, memory },
                Outcome::Duplicate => ItemResult::Duplicate { index, memory },
            });
        }
    }
    let results: Vec<ItemResult> = results.into_iter().flatten().collect();
    let mut summary = Summary::default();
    for result in &results {
        match result {
            ItemResult::Created { .. } => summary.created += 1,
            ItemResult::Updated { .. } => summary.updated += 1,
            ItemResult::Duplicate { .. } => summary.duplicate += 1,
            ItemResult::Error { .. } => summary.failed += 1,
        }
    }
    Reply::json(200, &BatchReply { results, summary })
}
