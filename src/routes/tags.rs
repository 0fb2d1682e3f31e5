//! `GET /v1/tags`: the caller's tag vocabulary, for autocompletion.

use super::Ctx;
use crate::auth::KeyHash;
use crate::db::tags::{self as sql, TagCount};
use crate::domain::paging::PageLimit;
use crate::domain::tags::TagPrefix;
use crate::error::ApiError;
use crate::http::{Params, Reply};
use serde::Serialize;

#[derive(Serialize)]
struct Tags {
    tags: Vec<TagCount>,
}

/// `GET /v1/tags?prefix&limit`: most used first, then by name.
pub async fn list(cx: &Ctx, key: &KeyHash, params: &Params) -> Result<Reply, ApiError> {
    let prefix = TagPrefix::parse(params.get("prefix"), &cx.config.limits)?;
    let limit = PageLimit::parse(params.get("limit"), &cx.config.limits)?;
    let tags = sql::tags(cx.db().await?, key, &prefix, limit).await?;
    Reply::json(200, &Tags { tags })
}
