//! The MCP server's only way into memories: small calls onto the REST API's
//! parsing, domain types and SQL (`routes`, `domain`, `db`), so each rule
//! keeps one owner and the shapes the MCP answers are made here, in one place.

use crate::http::Params;
use crate::routes::memories::{apply_patch, store_capture};
use crate::routes::search::SearchRequest;
use crate::routes::{stats, Ctx};
use chrono::{DateTime, Utc};
use memo_api::domain::memory::Memory;
use memo_api::domain::paging::{Cursor, PageLimit};
use memo_api::domain::patch::MemoryPatch;
use memo_api::error::ApiError;
use memo_api::key::KeyHash;
use memo_api::sql::memories as sql;
use memo_api::sql::search::Match;
use memo_api::sql::stats::Stats;
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

/// The caller of one MCP request: the request's context and key.
pub struct Caller<'a> {
    cx: &'a Ctx,
    key: &'a KeyHash,
}

/// A memory without its content: what lists, searches and writes answer.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub id: Uuid,
    pub title: String,
    pub tags: Vec<String>,
    pub kind: String,
    pub source: Option<String>,
    pub url: Option<String>,
    /// The content's length in characters.
    pub content_length: usize,
    pub captured_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Summary {
    /// `content_length`: the content's length in characters (lists and
    /// searches do not read the content itself).
    /// A memory read with its content.
    fn whole(memory: &Memory) -> Summary {
        Summary::of(memory, memory.content.chars().count())
    }

    fn of(memory: &Memory, content_length: usize) -> Summary {
        Summary {
            id: memory.id,
            title: memory.title.clone(),
            tags: memory.tags.clone(),
            kind: memory.kind.clone(),
            source: memory.source.clone(),
            url: memory.url.clone(),
            content_length,
            captured_at: memory.captured_at,
            created_at: memory.created_at,
            updated_at: memory.updated_at,
        }
    }
}

/// A memory with its content, as `memo_get` and `resources/read` need it.
pub struct Full {
    pub summary: Summary,
    pub content: String,
}

/// One search hit.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    #[serde(flatten)]
    pub memory: Summary,
    /// Plain text around the matches, each match between `**`.
    pub snippet: String,
    pub score: f32,
    #[serde(rename = "match")]
    pub matched: Match,
}

/// What a capture did, in the words of `memo_save`.
pub fn outcome(updated: bool, duplicate: bool) -> &'static str {
    match (updated, duplicate) {
        (true, _) => "updated",
        (_, true) => "duplicate",
        _ => "created",
    }
}

impl<'a> Caller<'a> {
    pub fn new(cx: &'a Ctx, key: &'a KeyHash) -> Caller<'a> {
        Caller { cx, key }
    }

    pub fn limits(&self) -> &crate::config::Limits {
        &self.cx.config.limits
    }

    /// Notes a statement's outcome (see [`Ctx::note_key`]).
    fn note<T>(&self, result: Result<T, ApiError>) -> Result<T, ApiError> {
        self.cx.note_key(result)
    }

    /// Authenticates the key if no statement of this request has: methods
    /// that read no memories (`initialize`, `tools/list`, rejected
    /// arguments) must not answer a revoked key either.
    pub async fn verify(&self) -> Result<(), ApiError> {
        self.cx.check_key(self.key).await
    }

    /// Captures a body shaped like `POST /v1/memories`; the status is
    /// `created`, `updated` or `duplicate`.
    pub async fn save(&self, body: Map<String, Value>) -> Result<(&'static str, Summary), ApiError> {
        let captured = self.note(store_capture(self.cx, self.key, body).await)?;
        Ok((outcome(captured.updated, captured.duplicate), Summary::whole(&captured.memory)))
    }

    /// A search with the parameters of `GET /v1/search`: the query as
    /// understood, the hits, and the next page's cursor.
    pub async fn search(&self, params: &Params) -> Result<(String, Vec<Found>, Option<String>), ApiError> {
        let request = SearchRequest::parse(params, self.limits(), self.cx.now)?;
        let (hits, next) = self.note(request.run(self.cx, self.key).await)?;
        let found = hits
            .into_iter()
            .map(|hit| Found {
                memory: Summary::of(&hit.memory, hit.content_length),
                snippet: plain_snippet(&hit.snippet),
                score: hit.score,
                matched: hit.matched,
            })
            .collect();
        Ok((request.query.raw().to_owned(), found, next))
    }

    pub async fn get(&self, id: Uuid) -> Result<Full, ApiError> {
        let db = self.cx.db().await?;
        let stored = self.note(sql::get(db, self.key, id).await)?;
        Ok(Full { summary: Summary::whole(&stored.memory), content: stored.memory.content })
    }

    pub async fn update(&self, id: Uuid, patch: &MemoryPatch) -> Result<Summary, ApiError> {
        let memory = self.note(apply_patch(self.cx, self.key, id, patch).await)?;
        Ok(Summary::whole(&memory))
    }

    /// `false` when there was no such memory.
    pub async fn delete(&self, id: Uuid) -> Result<bool, ApiError> {
        let db = self.cx.db().await?;
        self.note(sql::delete(db, self.key, id).await)
    }

    pub async fn stats(&self) -> Result<Stats, ApiError> {
        let db = self.cx.db().await?;
        self.note(memo_api::sql::stats::stats(db, self.key, stats::TOP_TAGS).await)
    }

    /// A page of the newest memories, as `GET /v1/memories` lists them
    /// (`limit` and `cursor` as its query parameters).
    pub async fn newest(
        &self,
        limit: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<(Vec<Summary>, Option<String>), ApiError> {
        let limit = PageLimit::parse(limit, self.limits())?;
        let cursor = Cursor::parse(cursor)?;
        let db = self.cx.db().await?;
        // Summaries carry no content: only the preview's characters are read.
        let content = sql::ListContent { preview_chars: 0, budget: None };
        let page = self.note(sql::list(db, self.key, limit, cursor, content, None).await)?;
        Ok((
            page.items.iter().map(|(stored, start)| Summary::of(&stored.memory, start.content_length)).collect(),
            page.next_cursor(),
        ))
    }
}

/// A search snippet as plain text: the SQL makes it HTML for browsers
/// (`&`, `<`, `>` escaped, matches in `<mark>`); a model reads markdown
/// better. `&amp;` goes last so escaped entities in the content survive.
pub fn plain_snippet(html: &str) -> String {
    html.replace("<mark>", "**")
        .replace("</mark>", "**")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_become_plain_text() {
        assert_eq!(plain_snippet("a <mark>b</mark> &lt;c&gt; &amp;lt;"), "a **b** <c> &lt;");
    }

    #[test]
    fn outcomes_are_named() {
        assert_eq!(outcome(false, false), "created");
        assert_eq!(outcome(true, false), "updated");
        assert_eq!(outcome(false, true), "duplicate");
    }
}
