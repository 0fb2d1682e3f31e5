//! MCP resources: each memory is `memo://memories/{id}`, listed newest first
//! and read as plain text.

use super::args::parse_id;
use super::protocol::{RpcError, INVALID_PARAMS, RESOURCE_NOT_FOUND};
use super::store::{Caller, Summary};
use memo_api::error::ApiError;
use serde_json::{json, Map, Value};

const PREFIX: &str = "memo://memories/";
const MIME_TYPE: &str = "text/plain";

pub fn uri(id: &uuid::Uuid) -> String {
    format!("{PREFIX}{id}")
}

/// `resources/templates/list`
pub fn templates() -> Value {
    json!({ "resourceTemplates": [{
        "uriTemplate": format!("{PREFIX}{{id}}"),
        "name": "memory",
        "title": "A memory",
        "description": "One of your memories by id (ids come from memo_search, memo_recent or resources/list).",
        "mimeType": MIME_TYPE,
    }]})
}

fn listed(memory: &Summary) -> Value {
    let tags = if memory.tags.is_empty() { String::new() } else { format!("; tags: {}", memory.tags.join(", ")) };
    json!({
        "uri": uri(&memory.id),
        "name": memory.id.to_string(),
        "title": memory.title,
        "description": format!("{}{tags}; saved {}", memory.kind, memory.created_at.format("%Y-%m-%d")),
        "mimeType": MIME_TYPE,
    })
}

/// An `ApiError` of a resource method as a protocol error (`Err`: fail the request).
fn rpc_error(error: ApiError) -> Result<RpcError, ApiError> {
    Ok(match error {
        ApiError::Unauthorized => return Err(error),
        ApiError::InvalidField(field) => {
            RpcError::new(INVALID_PARAMS, field.message).with_data(json!({ "field": field.field }))
        }
        ApiError::NotFound => RpcError::new(RESOURCE_NOT_FOUND, "resource not found"),
        other => super::internal_error(&other),
    })
}

/// `resources/list`: a page of the newest memories; `nextCursor` continues.
pub async fn list(caller: &Caller<'_>, params: &Map<String, Value>) -> Result<Result<Value, RpcError>, ApiError> {
    let cursor = match params.get("cursor") {
        None | Some(Value::Null) => None,
        Some(Value::String(cursor)) => Some(cursor.as_str()),
        Some(_) => return Ok(Err(RpcError::new(INVALID_PARAMS, "cursor must be a string"))),
    };
    match caller.newest(None, cursor).await {
        Ok((memories, next)) => {
            let mut result = json!({ "resources": memories.iter().map(listed).collect::<Vec<_>>() });
            if let Some(next) = next {
                result["nextCursor"] = json!(next);
            }
            Ok(Ok(result))
        }
        Err(error) => rpc_error(error).map(Err),
    }
}

/// `resources/read`: the memory's content, whole (bounded by MAX_CONTENT_BYTES at capture).
pub async fn read(caller: &Caller<'_>, params: &Map<String, Value>) -> Result<Result<Value, RpcError>, ApiError> {
    let Some(uri) = params.get("uri").and_then(Value::as_str) else {
        return Ok(Err(RpcError::new(INVALID_PARAMS, "uri is required").with_data(json!({ "field": "uri" }))));
    };
    let Some(id) = uri.strip_prefix(PREFIX).and_then(parse_id) else {
        let message = format!("unknown resource URI {uri:?}: memories are {PREFIX}{{id}}");
        return Ok(Err(RpcError::new(RESOURCE_NOT_FOUND, message).with_data(json!({ "uri": uri }))));
    };
    match caller.get(id).await {
        Ok(full) => Ok(Ok(json!({ "contents": [{ "uri": uri, "mimeType": MIME_TYPE, "text": full.content }] }))),
        Err(error) => rpc_error(error).map(|e| Err(e.with_data(json!({ "uri": uri })))),
    }
}
