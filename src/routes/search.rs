//! `GET /v1/search?q&tag&any_tag&kind&source&url&before&after&limit&cursor&include`:
//! ranked full-text search with filters and typo tolerance (the query
//! language is in `domain::search`).

use super::memories::include_content;
use super::Ctx;
use crate::config::Limits;
use crate::http::{Params, Reply};
use chrono::{DateTime, Utc};
use memo_api::domain::memory::MemoryItem;
use memo_api::domain::paging::{next_cursor, Cursor, PageLimit};
use memo_api::domain::search::{SearchParams, SearchQuery};
use memo_api::error::ApiError;
use memo_api::key::KeyHash;
use memo_api::sql::search::{self as sql, params::Inputs, Hit, Match, PageContent, SearchLimits};
use serde::Serialize;

/// A parsed search request, shared with the old server's `GET /search`.
pub struct SearchRequest {
    pub query: SearchQuery,
    pub limit: PageLimit,
    pub cursor: Option<Cursor>,
    /// The deployment's search limits.
    pub limits: SearchLimits,
    /// What the page carries of each hit's content.
    pub content: PageContent,
}

impl SearchRequest {
    /// `now`: when the request arrived, which bounds its dates.
    pub fn parse(params: &Params, limits: &Limits, now: DateTime<Utc>) -> Result<SearchRequest, ApiError> {
        let search = SearchParams {
            q: params.get("q"),
            tags: params.all("tag"),
            any_tags: params.all("any_tag"),
            kind: params.get("kind"),
            source: params.get("source"),
            before: params.get("before"),
            after: params.get("after"),
            url: params.get("url"),
        };
        Ok(SearchRequest {
            query: SearchQuery::parse(&search, limits, now)?,
            limit: PageLimit::parse(params.get("limit"), limits)?,
            cursor: Cursor::parse(params.get("cursor"))?,
            limits: SearchLimits::of(limits),
            content: PageContent {
                preview_chars: limits.preview_chars,
                budget: include_content(params)?.then_some(limits.max_page_content_bytes),
            },
        })
    }

    /// The page of hits and the cursor of the next page, if any. Every page
    /// sees the memories there were when the first was made (`Cursor::as_of`).
    pub async fn run(&self, cx: &Ctx, key: &KeyHash) -> Result<(Vec<Hit>, Option<String>), ApiError> {
        let db = cx.db().await?;
        let as_of = self.cursor.and_then(|cursor| cursor.as_of);
        let query = self.query.as_of(as_of);
        let inputs = Inputs {
            query: &query,
            limit: self.limit,
            cursor: self.cursor,
            limits: self.limits,
            content: self.content,
        };
        let found = sql::search(db, key, &inputs).await?;
        let as_of = as_of.or(found.newest);
        let mut hits = found.hits;
        let cursor = |hit: &Hit| Cursor { as_of, ..hit.cursor() };
        // A page cut at its budget of content goes on from its last hit.
        let next = if found.cut {
            hits.last().map(|hit| cursor(hit).encode())
        } else {
            next_cursor(&mut hits, self.limit, cursor)
        };
        Ok((hits, next))
    }
}

#[derive(Serialize)]
struct Item {
    #[serde(flatten)]
    item: MemoryItem,
    snippet: String,
    score: f32,
    /// `text` for full-text hits, `fuzzy` for typo or prefix matches, `id`
    /// when `q` is the memory's id.
    #[serde(rename = "match")]
    matched: Match,
}

#[derive(Serialize)]
struct Results<'a> {
    query: &'a str,
    items: Vec<Item>,
    next_cursor: Option<String>,
}

pub async fn search(cx: &Ctx, key: &KeyHash, params: &Params) -> Result<Reply, ApiError> {
    let request = SearchRequest::parse(params, &cx.config.limits, cx.now)?;
    let (hits, next_cursor) = request.run(cx, key).await?;
    let preview_chars = request.content.preview_chars;
    let items = hits
        .into_iter()
        .map(|hit| Item {
            item: MemoryItem::new(hit.memory, &hit.start, hit.content_length, preview_chars),
            snippet: hit.snippet,
            score: hit.score,
            matched: hit.matched,
        })
        .collect();
    Reply::json(200, &Results { query: request.query.raw(), items, next_cursor })
}
