//! Where a request enters after the fetch event: the route table, the API
//! key check, and what every response carries (JSON errors, no-store, a
//! request id, one log line).

use crate::auth::presented_key;
use crate::config::Config;
use crate::error::ApiError;
use crate::routes::{self, health, legacy, memories, search, stats, Ctx};
use chrono::{DateTime, Utc};
use worker::{Env, Method, Request, Response};

/// Every route of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint<'a> {
    Health,
    CaptureMemory,
    ListMemories,
    GetMemory(&'a str),
    PatchMemory(&'a str),
    DeleteMemory(&'a str),
    Search,
    Stats,
    LegacyStatus,
    LegacyCapture,
    LegacyList,
    LegacySearch,
}

impl Endpoint<'_> {
    /// A stable name for logs (no ids, no query strings).
    pub fn name(&self) -> &'static str {
        match self {
            Endpoint::Health => "health",
            Endpoint::CaptureMemory => "memories.create",
            Endpoint::ListMemories => "memories.list",
            Endpoint::GetMemory(_) => "memories.get",
            Endpoint::PatchMemory(_) => "memories.patch",
            Endpoint::DeleteMemory(_) => "memories.delete",
            Endpoint::Search => "search",
            Endpoint::Stats => "stats",
            Endpoint::LegacyStatus => "legacy.status",
            Endpoint::LegacyCapture => "legacy.capture",
            Endpoint::LegacyList => "legacy.list",
            Endpoint::LegacySearch => "legacy.search",
        }
    }
}

/// Maps a method and path to an endpoint: 404 for unknown paths, 405 (with
/// the allowed methods) for known paths with another method.
pub fn resolve<'a>(method: &Method, path: &'a str) -> Result<Endpoint<'a>, ApiError> {
    use Endpoint::*;
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (allow, endpoint) = match (segments.as_slice(), method) {
        (["health"], Method::Get) => ("GET", Some(Health)),
        (["health"], _) => ("GET", None),
        ([], Method::Get) => ("GET", Some(LegacyStatus)),
        ([], _) => ("GET", None),
        (["memory"], Method::Post) => ("POST", Some(LegacyCapture)),
        (["memory"], _) => ("POST", None),
        (["memories"], Method::Get) => ("GET", Some(LegacyList)),
        (["memories"], _) => ("GET", None),
        (["search"], Method::Get) => ("GET", Some(LegacySearch)),
        (["search"], _) => ("GET", None),
        (["v1", "memories"], Method::Get) => ("GET, POST", Some(ListMemories)),
        (["v1", "memories"], Method::Post) => ("GET, POST", Some(CaptureMemory)),
        (["v1", "memories"], _) => ("GET, POST", None),
        (["v1", "memories", id], Method::Get) => ("GET, PATCH, DELETE", Some(GetMemory(id))),
        (["v1", "memories", id], Method::Patch) => ("GET, PATCH, DELETE", Some(PatchMemory(id))),
        (["v1", "memories", id], Method::Delete) => ("GET, PATCH, DELETE", Some(DeleteMemory(id))),
        (["v1", "memories", _], _) => ("GET, PATCH, DELETE", None),
        (["v1", "search"], Method::Get) => ("GET", Some(Search)),
        (["v1", "search"], _) => ("GET", None),
        (["v1", "stats"], Method::Get) => ("GET", Some(Stats)),
        (["v1", "stats"], _) => ("GET", None),
        _ => return Err(ApiError::NotFound),
    };
    endpoint.ok_or(ApiError::MethodNotAllowed { allow })
}

async fn dispatch(
    req: &mut Request,
    cx: &Ctx,
    endpoint: Endpoint<'_>,
) -> Result<Response, ApiError> {
    if endpoint == Endpoint::Health {
        return health::health(cx).await;
    }
    let key = presented_key(req.headers())?;
    match endpoint {
        Endpoint::Health => unreachable!("answered above without a key"),
        Endpoint::CaptureMemory => memories::create(req, cx, &key).await,
        Endpoint::ListMemories => memories::list(req, cx, &key).await,
        Endpoint::GetMemory(id) => memories::get(cx, &key, id).await,
        Endpoint::PatchMemory(id) => memories::patch(req, cx, &key, id).await,
        Endpoint::DeleteMemory(id) => memories::delete(cx, &key, id).await,
        Endpoint::Search => search::search(req, cx, &key).await,
        Endpoint::Stats => stats::stats(cx, &key).await,
        Endpoint::LegacyStatus => legacy::status(cx, &key).await,
        Endpoint::LegacyCapture => legacy::capture(req, cx, &key).await,
        Endpoint::LegacyList => legacy::list(req, cx, &key).await,
        Endpoint::LegacySearch => legacy::search(req, cx, &key).await,
    }
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(worker::Date::now().as_millis() as i64).unwrap_or_default()
}

/// Handles one request; never fails: every error becomes a JSON response.
pub async fn handle(mut req: Request, env: Env) -> Response {
    let started = worker::Date::now().as_millis();
    let request_id = request_id(&req);
    let path = req.path();
    let method = req.method();
    let mut route = "unmatched";
    let result = async {
        let config = Config::from_lookup(|name| env.var(name).ok().map(|v| v.to_string()))
            .map_err(|e| ApiError::Internal(format!("configuration: {e}")))?;
        let endpoint = resolve(&method, &path)?;
        route = endpoint.name();
        let cx = routes::Ctx {
            env,
            config,
            now: now(),
        };
        dispatch(&mut req, &cx, endpoint).await
    }
    .await;
    let (response, error) = match result {
        Ok(response) => (response, None),
        Err(error) => (error_response(&error), Some(error)),
    };
    let response = with_common_headers(response, &request_id);
    let log = serde_json::json!({
        "request_id": request_id,
        "method": method.to_string(),
        "route": route,
        "status": response.status_code(),
        "ms": worker::Date::now().as_millis() - started,
        "error": error.as_ref().map(ApiError::code),
        "detail": error.as_ref().and_then(ApiError::log_detail),
    });
    if response.status_code() >= 500 {
        worker::console_error!("{log}");
    } else {
        worker::console_log!("{log}");
    }
    response
}

fn error_response(error: &ApiError) -> Response {
    let build = || -> worker::Result<Response> {
        let response = Response::from_bytes(error.body().into_bytes())?.with_status(error.status());
        response
            .headers()
            .set("content-type", "application/json; charset=utf-8")?;
        for (name, value) in error.headers() {
            response.headers().set(name, &value)?;
        }
        Ok(response)
    };
    build().unwrap_or_else(|_| {
        Response::empty()
            .expect("an empty response")
            .with_status(error.status())
    })
}

/// Personal data must not be cached by browsers or intermediaries, nor
/// sniffed into another content type.
fn with_common_headers(response: Response, request_id: &str) -> Response {
    let headers = response.headers();
    let _ = headers.set("cache-control", "no-store");
    let _ = headers.set("x-content-type-options", "nosniff");
    let _ = headers.set("x-request-id", request_id);
    response
}

/// Cloudflare's ray id when there is one, else a random id.
fn request_id(req: &Request) -> String {
    req.headers()
        .get("cf-ray")
        .ok()
        .flatten()
        .unwrap_or_else(|| {
            let random = (js_sys::Math::random() * 2f64.powi(53)) as u64;
            format!("{random:014x}")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_resolve() {
        assert_eq!(resolve(&Method::Get, "/health").unwrap(), Endpoint::Health);
        assert_eq!(
            resolve(&Method::Post, "/v1/memories").unwrap(),
            Endpoint::CaptureMemory
        );
        assert_eq!(
            resolve(&Method::Get, "/v1/memories/").unwrap(),
            Endpoint::ListMemories
        );
        assert_eq!(
            resolve(&Method::Patch, "/v1/memories/abc").unwrap(),
            Endpoint::PatchMemory("abc")
        );
        assert_eq!(resolve(&Method::Get, "/").unwrap(), Endpoint::LegacyStatus);
        assert_eq!(
            resolve(&Method::Post, "/memory").unwrap(),
            Endpoint::LegacyCapture
        );
    }

    #[test]
    fn unknown_paths_and_wrong_methods() {
        assert_eq!(resolve(&Method::Get, "/nope").unwrap_err().status(), 404);
        assert_eq!(
            resolve(&Method::Get, "/v1/memories/a/b")
                .unwrap_err()
                .status(),
            404
        );
        let error = resolve(&Method::Put, "/v1/memories/abc").unwrap_err();
        assert_eq!(error.status(), 405);
        assert_eq!(
            error.headers(),
            vec![("Allow", "GET, PATCH, DELETE".to_owned())]
        );
    }
}
