//! SQL for search: one statement for every query shape, ranked, with
//! snippets computed only for the page returned.
//!
//! Hits come in tiers, each from its own index-backed branch, best first:
//!
//! 1. `id`: `q` is the id of one of the caller's memories (primary key);
//! 2. `text`: full-text matches of the web-search query, the newest
//!    `SEARCH_RANKED_MATCHES` (200) of them ranked, then, once a page goes
//!    past those, the older matches newest first with score 0; for a query
//!    of filters only, the memories that pass them, newest first. Matches
//!    come from the GIN on the tenant's search keys (migration 0006), first
//!    within the tenant's newest period (45 to 90 days, up to `before` if
//!    that is earlier), and over all time only when that holds too few; a
//!    query of kinds, dates and excluded words only walks the
//!    `(tenant_id, created_at)` index;
//! 3. `fuzzy`: only when full text finds fewer than three memories: the last
//!    word as a prefix (the search keys' GIN; a last word too short to be a
//!    prefix is left out, as not typed yet), and only when that
//!    finds fewer than three too, titles and tags with a word similar to the
//!    query's words (trigram GIN on `(tenant_id, memo_fuzzy_text)`); the
//!    newest `SEARCH_RANKED_MATCHES` candidates of each are scored.
//!    A filter-only query never reaches it: there are no words to be close to.
//!
//! The module is split by job:
//!
//! - [`params`]: the parameter table, each parameter's name, type (`$n`
//!   cast) and value, and their binding;
//! - `fragments`: the SQL fragments statements are made of;
//! - [`shape`]: which fragments a search's statement holds;
//! - [`protocol`]: how the worker and the search statement call
//!   `memo_search` and `memo_search_part` (migration 0014).
//!
//! Two parts run only for some searches: the fuzzy tier, and the text tier's
//! look at all of the caller's matches. Each is a statement of its own
//! ([`shape::fuzzy_statement`], [`shape::all_matches_statement`]), bound as a
//! value and run by the function `memo_search_part` from within the search
//! statement, so that Postgres parses and plans it only for the searches
//! that need it: planning them took 2 ms of every search with words.
//!
//! Each search sends one statement, holding only the parts its shape can use
//! ([`shape::statement`]). Parameters the query does not use are NULL.
//! Parsing and planning it took about 3 ms of a search's 10 in Postgres, so
//! the worker's statement ([`protocol::RUN_PREPARED`]) authenticates the
//! caller and hands the search statement, with the caller's tenant, to
//! `memo_search`, which prepares it once per server connection behind the
//! pool and runs its generic plan: one plan for all values. The statement is
//! written for that: what the values decide is decided by one-time filters
//! before any row is read, and what is derived from the query is computed
//! once (the CTE `text_query`). The walk by date is the exception
//! ([`shape::runs_prepared`]): it is sent as it is and planned for its
//! values. The integration test `tests/search-plans.test.mjs` runs `EXPLAIN`
//! on the plan of every shape, generic where it is, and checks that the
//! generic plan finds what the plan for the values does (statements printed
//! by `cargo run --example search_sql`).

#[macro_use]
mod protocol_macros;
#[macro_use]
mod fragments;
pub mod params;
pub mod protocol;
pub mod shape;

use super::memories::memory_from_row;
use super::Connection;
use crate::domain::memory::Memory;
use crate::domain::paging::Cursor;
use crate::error::ApiError;
use crate::key::KeyHash;
use crate::limits::Limits;
use chrono::{DateTime, Utc};
use params::{Bindings, Inputs};
use serde::Serialize;

/// How a hit matched the query; ranks before the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Match {
    /// Typo or prefix tolerance: close, not exact.
    Fuzzy = 0,
    /// Full text (or, for a query of filters only, the filters).
    Text = 1,
    /// `q` is this memory's id.
    Id = 2,
}

impl Match {
    fn from_tier(tier: i32) -> Match {
        match tier {
            2 => Match::Id,
            1 => Match::Text,
            _ => Match::Fuzzy,
        }
    }
}

pub struct Hit {
    /// The memory, its content only when the page carries contents.
    pub memory: Memory,
    /// At least the first `PageContent::preview_chars` characters of the content.
    pub start: String,
    /// The content's length in characters.
    pub content_length: usize,
    pub matched: Match,
    pub score: f32,
    /// HTML-escaped text around the matches, each match in `<mark>…</mark>`.
    pub snippet: String,
}

impl Hit {
    pub fn cursor(&self) -> Cursor {
        Cursor { score: Some(self.score), tier: Some(self.matched as u8), ..self.memory.cursor() }
    }
}

/// What one search statement found.
pub struct Found {
    /// The page, and one more hit if another page follows.
    pub hits: Vec<Hit>,
    /// When the caller's newest memory was made (none if they have none).
    pub newest: Option<DateTime<Utc>>,
    /// The page ended early, at its budget of content bytes: another follows
    /// from its last hit.
    pub cut: bool,
}

/// What a search page carries of each hit's content.
#[derive(Debug, Clone, Copy)]
pub struct PageContent {
    /// Characters of content read for a hit's preview.
    pub preview_chars: usize,
    /// `Some(bytes)`: whole contents too (`include=content`), the page ending
    /// early once they add up to `bytes` (a first hit comes whatever its size).
    pub budget: Option<usize>,
}

/// The deployment's limits that shape a search.
#[derive(Debug, Clone, Copy)]
pub struct SearchLimits {
    /// `SEARCH_RANKED_MATCHES`: how many of the newest matches are ranked.
    pub ranked_matches: usize,
    /// `SEARCH_SNIPPET_CHARS`: how much of a memory's content its snippet is made from.
    pub snippet_chars: usize,
}

impl SearchLimits {
    pub fn of(limits: &Limits) -> SearchLimits {
        SearchLimits { ranked_matches: limits.search_ranked_matches, snippet_chars: limits.search_snippet_chars }
    }
}

/// The caller's memories matching `query`, best first (see the module doc),
/// one page after `cursor` plus one more hit if another page follows.
pub async fn search(db: &impl Connection, key: &KeyHash, inputs: &Inputs<'_>) -> Result<Found, ApiError> {
    let bindings = Bindings::new(inputs);
    let sql = shape::statement(inputs.query, inputs.limit, inputs.cursor, inputs.limits.ranked_matches);
    let rows = if shape::runs_prepared(inputs.query) {
        let params: [super::Param<'_>; 2] =
            [(bindings.all(), tokio_postgres::types::Type::JSONB), (&sql, tokio_postgres::types::Type::TEXT)];
        db.query_authed(key, protocol::RUN_PREPARED, &params).await?
    } else {
        db.query_authed(key, &sql, &bindings.params()).await?
    };
    let hits: Vec<Hit> = rows
        .iter()
        .filter_map(|row| {
            let stored = memory_from_row(row)?;
            Some(Hit {
                memory: stored.memory,
                start: row.get::<_, Option<String>>("start").unwrap_or_default(),
                content_length: usize::try_from(row.get::<_, Option<i32>>("content_length").unwrap_or(0)).unwrap_or(0),
                matched: Match::from_tier(row.get("tier")),
                score: row.get("score"),
                // None past the page (`SELECT_PAGE`).
                snippet: row.get::<_, Option<String>>("snippet").unwrap_or_default(),
            })
        })
        .collect();
    let found = rows.first().and_then(|row| row.get::<_, Option<i64>>("found")).unwrap_or(0);
    Ok(Found {
        cut: usize::try_from(found).unwrap_or(usize::MAX) > hits.len(),
        newest: rows.first().and_then(|row| row.get("newest")),
        hits,
    })
}
