//! JSON-RPC 2.0 as MCP uses it: classifying an incoming message, the error
//! codes, responses, and protocol-version negotiation. Pure: no worker types.

use serde_json::{json, Map, Value};

/// The newest protocol version this server speaks; the answer to a client
/// asking for one it does not know.
pub const LATEST_VERSION: &str = "2025-11-25";

/// Every version served, newest first.
pub const SUPPORTED_VERSIONS: [&str; 3] = [LATEST_VERSION, "2025-06-18", "2025-03-26"];

/// The version a request without an `MCP-Protocol-Version` header is taken
/// to speak (the transport specification says so).
pub const DEFAULT_VERSION: &str = "2025-03-26";

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;
/// MCP's code for a resource URI that names nothing.
pub const RESOURCE_NOT_FOUND: i64 = -32002;

/// The version `initialize` answers: the client's if served, else the latest.
pub fn negotiate(requested: &str) -> &'static str {
    SUPPORTED_VERSIONS.into_iter().find(|v| *v == requested).unwrap_or(LATEST_VERSION)
}

/// JSON-RPC batches exist in 2025-03-26 only; 2025-06-18 removed them.
pub fn allows_batches(version: &str) -> bool {
    version == "2025-03-26"
}

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> RpcError {
        RpcError { code, message: message.into(), data: None }
    }

    pub fn with_data(mut self, data: Value) -> RpcError {
        self.data = Some(data);
        self
    }

    fn to_value(&self) -> Value {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let Some(data) = &self.data {
            error["data"] = data.clone();
        }
        error
    }
}

/// One incoming message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Request {
        id: Value,
        method: String,
        params: Map<String, Value>,
    },
    Notification,
    /// A client's answer to a server request; this server sends none, so it
    /// is accepted and ignored.
    Response,
}

/// Reads one message; an error carries the request's id when it had a valid one.
pub fn classify(value: Value) -> Result<Message, (Value, RpcError)> {
    let invalid =
        |id: Value, why: &str| (id, RpcError::new(INVALID_REQUEST, format!("invalid JSON-RPC message: {why}")));
    let Value::Object(mut message) = value else {
        return Err(invalid(Value::Null, "a message must be a JSON object"));
    };
    // MCP ids are strings or numbers, never null.
    let id = match message.remove("id") {
        None => None,
        Some(id @ (Value::String(_) | Value::Number(_))) => Some(id),
        Some(_) => return Err(invalid(Value::Null, "id must be a string or a number")),
    };
    if message.get("jsonrpc") != Some(&Value::String("2.0".into())) {
        return Err(invalid(id.unwrap_or(Value::Null), "jsonrpc must be \"2.0\""));
    }
    let method = match message.remove("method") {
        Some(Value::String(method)) => method,
        Some(_) => return Err(invalid(id.unwrap_or(Value::Null), "method must be a string")),
        None if id.is_some() && (message.contains_key("result") || message.contains_key("error")) => {
            return Ok(Message::Response)
        }
        None => return Err(invalid(id.unwrap_or(Value::Null), "method is required")),
    };
    let Some(id) = id else {
        return Ok(Message::Notification);
    };
    let params = match message.remove("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(params)) => params,
        Some(_) => return Err((id, RpcError::new(INVALID_PARAMS, "params must be an object"))),
    };
    Ok(Message::Request { id, method, params })
}

pub fn success(id: Value, result: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "result": result })
}

pub fn failure(id: Value, error: &RpcError) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": error.to_value() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_echoes_known_versions_and_offers_the_latest_otherwise() {
        assert_eq!(negotiate("2025-06-18"), "2025-06-18");
        assert_eq!(negotiate("2025-03-26"), "2025-03-26");
        assert_eq!(negotiate("2024-11-05"), LATEST_VERSION);
        assert_eq!(negotiate("banana"), LATEST_VERSION);
        assert!(allows_batches(DEFAULT_VERSION));
        assert!(!allows_batches("2025-06-18") && !allows_batches(LATEST_VERSION));
    }

    #[test]
    fn messages_are_classified() {
        let request = classify(json!({"jsonrpc": "2.0", "id": 7, "method": "ping"})).unwrap();
        assert_eq!(request, Message::Request { id: json!(7), method: "ping".into(), params: Map::new() });
        assert_eq!(
            classify(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).unwrap(),
            Message::Notification
        );
        assert_eq!(classify(json!({"jsonrpc": "2.0", "id": "a", "result": {}})).unwrap(), Message::Response);
    }

    #[test]
    fn malformed_messages_are_invalid_requests() {
        for bad in [
            json!([1]),
            json!({"id": 1, "method": "ping"}),
            json!({"jsonrpc": "1.0", "id": 1, "method": "ping"}),
            json!({"jsonrpc": "2.0", "id": null, "method": "ping"}),
            json!({"jsonrpc": "2.0", "id": 1, "method": 3}),
            json!({"jsonrpc": "2.0", "id": 1}),
        ] {
            assert_eq!(classify(bad.clone()).unwrap_err().1.code, INVALID_REQUEST, "{bad}");
        }
        let (id, error) = classify(json!({"jsonrpc": "2.0", "id": 2, "method": "ping", "params": [1]})).unwrap_err();
        assert_eq!((id, error.code), (json!(2), INVALID_PARAMS));
    }
}
