//! `GET /v1/tags`: the caller's tag vocabulary, for autocompletion.

use super::Ctx;
use crate::http::{Params, Reply};
use memo_api::domain::paging::PageLimit;
use memo_api::domain::tags::TagPrefix;
use memo_api::error::ApiError;
use memo_api::key::KeyHash;
use memo_api::sql::tags::{self as sql, TagCount};
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
