//! `GET /v1/search?q&limit&cursor`: ranked full-text search.

use super::Ctx;
use crate::auth::KeyHash;
use crate::db::search::{self as sql, Hit};
use crate::domain::memory::Memory;
use crate::domain::paging::{next_cursor, Cursor, PageLimit};
use crate::domain::search::SearchText;
use crate::error::ApiError;
use crate::http::{Params, Reply};
use serde::Serialize;

/// A parsed search request, shared with the old server's `GET /search`.
pub struct SearchRequest {
    pub text: SearchText,
    pub limit: PageLimit,
    pub cursor: Option<Cursor>,
}

impl SearchRequest {
    pub fn parse(params: &Params, cx: &Ctx) -> Result<SearchRequest, ApiError> {
        let param = |name: &str| params.get(name).map(String::as_str);
        let limits = &cx.config.limits;
        Ok(SearchRequest {
            text: SearchText::parse(param("q"), limits)?,
            limit: PageLimit::parse(param("limit"), limits)?,
            cursor: Cursor::parse(param("cursor"))?,
        })
    }

    /// The page of hits and the cursor of the next page, if any.
    pub async fn run(&self, cx: &Ctx, key: &KeyHash) -> Result<(Vec<Hit>, Option<String>), ApiError> {
        let db = cx.db().await?;
        let mut hits = sql::search(db, key, self.text.as_str(), self.limit, self.cursor).await?;
        let next = next_cursor(&mut hits, self.limit, Hit::cursor);
        Ok((hits, next))
    }
}

#[derive(Serialize)]
struct Item {
    #[serde(flatten)]
    memory: Memory,
    snippet: String,
    score: f32,
}

#[derive(Serialize)]
struct Results<'a> {
    query: &'a str,
    items: Vec<Item>,
    next_cursor: Option<String>,
}

pub async fn search(cx: &Ctx, key: &KeyHash, params: &Params) -> Result<Reply, ApiError> {
    let request = SearchRequest::parse(params, cx)?;
    let (hits, next_cursor) = request.run(cx, key).await?;
    let items =
        hits.into_iter().map(|hit| Item { memory: hit.memory, snippet: hit.snippet, score: hit.score }).collect();
    Reply::json(200, &Results { query: request.text.as_str(), items, next_cursor })
}
