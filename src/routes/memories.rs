//! `/v1/memories`: capture, read, list, patch, delete.

use super::Ctx;
use crate::auth::KeyHash;
use crate::db::memories::{self as sql, Insert, StoredMemory, Update};
use crate::domain::capture::NewMemory;
use crate::domain::fields::{Content, Source, Title};
use crate::domain::memory::Memory;
use crate::domain::paging::{next_cursor, Cursor, PageLimit};
use crate::domain::patch::MemoryPatch;
use crate::error::ApiError;
use crate::http::{json, json_body, no_content, query_params};
use memo_core::CaptureInput;
use serde::Serialize;
use uuid::Uuid;
use worker::{Request, Response};

/// `POST /v1/memories`: 201 with the stored memory.
pub async fn create(req: &mut Request, cx: &Ctx, key: &KeyHash) -> Result<Response, ApiError> {
    json(201, &capture(req, cx, key).await?)
}

/// Parses a capture body, titles and tags it, and stores it. Shared with the
/// old server's `POST /memory`.
pub async fn capture(req: &mut Request, cx: &Ctx, key: &KeyHash) -> Result<Memory, ApiError> {
    let limits = &cx.config.limits;
    let new = NewMemory::parse(json_body(req, limits).await?, limits)?;
    let captured_at = new.captured_at.unwrap_or(cx.now);
    let analysis = cx.analyzer()?.analyze(&CaptureInput {
        content: new.content.as_str(),
        source: new.source.as_ref().map(Source::as_str),
        title: new.title.as_ref().map(Title::as_str),
        tags: new.tags.as_slice(),
        metadata: Some(new.metadata.as_value()),
        captured_at,
    });
    let db = cx.db().await?;
    let inserted = sql::insert(
        &db,
        key,
        &Insert {
            content: new.content.as_str(),
            title: &analysis.title,
            title_by_user: new.title.is_some(),
            kind: analysis.kind.as_str(),
            source: new.source.as_ref().map(Source::as_str),
            url: new.url.as_ref().map(|u| u.as_str()),
            tags: &analysis.tags,
            user_tags: new.tags.as_slice(),
            metadata: new.metadata.as_value(),
            captured_at,
        },
    )
    .await?;
    Ok(Memory {
        id: inserted.id,
        title: analysis.title,
        tags: analysis.tags,
        kind: analysis.kind.as_str().to_owned(),
        source: new.source.map(|s| s.as_str().to_owned()),
        url: new.url.map(|u| u.as_str().to_owned()),
        metadata: new.metadata.as_value().clone(),
        content: new.content.into_string(),
        captured_at,
        created_at: inserted.created_at,
        updated_at: inserted.updated_at,
    })
}

/// An id in a path that is not a UUID names no memory.
pub fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw).map_err(|_| ApiError::NotFound)
}

/// `GET /v1/memories/{id}`
pub async fn get(cx: &Ctx, key: &KeyHash, id: &str) -> Result<Response, ApiError> {
    let id = parse_id(id)?;
    let db = cx.db().await?;
    json(200, &sql::get(&db, key, id).await?.memory)
}

#[derive(Serialize)]
struct Page<T> {
    items: Vec<T>,
    next_cursor: Option<String>,
}

/// `GET /v1/memories?limit&cursor`: newest first.
pub async fn list(req: &Request, cx: &Ctx, key: &KeyHash) -> Result<Response, ApiError> {
    let params = query_params(req)?;
    let limit = PageLimit::parse(params.get("limit").map(String::as_str), &cx.config.limits)?;
    let cursor = Cursor::parse(params.get("cursor").map(String::as_str))?;
    let db = cx.db().await?;
    let mut items = sql::list(&db, key, limit, cursor).await?;
    let next_cursor = next_cursor(&mut items, limit, Memory::cursor);
    json(200, &Page { items, next_cursor })
}

/// How often a content patch is retried when the memory changes between
/// reading it and writing the recomputed title and tags.
const PATCH_ATTEMPTS: usize = 3;

/// `PATCH /v1/memories/{id}`: title and tags set here are the user's and are
/// kept when content changes later; a content change recomputes whatever the
/// user has not set.
pub async fn patch(req: &mut Request, cx: &Ctx, key: &KeyHash, id: &str) -> Result<Response, ApiError> {
    let id = parse_id(id)?;
    let limits = &cx.config.limits;
    let patch = MemoryPatch::parse(json_body(req, limits).await?, limits)?;
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
        return json(200, &sql::update(&db, key, id, &direct).await?.ok_or(ApiError::NotFound)?);
    };
    for _ in 0..PATCH_ATTEMPTS {
        let current = sql::get(&db, key, id).await?;
        let analysis = reanalyse(cx, &current, content, &patch)?;
        let change = Update {
            title: direct.title.or((!current.title_by_user).then_some(analysis.title.as_str())),
            tags: direct.tags.or((!current.tags_by_user).then_some(analysis.tags.as_slice())),
            content: Some(content.as_str()),
            kind: Some(analysis.kind.as_str()),
            if_updated_at: Some(current.memory.updated_at),
            ..direct
        };
        if let Some(memory) = sql::update(&db, key, id, &change).await? {
            return json(200, &memory);
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
pub async fn delete(cx: &Ctx, key: &KeyHash, id: &str) -> Result<Response, ApiError> {
    let id = parse_id(id)?;
    let db = cx.db().await?;
    if sql::delete(&db, key, id).await? {
        no_content()
    } else {
        Err(ApiError::NotFound)
    }
}
