//! Domain types: request input parsed once into values that are valid by
//! construction ("parse, don't validate"). Pure Rust, no worker types, so
//! everything here is unit- and property-tested natively.

pub mod capture_body;
pub mod conversation;
pub mod export;
pub mod fields;
pub mod memory;
pub mod paging;
pub mod patch;
pub mod search;
pub mod tag_edits;
pub mod tags;

use crate::error::ApiError;
use serde_json::{Map, Value};

/// A JSON request body that must be an object.
pub fn parse_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::InvalidJson("the body must be a JSON object".into())),
        Err(error) => Err(ApiError::InvalidJson(error.to_string())),
    }
}
