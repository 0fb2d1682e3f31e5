//! The one error type of the API: every failure a handler can meet maps to a
//! status, a stable `code` and a JSON body, so handlers just use `?`.
//!
//! Internal details (SQL errors, binding problems) are logged with the request
//! id and never sent to the client.

use serde::Serialize;

/// A rejected field: which one, and why, in words a client developer can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

#[derive(Debug)]
pub enum ApiError {
    InvalidJson(String),
    Unauthorized,
    NotFound,
    MethodNotAllowed {
        allow: &'static str,
    },
    PayloadTooLarge {
        limit: usize,
    },
    UnsupportedMediaType,
    InvalidField(FieldError),
    /// A required parameter of the old server's routes is missing: it
    /// answered 400, and its clients may depend on that.
    MissingParameter(FieldError),
    /// A request with the same Idempotency-Key is still running.
    InProgress,
    /// The tenant made more requests than the `RATE_LIMITER` binding allows,
    /// or the client's address failed authentication (or asked `/health`)
    /// more often than `ADDRESS_RATE_LIMITER` allows.
    RateLimited {
        retry_after_seconds: u64,
    },
    /// Postgres could not be reached or answered in time; `detail` is logged only.
    DatabaseUnavailable {
        detail: String,
        retry_after_seconds: u64,
    },
    /// A write would leave the tenant over one of its quotas: `quota` is
    /// `memories` or `bytes`, `limit` the tenant's quota.
    QuotaExceeded {
        quota: Quota,
        limit: i64,
    },
    /// A bug or a broken deployment; `detail` is logged only.
    Internal(String),
}

/// The per-tenant quotas (`QUOTA_MEMORIES`, `QUOTA_BYTES`, `memo-admin tenant quota`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Quota {
    Memories,
    Bytes,
}

impl Quota {
    pub fn as_str(self) -> &'static str {
        match self {
            Quota::Memories => "memories",
            Quota::Bytes => "bytes",
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        ApiError::InvalidField(error)
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    /// The quota a `quota_exceeded` error is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    quota: Option<Quota>,
}

impl ApiError {
    pub fn status(&self) -> u16 {
        match self {
            ApiError::InvalidJson(_) => 400,
            ApiError::Unauthorized => 401,
            ApiError::QuotaExceeded { .. } => 403,
            ApiError::NotFound => 404,
            ApiError::MethodNotAllowed { .. } => 405,
            ApiError::PayloadTooLarge { .. } => 413,
            ApiError::UnsupportedMediaType => 415,
            ApiError::InProgress => 409,
            ApiError::InvalidField(_) => 422,
            ApiError::MissingParameter(_) => 400,
            ApiError::RateLimited { .. } => 429,
            ApiError::DatabaseUnavailable { .. } => 503,
            ApiError::Internal(_) => 500,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidJson(_) => "invalid_json",
            ApiError::Unauthorized => "unauthorized",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::InProgress => "request_in_progress",
            ApiError::InvalidField(_) => "invalid_field",
            ApiError::MissingParameter(_) => "missing_parameter",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::DatabaseUnavailable { .. } => "database_unavailable",
            ApiError::QuotaExceeded { .. } => "quota_exceeded",
            ApiError::Internal(_) => "internal_error",
        }
    }

    fn message(&self) -> String {
        match self {
            ApiError::InvalidJson(why) => format!("request body is not valid JSON: {why}"),
            ApiError::Unauthorized => {
                "a valid API key is required (Authorization: Bearer <key> or X-API-Key: <key>)".into()
            }
            ApiError::NotFound => "no such resource".into(),
            ApiError::MethodNotAllowed { allow } => {
                format!("method not allowed here; allowed: {allow}")
            }
            ApiError::PayloadTooLarge { limit } => {
                format!("request body exceeds the limit of {limit} bytes (MAX_BODY_BYTES)")
            }
            ApiError::UnsupportedMediaType => {
                "unsupported content type: application/json, or application/x-ndjson for imports".into()
            }
            ApiError::InProgress => "a request with this Idempotency-Key is still running; retry shortly".into(),
            ApiError::InvalidField(error) | ApiError::MissingParameter(error) => error.message.clone(),
            ApiError::RateLimited { retry_after_seconds } => {
                format!("too many requests; retry after {retry_after_seconds} s")
            }
            ApiError::DatabaseUnavailable { .. } => "the database is unavailable; retry later".into(),
            ApiError::QuotaExceeded { quota, limit } => format!(
                "this would exceed the {} quota ({limit} {}); nothing was stored",
                quota.as_str(),
                quota.as_str()
            ),
            ApiError::Internal(_) => "internal error".into(),
        }
    }

    /// What the log line should carry beyond the code, if anything.
    pub fn log_detail(&self) -> Option<&str> {
        match self {
            ApiError::DatabaseUnavailable { detail, .. } | ApiError::Internal(detail) => Some(detail),
            _ => None,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        let message = self.message();
        let field = match self {
            ApiError::InvalidField(error) | ApiError::MissingParameter(error) => Some(error.field.as_str()),
            _ => None,
        };
        let quota = match self {
            ApiError::QuotaExceeded { quota, .. } => Some(*quota),
            _ => None,
        };
        let body = Body { error: ErrorBody { code: self.code(), message: &message, field, quota } };
        serde_json::to_string(&body).expect("error bodies always serialise")
    }

    /// Extra headers this error requires (RFC 9110: 401, 405, 429, 503).
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        match self {
            ApiError::Unauthorized => vec![("WWW-Authenticate", "Bearer realm=\"memo\"".into())],
            ApiError::MethodNotAllowed { allow } => vec![("Allow", (*allow).into())],
            ApiError::DatabaseUnavailable { retry_after_seconds, .. }
            | ApiError::RateLimited { retry_after_seconds } => {
                vec![("Retry-After", retry_after_seconds.to_string())]
            }
            ApiError::InProgress => vec![("Retry-After", "1".into())],
            _ => vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_field_names_the_field() {
        let error = ApiError::from(FieldError::new("tags[2]", "tag is too long"));
        assert_eq!(error.status(), 422);
        let body: serde_json::Value = serde_json::from_str(&error.body()).unwrap();
        assert_eq!(body["error"]["code"], "invalid_field");
        assert_eq!(body["error"]["field"], "tags[2]");
    }

    #[test]
    fn internal_details_are_not_sent() {
        let error = ApiError::Internal("relation memories does not exist".into());
        assert!(!error.body().contains("relation"));
        assert_eq!(error.log_detail(), Some("relation memories does not exist"));
    }

    #[test]
    fn quota_exceeded_names_the_quota() {
        let error = ApiError::QuotaExceeded { quota: Quota::Bytes, limit: 1000 };
        assert_eq!(error.status(), 403);
        let body: serde_json::Value = serde_json::from_str(&error.body()).unwrap();
        assert_eq!(body["error"]["code"], "quota_exceeded");
        assert_eq!(body["error"]["quota"], "bytes");
        assert!(body["error"]["message"].as_str().unwrap().contains("bytes quota (1000 bytes)"));
    }

    #[test]
    fn rate_limited_says_when_to_retry() {
        let error = ApiError::RateLimited { retry_after_seconds: 60 };
        assert_eq!(error.status(), 429);
        assert_eq!(error.headers(), vec![("Retry-After", "60".to_owned())]);
    }

    #[test]
    fn unavailable_says_when_to_retry() {
        let error = ApiError::DatabaseUnavailable { detail: "refused".into(), retry_after_seconds: 7 };
        assert_eq!(error.status(), 503);
        assert_eq!(error.headers(), vec![("Retry-After", "7".to_owned())]);
    }
}
