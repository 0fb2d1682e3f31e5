//! Request and response plumbing shared by every route: bounded JSON bodies,
//! query parameters, JSON answers.

use crate::config::Limits;
use crate::domain::parse_object;
use crate::error::ApiError;
use futures_util::StreamExt;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use worker::{Request, Response};

/// Reads a JSON object body of at most `max_body_bytes`, refusing early on a
/// declared length over the limit and stopping as soon as the stream passes it.
pub async fn json_body(req: &mut Request, limits: &Limits) -> Result<Map<String, Value>, ApiError> {
    let content_type = req.headers().get("content-type")?.unwrap_or_default();
    let mime = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if mime != "application/json" && !mime.ends_with("+json") {
        return Err(ApiError::UnsupportedMediaType);
    }
    let too_large = ApiError::PayloadTooLarge { limit: limits.max_body_bytes };
    let declared = req.headers().get("content-length")?.and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|n| n > limits.max_body_bytes) {
        return Err(too_large);
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0));
    let mut stream = req.stream()?;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > limits.max_body_bytes {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    parse_object(&body)
}

/// Query parameters; the last value wins for repeated names.
pub fn query_params(req: &Request) -> Result<HashMap<String, String>, ApiError> {
    Ok(req.url()?.query_pairs().into_owned().collect())
}

pub fn json<T: Serialize>(status: u16, value: &T) -> Result<Response, ApiError> {
    let body = serde_json::to_vec(value).map_err(|e| ApiError::Internal(format!("serialising a response: {e}")))?;
    let response = Response::from_bytes(body)?.with_status(status);
    response.headers().set("content-type", "application/json; charset=utf-8")?;
    Ok(response)
}

pub fn no_content() -> Result<Response, ApiError> {
    Ok(Response::empty()?.with_status(204))
}
