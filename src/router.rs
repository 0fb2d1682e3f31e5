//! Where a request enters after the fetch event: the route table, the API
//! key check, and what every response carries (JSON errors, no-store, a
//! request id, one log line).

use crate::auth::{self, client_address};
use crate::config::{Config, LogLevel};
use crate::cors;
use crate::http::{self, query_params, read_body, BodyKind, Reply};
use crate::idempotency::{self, IdempotencyKey};
use crate::mcp;
use crate::routes::tag_edits::{self, TagRoute};
use crate::routes::{self, batch, health, legacy, memories, openapi, search, stats, tags, transfer, Ctx};
use chrono::{DateTime, Utc};
use memo_api::error::ApiError;
use worker::{Env, Method, Request, Response};

/// Every route of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint<'a> {
    Health,
    OpenApi,
    CaptureMemory,
    CaptureBatch,
    ListMemories,
    GetMemory(&'a str),
    PatchMemory(&'a str),
    DeleteMemory(&'a str),
    Search,
    Stats,
    Tags,
    Export,
    Import,
    LegacyStatus,
    LegacyCapture,
    LegacyList,
    LegacySearch,
    /// The MCP server (`src/mcp`).
    Mcp,
    /// `POST /v1/tags/rename|merge|delete`
    TagEdit(TagRoute),
    BulkMemories,
    /// A CORS preflight (`OPTIONS`) for a path allowing these methods.
    Preflight {
        allow: &'static str,
    },
}

impl Endpoint<'_> {
    /// A stable name for logs (no ids, no query strings).
    pub fn name(&self) -> &'static str {
        match self {
            Endpoint::Health => "health",
            Endpoint::OpenApi => "openapi",
            Endpoint::CaptureMemory => "memories.create",
            Endpoint::CaptureBatch => "memories.batch",
            Endpoint::ListMemories => "memories.list",
            Endpoint::GetMemory(_) => "memories.get",
            Endpoint::PatchMemory(_) => "memories.patch",
            Endpoint::DeleteMemory(_) => "memories.delete",
            Endpoint::Search => "search",
            Endpoint::Stats => "stats",
            Endpoint::Tags => "tags",
            Endpoint::Export => "export",
            Endpoint::Import => "import",
            Endpoint::LegacyStatus => "legacy.status",
            Endpoint::LegacyCapture => "legacy.capture",
            Endpoint::LegacyList => "legacy.list",
            Endpoint::LegacySearch => "legacy.search",
            Endpoint::Mcp => "mcp",
            Endpoint::TagEdit(TagRoute::Rename) => "tags.rename",
            Endpoint::TagEdit(TagRoute::Merge) => "tags.merge",
            Endpoint::TagEdit(TagRoute::Delete) => "tags.delete",
            Endpoint::BulkMemories => "memories.bulk",
            Endpoint::Preflight { .. } => "preflight",
        }
    }
}

/// The methods a known path allows, each with its endpoint; 404 for an
/// unknown path.
fn routes(path: &str) -> Result<Vec<(Method, Endpoint<'_>)>, ApiError> {
    use Endpoint::*;
    use Method::{Delete, Get, Patch, Post};
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    Ok(match segments.as_slice() {
        ["health"] => vec![(Get, Health)],
        ["openapi.json"] => vec![(Get, OpenApi)],
        [] => vec![(Get, LegacyStatus)],
        ["memory"] => vec![(Post, LegacyCapture)],
        ["memories"] => vec![(Get, LegacyList)],
        ["search"] => vec![(Get, LegacySearch)],
        ["v1", "memories"] => vec![(Get, ListMemories), (Post, CaptureMemory)],
        ["v1", "memories", "batch"] => vec![(Post, CaptureBatch)],
        ["v1", "memories", "bulk"] => vec![(Post, BulkMemories)],
        ["v1", "tags", "rename"] => vec![(Post, TagEdit(TagRoute::Rename))],
        ["v1", "tags", "merge"] => vec![(Post, TagEdit(TagRoute::Merge))],
        ["v1", "tags", "delete"] => vec![(Post, TagEdit(TagRoute::Delete))],
        ["v1", "memories", id] => vec![(Get, GetMemory(id)), (Patch, PatchMemory(id)), (Delete, DeleteMemory(id))],
        ["v1", "search"] => vec![(Get, Search)],
        ["v1", "stats"] => vec![(Get, Stats)],
        ["v1", "tags"] => vec![(Get, Tags)],
        ["v1", "export"] => vec![(Get, Export)],
        ["v1", "import"] => vec![(Post, Import)],
        ["mcp"] => vec![(Post, Mcp)],
        _ => return Err(ApiError::NotFound),
    })
}

/// The methods a route table entry may use, in the order `Allow` lists them.
const METHODS: [Method; 4] = [Method::Get, Method::Post, Method::Patch, Method::Delete];

/// The `Allow` header for a path's methods, from its entries in [`routes`].
fn allow_header(methods: &[(Method, Endpoint<'_>)]) -> &'static str {
    // One string per set of methods, made once, so errors and preflights can
    // hold a `&'static str`.
    static ALLOW: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let all = ALLOW.get_or_init(|| {
        (0..1 << METHODS.len())
            .map(|set: usize| {
                let listed = METHODS.iter().enumerate().filter(|(bit, _)| set & (1 << bit) != 0);
                let names: Vec<&str> = listed.map(|(_, m)| m.as_ref()).chain(["OPTIONS"]).collect();
                names.join(", ")
            })
            .collect()
    });
    let set = METHODS.iter().enumerate().filter(|(_, m)| methods.iter().any(|(used, _)| used == *m));
    &all[set.fold(0, |set, (bit, _)| set | 1 << bit)]
}

/// Maps a method and path to an endpoint: 404 for unknown paths, 405 (with
/// the allowed methods) for known paths with another method, a preflight for
/// `OPTIONS` on any known path.
pub fn resolve<'a>(method: &Method, path: &'a str) -> Result<Endpoint<'a>, ApiError> {
    let methods = routes(path)?;
    let allow = allow_header(&methods);
    if *method == Method::Options {
        return Ok(Endpoint::Preflight { allow });
    }
    methods
        .into_iter()
        .find(|(m, _)| m == method)
        .map(|(_, endpoint)| endpoint)
        .ok_or(ApiError::MethodNotAllowed { allow })
}

/// Like [`resolve`], from the method as the client spelt it. workers-rs turns
/// every method it does not know (`QUERY`, `PROPFIND`, ...) into `GET`; such a
/// request must get 405, not run a `GET` handler.
fn resolve_request<'a>(method_name: &str, path: &'a str) -> Result<Endpoint<'a>, ApiError> {
    let method = Method::from(method_name.to_owned());
    if method.as_ref().eq_ignore_ascii_case(method_name) {
        resolve(&method, path)
    } else {
        Err(ApiError::MethodNotAllowed { allow: allow_header(&routes(path)?) })
    }
}

/// What body an endpoint reads, if any.
fn body_kind(endpoint: &Endpoint<'_>) -> Option<BodyKind> {
    match endpoint {
        Endpoint::CaptureMemory
        | Endpoint::PatchMemory(_)
        | Endpoint::LegacyCapture
        | Endpoint::CaptureBatch
        | Endpoint::Mcp
        | Endpoint::TagEdit(_)
        | Endpoint::BulkMemories => Some(BodyKind::Json),
        Endpoint::Import => Some(BodyKind::Ndjson),
        _ => None,
    }
}

/// Requests that change data, and so honour an `Idempotency-Key`. MCP
/// messages carry their own ids and are not replayed.
fn is_write(endpoint: &Endpoint<'_>) -> bool {
    (body_kind(endpoint).is_some() && *endpoint != Endpoint::Mcp) || matches!(endpoint, Endpoint::DeleteMemory(_))
}

async fn dispatch(req: &mut Request, cx: &Ctx, endpoint: Endpoint<'_>) -> Result<Reply, ApiError> {
    // Health, the API description and preflights need no key: browsers send
    // preflights without one.
    match endpoint {
        Endpoint::Health => return health::health(cx, &client_address(req.headers())).await,
        Endpoint::OpenApi => return openapi::openapi(),
        Endpoint::Preflight { .. } => return Ok(Reply::no_content()),
        Endpoint::LegacyStatus if wants_html(req) => {
            return Ok(Reply { status: 302, ..Reply::no_content() }.with_header("Location", APP_PATH.into()))
        }
        _ => {}
    }
    // The key is known valid (and the tenant within its rate limit) before
    // the body is read, parsed or analysed.
    let (key, _tenant) = auth::authenticate(req.headers(), cx).await?;
    cx.set_authenticated();
    let params = query_params(req)?;
    let body = match body_kind(&endpoint) {
        Some(kind) => read_body(req, kind, &cx.config.limits).await?,
        None => Vec::new(),
    };
    if endpoint == Endpoint::Mcp {
        return mcp::handle(cx, &key, req.headers(), &body).await;
    }
    let run = || async {
        match endpoint {
            Endpoint::CaptureMemory => memories::create(cx, &key, &body).await,
            Endpoint::CaptureBatch => batch::capture(cx, &key, &body).await,
            Endpoint::ListMemories => memories::list(cx, &key, &params).await,
            Endpoint::GetMemory(id) => memories::get(cx, &key, id).await,
            Endpoint::PatchMemory(id) => memories::patch(cx, &key, id, &body).await,
            Endpoint::DeleteMemory(id) => memories::delete(cx, &key, id).await,
            Endpoint::Search => search::search(cx, &key, &params).await,
            Endpoint::Stats => stats::stats(cx, &key).await,
            Endpoint::Tags => tags::list(cx, &key, &params).await,
            Endpoint::Export => transfer::export(cx, &key).await,
            Endpoint::Import => transfer::import(cx, &key, &body).await,
            Endpoint::LegacyStatus => legacy::status(cx, &key).await,
            Endpoint::LegacyCapture => legacy::capture(cx, &key, &body).await,
            Endpoint::LegacyList => legacy::list(cx, &key, &params).await,
            Endpoint::LegacySearch => legacy::search(cx, &key, &params).await,
            Endpoint::TagEdit(route) => tag_edits::tags(cx, &key, route, &body).await,
            Endpoint::BulkMemories => tag_edits::bulk(cx, &key, &body).await,
            Endpoint::Health | Endpoint::OpenApi | Endpoint::Preflight { .. } | Endpoint::Mcp => {
                unreachable!("answered above")
            }
        }
    };
    match req.headers().get("idempotency-key").map_err(http::runtime)? {
        Some(raw) if is_write(&endpoint) => {
            let idempotency_key = IdempotencyKey::parse(&raw)?;
            let method = req.method().to_string();
            idempotency::once(cx, &key, &idempotency_key, (&method, &req.path(), &body), run).await
        }
        _ => run().await,
    }
}

/// Where the web app's static files are served (wrangler.toml `[assets]`).
pub const APP_PATH: &str = "/app/";

/// A browser navigating to `/` names `text/html` in `Accept`; the old
/// server's JSON clients do not, and keep getting its status.
fn wants_html(req: &Request) -> bool {
    req.headers().get("accept").ok().flatten().is_some_and(|accept| accept.contains("text/html"))
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(worker::Date::now().as_millis() as i64).unwrap_or_default()
}

/// Handles one request; never fails: every error becomes a JSON response.
pub async fn handle(mut req: Request, env: Env) -> Response {
    let started = worker::Date::now().as_millis();
    let request_id = request_id(&req);
    let path = req.path();
    let method_name = req.inner().method();
    let origin = req.headers().get("origin").ok().flatten();
    let config = Config::of_isolate(|name| env.var(name).ok().map(|v| v.to_string()));
    let mut route = "unmatched";
    let mut preflight_allow = None;
    let mut db_timings = None;
    let mut authenticated = false;
    let https = req.url().is_ok_and(|url| url.scheme() == "https");
    let result = async {
        let config = config.as_ref().map_err(|e| ApiError::Internal(format!("configuration: {e}")))?;
        let endpoint = resolve_request(&method_name, &path)?;
        route = endpoint.name();
        if let Endpoint::Preflight { allow } = endpoint {
            preflight_allow = Some(allow);
        }
        let cx = routes::Ctx::new(env, config, now());
        let reply = dispatch(&mut req, &cx, endpoint).await;
        db_timings = cx.db_timings();
        authenticated = cx.authenticated();
        cx.close().await;
        reply
    }
    .await;
    let (reply, error) = match result {
        Ok(reply) => (reply, None),
        Err(error) => (Reply::from(&error), Some(error)),
    };
    let response = reply.into_response().unwrap_or_else(|e| {
        worker::console_error!("building a response: {e}");
        Response::empty().expect("an empty response").with_status(500)
    });
    let response = with_common_headers(response, &request_id, https);
    let ms = worker::Date::now().as_millis() - started;
    // Timings tell whoever reads them how long the database took, which can
    // hint at what it holds: only for callers whose key is valid.
    if authenticated {
        let _ = response.headers().set("server-timing", &server_timing(db_timings, ms));
    }
    let allowed = config.as_ref().map(|c| c.cors_allowed_origins.as_slice()).unwrap_or_default();
    if let Some(origin) = cors::allowed_origin(origin.as_deref(), allowed) {
        let _ = cors::apply(response.headers(), origin);
        if let Some(allow) = preflight_allow {
            let _ = cors::apply_preflight(response.headers(), allow);
        }
    }
    // Only the lines the deployment keeps are made (`LOG_LEVEL`).
    let level = LogLevel::of_status(response.status_code());
    if level >= config.as_ref().map_or(LogLevel::Info, |c| c.log_level) {
        let line = serde_json::json!({
            "request_id": request_id,
            "method": method_name,
            "route": route,
            "status": response.status_code(),
            "ms": ms,
            "db_connect_ms": db_timings.map(|t| t.connect_ms),
            "db_ms": db_timings.map(|t| t.statements_ms),
            "error": error.as_ref().map(ApiError::code),
            "detail": error.as_ref().and_then(ApiError::log_detail),
        });
        match level {
            LogLevel::Error => worker::console_error!("{line}"),
            LogLevel::Warn => worker::console_warn!("{line}"),
            LogLevel::Info => worker::console_log!("{line}"),
        }
    }
    response
}

/// The scheduled upkeep (`db::upkeep`), with one log line of what it did.
pub async fn upkeep(cron: &str, env: Env) {
    let result = async {
        let config = Config::of_isolate(|name| env.var(name).ok().map(|v| v.to_string()))
            .as_ref()
            .map_err(|e| ApiError::Internal(format!("configuration: {e}")))?;
        let db = crate::db::Db::connect(&env, config).await?;
        let pruned = memo_api::sql::upkeep::run(&db).await;
        db.close().await;
        pruned
    }
    .await;
    match result {
        Ok(pruned) => {
            worker::console_log!("{}", serde_json::json!({ "event": "upkeep", "cron": cron, "pruned": pruned }))
        }
        Err(error) => worker::console_error!(
            "{}",
            serde_json::json!({ "event": "upkeep", "cron": cron, "error": error.code(), "detail": error.log_detail() })
        ),
    }
}

/// `Server-Timing`: where the worker's time went (browsers' developer tools
/// show it; the search bench reads it): connecting to Postgres and its
/// statements (and how many: each is one round trip), when the request used
/// the database, and the whole request.
fn server_timing(db: Option<routes::DbTimings>, total_ms: u64) -> String {
    let db = db.map(|t| {
        format!("db-connect;dur={}, db;dur={}, db-statements;desc={}, ", t.connect_ms, t.statements_ms, t.statements)
    });
    format!("{}total;dur={total_ms}", db.unwrap_or_default())
}

/// Headers every API answer carries, whatever its status.
fn security_headers(https: bool) -> Vec<(&'static str, &'static str)> {
    let mut headers = vec![
        // Personal data must not be cached by browsers or intermediaries,
        // nor sniffed into another content type.
        ("cache-control", "no-store"),
        ("x-content-type-options", "nosniff"),
        // API answers are data, never a page: nothing in one may load or
        // run, nor may any page frame one. A web app served later sets its own.
        ("content-security-policy", "default-src 'none'; frame-ancestors 'none'"),
    ];
    // Browsers honour HSTS only over https; a plain-http (local) answer
    // must not carry it.
    if https {
        headers.push(("strict-transport-security", "max-age=31536000; includeSubDomains"));
    }
    headers
}

fn with_common_headers(response: Response, request_id: &str, https: bool) -> Response {
    let headers = response.headers();
    for (name, value) in security_headers(https) {
        let _ = headers.set(name, value);
    }
    let _ = headers.set("x-request-id", request_id);
    // Answers differ by Origin (CORS), so shared caches must not mix them.
    let _ = headers.set("vary", "Origin");
    response
}

/// Cloudflare's ray id when there is one, else a random id.
fn request_id(req: &Request) -> String {
    req.headers().get("cf-ray").ok().flatten().unwrap_or_else(|| {
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
        assert_eq!(resolve(&Method::Get, "/openapi.json").unwrap(), Endpoint::OpenApi);
        assert_eq!(resolve(&Method::Post, "/v1/memories").unwrap(), Endpoint::CaptureMemory);
        assert_eq!(resolve(&Method::Get, "/v1/memories/").unwrap(), Endpoint::ListMemories);
        assert_eq!(resolve(&Method::Patch, "/v1/memories/abc").unwrap(), Endpoint::PatchMemory("abc"));
        assert_eq!(resolve(&Method::Get, "/").unwrap(), Endpoint::LegacyStatus);
        assert_eq!(resolve(&Method::Get, "/v1/tags").unwrap(), Endpoint::Tags);
        assert_eq!(resolve(&Method::Post, "/memory").unwrap(), Endpoint::LegacyCapture);
        assert_eq!(resolve(&Method::Post, "/v1/memories/bulk").unwrap(), Endpoint::BulkMemories);
        assert_eq!(resolve(&Method::Post, "/v1/tags/merge").unwrap(), Endpoint::TagEdit(TagRoute::Merge));
    }

    #[test]
    fn unknown_paths_and_wrong_methods() {
        assert_eq!(resolve(&Method::Get, "/nope").unwrap_err().status(), 404);
        assert_eq!(resolve(&Method::Get, "/v1/memories/a/b").unwrap_err().status(), 404);
        let error = resolve(&Method::Put, "/v1/memories/abc").unwrap_err();
        assert_eq!(error.status(), 405);
        assert_eq!(error.headers(), vec![("Allow", "GET, PATCH, DELETE, OPTIONS".to_owned())]);
        assert_eq!(
            resolve(&Method::Post, "/health").unwrap_err().headers(),
            vec![("Allow", "GET, OPTIONS".to_owned())]
        );
        assert_eq!(
            resolve(&Method::Get, "/memory").unwrap_err().headers(),
            vec![("Allow", "POST, OPTIONS".to_owned())]
        );
    }

    #[test]
    fn hsts_only_over_https_and_csp_always() {
        let names = |https| security_headers(https).into_iter().map(|(name, _)| name).collect::<Vec<_>>();
        assert!(names(true).contains(&"strict-transport-security"));
        assert!(!names(false).contains(&"strict-transport-security"));
        for https in [true, false] {
            let csp = security_headers(https).into_iter().find(|(name, _)| *name == "content-security-policy");
            assert_eq!(csp, Some(("content-security-policy", "default-src 'none'; frame-ancestors 'none'")));
        }
    }

    #[test]
    fn allow_lists_exactly_the_methods_of_the_route_table() {
        let table = [(Method::Get, Endpoint::Stats), (Method::Delete, Endpoint::DeleteMemory("x"))];
        assert_eq!(allow_header(&table), "GET, DELETE, OPTIONS");
        assert_eq!(allow_header(&table[1..]), "DELETE, OPTIONS");
        for path in ["/", "/health", "/memory", "/v1/memories", "/v1/memories/batch", "/v1/memories/x", "/v1/import"] {
            let methods = routes(path).unwrap();
            let allow = allow_header(&methods);
            for method in METHODS {
                let listed = allow.split(", ").any(|m| m == method.as_ref());
                assert_eq!(listed, methods.iter().any(|(m, _)| *m == method), "{path}: {allow}");
            }
        }
    }

    #[test]
    fn unknown_methods_are_not_get() {
        assert_eq!(resolve_request("QUERY", "/v1/stats").unwrap_err().status(), 405);
        assert_eq!(resolve_request("PROPFIND", "/nope").unwrap_err().status(), 404);
        assert_eq!(resolve_request("get", "/v1/stats").unwrap(), Endpoint::Stats);
    }

    #[test]
    fn options_is_a_preflight_on_every_known_path() {
        for path in ["/", "/health", "/memory", "/memories", "/search", "/v1/memories", "/v1/memories/x", "/v1/search"]
        {
            assert!(matches!(resolve(&Method::Options, path), Ok(Endpoint::Preflight { .. })), "{path}");
        }
        assert_eq!(resolve(&Method::Options, "/nope").unwrap_err().status(), 404);
    }
}
