//! Request and response plumbing shared by every route: bounded bodies,
//! query parameters, and [`Reply`], what a handler answers.

use crate::config::Limits;
use futures_util::Stream;
use futures_util::StreamExt;
use memo_api::error::ApiError;
use serde::Serialize;
use std::pin::Pin;
use worker::{Request, Response};

/// Query parameters in order, repeated names included (`tag=a&tag=b`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl FromIterator<(String, String)> for Params {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Params {
        Params(pairs.into_iter().collect())
    }
}

impl Params {
    /// The last value of `name`, so a repeated single-valued parameter is
    /// the last one given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(n, _)| n == name).map(|(_, value)| value.as_str())
    }

    /// Every value of `name`, in order (for parameters that may repeat).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(n, _)| n == name).map(|(_, value)| value.as_str()).collect()
    }
}

/// What a request body may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/json` (or `…+json`).
    Json,
    /// Newline-delimited JSON: `application/x-ndjson` or `application/jsonl`.
    Ndjson,
}

impl BodyKind {
    fn accepts(self, mime: &str) -> bool {
        match self {
            BodyKind::Json => mime == "application/json" || mime.ends_with("+json"),
            BodyKind::Ndjson => matches!(mime, "application/x-ndjson" | "application/jsonl"),
        }
    }
}

/// Reads a body of `kind` of at most `max_body_bytes`, refusing early on a
/// declared length over the limit and stopping as soon as the stream passes it.
pub async fn read_body(req: &mut Request, kind: BodyKind, limits: &Limits) -> Result<Vec<u8>, ApiError> {
    let content_type = req.headers().get("content-type").map_err(runtime)?.unwrap_or_default();
    let mime = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if !kind.accepts(&mime) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let too_large = ApiError::PayloadTooLarge { limit: limits.max_body_bytes };
    let declared = req.headers().get("content-length").map_err(runtime)?.and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|n| n > limits.max_body_bytes) {
        return Err(too_large);
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0));
    let mut stream = req.stream().map_err(runtime)?;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(runtime)?;
        if body.len() + chunk.len() > limits.max_body_bytes {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A failure of the runtime (headers, streams, bindings): a bug or a broken
/// deployment, logged and answered 500.
pub fn runtime(error: worker::Error) -> ApiError {
    ApiError::Internal(format!("worker: {error}"))
}

pub fn query_params(req: &Request) -> Result<Params, ApiError> {
    Ok(req.url().map_err(runtime)?.query_pairs().into_owned().collect())
}

/// A body produced while it is sent (exports).
pub type BodyStream = Pin<Box<dyn Stream<Item = Result<Vec<u8>, worker::Error>>>>;

/// A handler's answer: status, JSON body (empty for 204) and extra headers.
/// Plain data, so an idempotent request can store it and replay it; or, for
/// the few answers too large to hold, a stream.
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub headers: Vec<(&'static str, String)>,
    pub stream: Option<(&'static str, BodyStream)>,
}

impl Reply {
    pub fn json<T: Serialize>(status: u16, value: &T) -> Result<Reply, ApiError> {
        let body = serde_json::to_vec(value).map_err(|e| ApiError::Internal(format!("serialising a response: {e}")))?;
        Ok(Reply { status, body, headers: Vec::new(), stream: None })
    }

    pub fn no_content() -> Reply {
        Reply { status: 204, body: Vec::new(), headers: Vec::new(), stream: None }
    }

    /// 200 with a body of `content_type` streamed as it is produced.
    pub fn stream(content_type: &'static str, stream: BodyStream) -> Reply {
        Reply { status: 200, body: Vec::new(), headers: Vec::new(), stream: Some((content_type, stream)) }
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }

    pub fn into_response(self) -> worker::Result<Response> {
        if let Some((content_type, stream)) = self.stream {
            let response = Response::from_stream(stream)?.with_status(self.status);
            response.headers().set("content-type", content_type)?;
            return Ok(response);
        }
        let json = !self.body.is_empty();
        let response =
            if json { Response::from_bytes(self.body)? } else { Response::empty()? }.with_status(self.status);
        if json {
            response.headers().set("content-type", "application/json; charset=utf-8")?;
        }
        for (name, value) in &self.headers {
            response.headers().set(name, value)?;
        }
        Ok(response)
    }
}

impl From<&ApiError> for Reply {
    fn from(error: &ApiError) -> Reply {
        Reply { status: error.status(), body: error.body().into_bytes(), headers: error.headers(), stream: None }
    }
}
