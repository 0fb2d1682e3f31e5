//! MCP's Streamable HTTP transport, stateless: every `POST /mcp` carries the
//! API key and one message (or, in protocol 2025-03-26, a batch), and is
//! answered with one JSON body, never a stream. The router has already
//! checked the key's form, the rate limit and the body's type and size.

use super::protocol::{self, classify, failure, Message, RpcError, INVALID_REQUEST, PARSE_ERROR};
use super::server;
use super::store::Caller;
use crate::cors;
use crate::http::Reply;
use crate::routes::Ctx;
use memo_api::error::ApiError;
use memo_api::key::KeyHash;
use serde_json::Value;
use worker::Headers;

/// An HTTP error answered with a JSON-RPC error without an id.
fn refused(status: u16, code: i64, message: String) -> Result<Reply, ApiError> {
    Reply::json(status, &failure(Value::Null, &RpcError::new(code, message)))
}

/// `Accept` must admit JSON, the only answer this server gives; a missing
/// header admits anything.
fn accepts_json(accept: Option<&str>) -> bool {
    accept.is_none_or(|accept| {
        accept.split(',').any(|range| {
            let mime = range.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
            matches!(mime.as_str(), "application/json" | "application/*" | "*/*")
        })
    })
}

pub async fn handle(cx: &Ctx, key: &KeyHash, headers: &Headers, body: &[u8]) -> Result<Reply, ApiError> {
    let header = |name| headers.get(name).ok().flatten();
    // DNS rebinding: a browser page may only reach /mcp from an allowed origin.
    if let Some(origin) = header("origin") {
        if cors::allowed_origin(Some(&origin), &cx.config.cors_allowed_origins).is_none() {
            return refused(403, INVALID_REQUEST, format!("origin {origin} is not allowed (CORS_ALLOWED_ORIGINS)"));
        }
    }
    if !accepts_json(header("accept").as_deref()) {
        return refused(406, INVALID_REQUEST, "Accept must include application/json".into());
    }
    let version = header("mcp-protocol-version").unwrap_or_else(|| protocol::DEFAULT_VERSION.to_owned());
    if !protocol::SUPPORTED_VERSIONS.contains(&version.trim()) {
        let supported = protocol::SUPPORTED_VERSIONS.join(", ");
        return refused(
            400,
            INVALID_REQUEST,
            format!("unsupported MCP-Protocol-Version {version:?}; supported: {supported}"),
        );
    }
    let message: Value = match serde_json::from_slice(body) {
        Ok(message) => message,
        Err(error) => return refused(400, PARSE_ERROR, format!("parse error: {error}")),
    };
    let caller = Caller::new(cx, key);
    let reply = match message {
        Value::Array(batch) => {
            if !protocol::allows_batches(version.trim()) {
                let why = format!("JSON-RPC batches are not part of protocol version {version}");
                return refused(400, INVALID_REQUEST, why);
            }
            let limit = cx.config.limits.max_batch_items;
            if batch.is_empty() || batch.len() > limit {
                let why = format!("a batch holds 1 to {limit} messages (MAX_BATCH_ITEMS)");
                return refused(400, INVALID_REQUEST, why);
            }
            let mut responses = Vec::new();
            for message in batch {
                responses.extend(one(&caller, message, true).await?);
            }
            if responses.is_empty() {
                accepted()
            } else {
                Reply::json(200, &responses)?
            }
        }
        message => match classify(message) {
            Err((id, error)) => Reply::json(400, &failure(id, &error))?,
            Ok(Message::Request { id, method, params }) => {
                Reply::json(200, &server::answer(&caller, id, &method, params, false).await?)?
            }
            Ok(Message::Notification | Message::Response) => accepted(),
        },
    };
    // Nothing is answered to a key that no statement has accepted.
    caller.verify().await?;
    Ok(reply)
}

/// One message of a batch: its response, if it is a request (or invalid).
async fn one(caller: &Caller<'_>, message: Value, in_batch: bool) -> Result<Option<Value>, ApiError> {
    Ok(match classify(message) {
        Err((id, error)) => Some(failure(id, &error)),
        Ok(Message::Request { id, method, params }) => {
            Some(server::answer(caller, id, &method, params, in_batch).await?)
        }
        Ok(Message::Notification | Message::Response) => None,
    })
}

/// 202 with no body: a notification or a response was taken.
fn accepted() -> Reply {
    Reply { status: 202, body: Vec::new(), headers: Vec::new(), stream: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_must_admit_json() {
        assert!(accepts_json(None));
        assert!(accepts_json(Some("application/json, text/event-stream")));
        assert!(accepts_json(Some("text/event-stream;q=0.5, */*;q=0.1")));
        assert!(!accepts_json(Some("text/event-stream")));
        assert!(!accepts_json(Some("text/html")));
    }
}
