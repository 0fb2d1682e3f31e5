//! Tidying tags: `POST /v1/tags/rename`, `/v1/tags/merge`, `/v1/tags/delete`
//! across all the caller's memories, and `POST /v1/memories/bulk` (add or
//! remove tags on, or delete, chosen memories). Each is one statement and
//! idempotent: a repeat answers `changed: 0`.

use super::Ctx;
use crate::http::Reply;
use memo_api::domain::parse_object;
use memo_api::domain::tag_edits::{Bulk, BulkAction, TagEdit};
use memo_api::error::ApiError;
use memo_api::key::KeyHash;
use memo_api::sql::tag_edits as sql;
use serde::Serialize;
use uuid::Uuid;

#[derive(Serialize)]
struct Changed {
    changed: i64,
    /// Memories left as they were because they would exceed `MAX_TAGS`.
    #[serde(skip_serializing_if = "Option::is_none")]
    over_tag_limit: Option<Vec<Uuid>>,
}

/// Which tag route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagRoute {
    Rename,
    Merge,
    Delete,
}

pub async fn tags(cx: &Ctx, key: &KeyHash, route: TagRoute, body: &[u8]) -> Result<Reply, ApiError> {
    let body = parse_object(body)?;
    let limits = &cx.config.limits;
    let edit = match route {
        TagRoute::Rename => TagEdit::rename(body, limits)?,
        TagRoute::Merge => TagEdit::merge(body, limits)?,
        TagRoute::Delete => TagEdit::delete(body, limits)?,
    };
    let edited = sql::edit(cx.db().await?, key, &edit, None, limits.max_tags as i64).await?;
    Reply::json(200, &Changed { changed: edited.changed, over_tag_limit: None })
}

pub async fn bulk(cx: &Ctx, key: &KeyHash, body: &[u8]) -> Result<Reply, ApiError> {
    let limits = &cx.config.limits;
    let bulk = Bulk::parse(parse_object(body)?, limits, limits.max_bulk_ids)?;
    let db = cx.db().await?;
    let reply = match &bulk.action {
        BulkAction::Delete => Changed { changed: sql::delete(db, key, &bulk.ids).await?, over_tag_limit: None },
        BulkAction::Edit(edit) => {
            let edited = sql::edit(db, key, edit, Some(&bulk.ids), limits.max_tags as i64).await?;
            Changed { changed: edited.changed, over_tag_limit: Some(edited.over_limit) }
        }
    };
    Reply::json(200, &reply)
}
