//! `/v1/memories`: capture, read, list, patch, delete.

use super::Ctx;
use crate::http::{Params, Reply};
use memo_api::domain::fields::{Content, PageUrl, Title};
use memo_api::domain::memory::{Memory, MemoryItem};
use memo_api::domain::paging::{Cursor, PageLimit};
use memo_api::domain::parse_object;
use memo_api::domain::patch::MemoryPatch;
use memo_api::error::{ApiError, FieldError};
use memo_api::key::KeyHash;
use memo_api::prepare::Prepared;
use memo_api::sql::memories::{self as sql, ListContent, Outcome, StoredMemory, Update};
use memo_core::CaptureInput;
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

/// A capture's answer: the memory, and what the capture did to it.
#[derive(Serialize)]
pub struct Captured {
    #[serde(flatten)]
    pub memory: Memory,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub updated: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub duplicate: bool,
}

impl Captured {
    /// 201 for a new memory, 200 for an update or a duplicate.
    pub fn status(&self) -> u16 {
        if self.updated || self.duplicate {
            200
        } else {
            201
        }
    }
}

/// `POST /v1/memories`: 201 with a new memory; 200 with `"updated": true`
/// when a newer state of a stored conversation replaced it, or with
/// `"duplicate": true` when nothing new was captured.
pub async fn create(cx: &Ctx, key: &KeyHash, body: &[u8]) -> Result<Reply, ApiError> {
    let captured = store_capture_body(cx, key, body).await?;
    Reply::json(captured.status(), &captured)
}

/// The handler's step of a capture: parses its body
/// (`domain::capture_body`), prepares its row (`prepare`: memo-core's title,
/// kind and tags) and stores it. Shared with the old server's `POST /memory`.
pub async fn store_capture_body(cx: &Ctx, key: &KeyHash, body: &[u8]) -> Result<Captured, ApiError> {
    store_capture(cx, key, parse_object(body)?).await
}

/// [`store_capture_body`] of a body already parsed as JSON (the MCP tool `memo_save`).
pub async fn store_capture(cx: &Ctx, key: &KeyHash, body: Map<String, Value>) -> Result<Captured, ApiError> {
    let prepared = Prepared::capture(body, &cx.config.limits, cx.analyzer()?, cx.now)?;
    let db = cx.db().await?;
    let (stored, outcome) = sql::capture_one(db, key, prepared.insert()).await?;
    Ok(Captured::new(stored.memory, outcome))
}

impl Captured {
    pub fn new(memory: Memory, outcome: Outcome) -> Captured {
        Captured { memory, updated: outcome == Outcome::Updated, duplicate: outcome == Outcome::Duplicate }
    }
}

/// An id in a path that is not a UUID names no memory.
pub fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw).map_err(|_| ApiError::NotFound)
}

/// `GET /v1/memories/{id}`
pub async fn get(cx: &Ctx, key: &KeyHash, id: &str) -> Result<Reply, ApiError> {
    let id = parse_id(id)?;
    let db = cx.db().await?;
    Reply::json(200, &sql::get(db, key, id).await?.memory)
}

#[derive(Serialize)]
struct Page<T> {
    items: Vec<T>,
    next_cursor: Option<String>,
}

/// `include`: `content` adds each item's content to a list or search page,
/// which then ends early at `MAX_PAGE_CONTENT_BYTES` of contents.
pub fn include_content(params: &Params) -> Result<bool, ApiError> {
    match params.get("include") {
        None | Some("") => Ok(false),
        Some("content") => Ok(true),
        Some(_) => Err(FieldError::new("include", "include must be content (or left out)").into()),
    }
}

/// `GET /v1/memories?limit&cursor&include&url`: newest first; items carry a
/// preview of their content, and the content itself with `include=content`;
/// `url` keeps only the memories stored with exactly that URL (the
/// extension's saved state).
pub async fn list(cx: &Ctx, key: &KeyHash, params: &Params) -> Result<Reply, ApiError> {
    let limits = &cx.config.limits;
    let limit = PageLimit::parse(params.get("limit"), limits)?;
    let cursor = Cursor::parse(params.get("cursor"))?;
    let budget = include_content(params)?.then_some(limits.max_page_content_bytes);
    let content = ListContent { preview_chars: limits.preview_chars, budget };
    let url = params.get("url").map(|raw| PageUrl::parse("url", raw, limits)).transpose()?;
    let db = cx.db().await?;
    let page = sql::list(db, key, limit, cursor, content, url.as_ref().map(PageUrl::as_str)).await?;
    let next_cursor = page.next_cursor();
    let items: Vec<MemoryItem> =
        page.items.into_iter().map(|(stored, start)| start.item(stored.memory, limits.preview_chars)).collect();
    Reply::json(200, &Page { items, next_cursor })
}

/// How often a content patch is retried when the memory changes between
/// reading it and writing the recomputed title and tags.
const PATCH_ATTEMPTS: usize = 3;

/// `PATCH /v1/memories/{id}`: title and tags set here are the user's and are
/// kept when content changes later; a content change recomputes whatever the
/// user has not set.
pub async fn patch(cx: &Ctx, key: &KeyHash, id: &str, body: &[u8]) -> Result<Reply, ApiError> {
    let id = parse_id(id)?;
    let patch = MemoryPatch::parse(parse_object(body)?, &cx.config.limits)?;
    Reply::json(200, &apply_patch(cx, key, id, &patch).await?)
}

/// Applies a parsed patch (shared with the MCP tool `memo_update`).
pub async fn apply_patch(cx: &Ctx, key: &KeyHash, id: Uuid, patch: &MemoryPatch) -> Result<Memory, ApiError> {
    let db = cx.db().await?;
    let direct = Update {
        title: patch.title.as_ref().map(Title::as_str),
        title_by_user: patch.title.is_some(),
        tags: patch.tags.as_ref().map(|t| t.as_slice()),
        tags_by_user: patch.tags.is_some(),
        content: None,
        kind: None,
        if_updated_at: None,
    };
    let Some(content) = &patch.content else {
        // Title and tags alone need nothing recomputed: one statement.
        return sql::update(db, key, id, &direct).await?.ok_or(ApiError::NotFound);
    };
    for _ in 0..PATCH_ATTEMPTS {
        let current = sql::get(db, key, id).await?;
        let analysis = reanalyse(cx, &current, content, patch)?;
        let change = Update {
            title: direct.title.or((!current.title_by_user).then_some(analysis.title.as_str())),
            tags: direct.tags.or((!current.tags_by_user).then_some(analysis.tags.as_slice())),
            content: Some(content.as_str()),
            kind: Some(analysis.kind.as_str()),
            if_updated_at: Some(current.memory.updated_at),
            ..direct
        };
        if let Some(memory) = sql::update(db, key, id, &change).await? {
            return Ok(memory);
        }
    }
    Err(ApiError::Internal(format!("memory {id} kept changing during {PATCH_ATTEMPTS} patch attempts")))
}

fn reanalyse(
    cx: &Ctx,
    current: &StoredMemory,
    content: &Content,
    patch: &MemoryPatch,
) -> Result<memo_core::Analysis, ApiError> {
    let memory = &current.memory;
    let title = patch.title.as_ref().map(Title::as_str).or(current.title_by_user.then_some(memory.title.as_str()));
    let user_tags = patch.tags.as_ref().map_or(current.user_tags.as_slice(), |t| t.as_slice());
    Ok(cx.analyzer()?.analyze(&CaptureInput {
        content: content.as_str(),
        source: memory.source.as_deref(),
        title,
        tags: user_tags,
        metadata: Some(&memory.metadata),
        captured_at: memory.captured_at,
    }))
}

/// `DELETE /v1/memories/{id}`: 204, or 404 if there was nothing to delete.
pub async fn delete(cx: &Ctx, key: &KeyHash, id: &str) -> Result<Reply, ApiError> {
    let id = parse_id(id)?;
    let db = cx.db().await?;
    if sql::delete(db, key, id).await? {
        Ok(Reply::no_content())
    } else {
        Err(ApiError::NotFound)
    }
}
