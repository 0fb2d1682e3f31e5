//! The MCP methods: one JSON-RPC request in, its response out.

use super::protocol::{self, failure, success, RpcError, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND};
use super::store::Caller;
use super::{resources, tools};
use memo_api::error::ApiError;
use serde_json::{json, Map, Value};

/// What the server tells the model about when to use it (`instructions`).
pub const INSTRUCTIONS: &str = include_str!("instructions.md");

/// Answers one request; `Err` fails the whole HTTP request (a key that is
/// not valid).
pub async fn answer(
    caller: &Caller<'_>,
    id: Value,
    method: &str,
    mut params: Map<String, Value>,
    in_batch: bool,
) -> Result<Value, ApiError> {
    let result = match method {
        "initialize" if in_batch => Err(RpcError::new(INVALID_REQUEST, "initialize must not be part of a batch")),
        "initialize" => initialize(&params),
        "ping" => Ok(json!({})),
        "tools/list" => Ok(tools::list(caller.limits())),
        "tools/call" => match params.remove("name") {
            Some(Value::String(name)) => tools::call(caller, &name, params.remove("arguments")).await?,
            _ => Err(RpcError::new(INVALID_PARAMS, "params.name must name a tool")),
        },
        "resources/list" => resources::list(caller, &params).await?,
        "resources/templates/list" => Ok(resources::templates()),
        "resources/read" => resources::read(caller, &params).await?,
        _ => Err(RpcError::new(METHOD_NOT_FOUND, format!("method not found: {method}"))),
    };
    Ok(match result {
        Ok(result) => success(id, result),
        Err(error) => failure(id, &error),
    })
}

fn initialize(params: &Map<String, Value>) -> Result<Value, RpcError> {
    let Some(requested) = params.get("protocolVersion").and_then(Value::as_str) else {
        return Err(RpcError::new(INVALID_PARAMS, "params.protocolVersion is required"));
    };
    Ok(json!({
        "protocolVersion": protocol::negotiate(requested),
        "capabilities": {
            "tools": { "listChanged": false },
            "resources": { "listChanged": false, "subscribe": false },
        },
        "serverInfo": { "name": "memo", "title": "Memo", "version": env!("CARGO_PKG_VERSION") },
        "instructions": INSTRUCTIONS,
    }))
}
