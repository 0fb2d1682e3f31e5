//! The parameters of a search statement: one table ([`PARAMS`]) gives each
//! its name, its Postgres type and so its `$n` cast (`$3::text`, the first;
//! `$1` is the caller and `$2` all of them as one value, see
//! [`super::protocol`]), and where its value comes from. A new filter is a
//! row here, the SQL fragment that reads it (`fragments`) and the query
//! language (`domain::search`); nothing else.

use super::{shape, Match, SearchLimits};
use crate::domain::paging::{Cursor, PageLimit};
use crate::domain::search::SearchQuery;
use crate::sql::Param;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use tokio_postgres::types::{ToSql, Type};
use uuid::Uuid;

/// What one search binds: the query, the page and the deployment's limits.
pub struct Inputs<'a> {
    pub query: &'a SearchQuery,
    pub limit: PageLimit,
    pub cursor: Option<Cursor>,
    pub limits: SearchLimits,
    pub content: super::PageContent,
}

/// A parameter's value, of one of the types the table uses.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Bound {
    Text(Option<String>),
    Texts(Option<Vec<String>>),
    Uuid(Option<Uuid>),
    Time(Option<DateTime<Utc>>),
    Int8(Option<i64>),
    Int4(Option<i32>),
    Float4(Option<f32>),
    Bool(bool),
}

impl Bound {
    fn as_sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Bound::Text(v) => v,
            Bound::Texts(v) => v,
            Bound::Uuid(v) => v,
            Bound::Time(v) => v,
            Bound::Int8(v) => v,
            Bound::Int4(v) => v,
            Bound::Float4(v) => v,
            Bound::Bool(v) => v,
        }
    }
}

/// One parameter of a search statement.
pub struct SearchParam {
    /// Its name in the parameters' value (`$2`) and in `memo_search_part`'s overrides.
    pub name: &'static str,
    /// Its type as statements cast it (`$n::<sql_type>`) and Postgres names it.
    pub sql_type: &'static str,
    pub pg_type: Type,
    /// Its value for a search.
    pub value: fn(&Inputs<'_>) -> Bound,
}

/// Where the first parameter of the table is: `$3`.
pub const FIRST: usize = 3;

const fn param(
    name: &'static str,
    sql_type: &'static str,
    pg_type: Type,
    value: fn(&Inputs<'_>) -> Bound,
) -> SearchParam {
    SearchParam { name, sql_type, pg_type, value }
}

fn int8(n: usize) -> Bound {
    Bound::Int8(Some(i64::try_from(n).unwrap_or(i64::MAX)))
}

fn int4(n: usize) -> Bound {
    Bound::Int4(Some(i32::try_from(n).unwrap_or(i32::MAX)))
}

fn tags(tags: &[String]) -> Bound {
    Bound::Texts((!tags.is_empty()).then(|| tags.to_vec()))
}

/// Every parameter of a search statement, `$3` first, in order. A query
/// leaves NULL what it does not use.
pub static PARAMS: [SearchParam; 26] = [
    // The web-search text, then without its last word, and that word as a prefix.
    param("text", "text", Type::TEXT, |i| Bound::Text(i.query.text.clone())),
    param("text_before_prefix", "text", Type::TEXT, |i| Bound::Text(i.query.text_before_prefix.clone())),
    param("prefix", "text", Type::TEXT, |i| Bound::Text(i.query.prefix.clone())),
    param("fuzzy_words", "text", Type::TEXT, |i| Bound::Text(i.query.fuzzy_words.clone())),
    param("phrase", "text", Type::TEXT, |i| Bound::Text(i.query.phrase.clone())),
    param("memory_id", "uuid", Type::UUID, |i| Bound::Uuid(i.query.memory_id)),
    // The filters.
    param("all_tags", "text[]", Type::TEXT_ARRAY, |i| tags(&i.query.filters.all_tags)),
    param("any_tags", "text[]", Type::TEXT_ARRAY, |i| tags(&i.query.filters.any_tags)),
    param("kind", "text", Type::TEXT, |i| Bound::Text(i.query.filters.kind.map(|k| k.as_str().to_owned()))),
    param("source", "text", Type::TEXT, |i| Bound::Text(i.query.filters.source.clone())),
    param("after", "timestamptz", Type::TIMESTAMPTZ, |i| Bound::Time(i.query.filters.after)),
    param("before", "timestamptz", Type::TIMESTAMPTZ, |i| Bound::Time(i.query.filters.before)),
    // The page: its size plus one, and the cursor (tier, score, created_at, id).
    param("probe", "int8", Type::INT8, |i| Bound::Int8(Some(i.limit.probe()))),
    param("cursor_tier", "int4", Type::INT4, |i| {
        // Cursors of the time before tiers were all full-text hits.
        Bound::Int4(i.cursor.and_then(|c| c.score.map(|_| i32::from(c.tier.unwrap_or(Match::Text as u8)))))
    }),
    param("cursor_score", "float4", Type::FLOAT4, |i| Bound::Float4(i.cursor.and_then(|c| c.score))),
    param("cursor_created_at", "timestamptz", Type::TIMESTAMPTZ, |i| Bound::Time(i.cursor.map(|c| c.created_at))),
    param("cursor_id", "uuid", Type::UUID, |i| Bound::Uuid(i.cursor.map(|c| c.id))),
    // SEARCH_RANKED_MATCHES.
    param("ranked_matches", "int8", Type::INT8, |i| int8(i.limits.ranked_matches)),
    // The deferred parts' statements (`shape`), run by `memo_search_part`.
    param("fuzzy_statement", "text", Type::TEXT, |i| Bound::Text(shape::fuzzy_statement(i.query))),
    param("all_matches_statement", "text", Type::TEXT, |i| Bound::Text(shape::all_matches_statement(i.query))),
    // SEARCH_SNIPPET_CHARS.
    param("snippet_chars", "int4", Type::INT4, |i| int4(i.limits.snippet_chars)),
    // When the caller's newest memory was made: set by `memo_search_part` for a part.
    param("newest", "timestamptz", Type::TIMESTAMPTZ, |_| Bound::Time(None)),
    // What the page carries of each hit's content (`PREVIEW_CHARS`, `include=content`, `MAX_PAGE_CONTENT_BYTES`).
    param("preview_chars", "int4", Type::INT4, |i| int4(i.content.preview_chars)),
    param("with_content", "bool", Type::BOOL, |i| Bound::Bool(i.content.budget.is_some())),
    param("content_budget", "int8", Type::INT8, |i| i.content.budget.map_or(Bound::Int8(None), int8)),
    // The `url:` filter.
    param("url", "text", Type::TEXT, |i| Bound::Text(i.query.filters.url.clone())),
];

/// The values of one search's parameters, in the table's order.
#[derive(Debug)]
pub struct Bindings {
    values: Vec<Bound>,
    /// All of them as one value (`$2`): `[{name, type, value}, …]`.
    all: Value,
}

impl Bindings {
    pub fn new(inputs: &Inputs<'_>) -> Bindings {
        let values: Vec<Bound> = PARAMS.iter().map(|p| (p.value)(inputs)).collect();
        let all = Value::Array(
            PARAMS.iter().zip(&values).map(|(p, v)| json!({"name": p.name, "type": p.sql_type, "value": v})).collect(),
        );
        Bindings { values, all }
    }

    /// `$2`, all the parameters as one value, as `memo_search` and `memo_search_part` take them.
    pub fn all(&self) -> &Value {
        &self.all
    }

    /// `$2`… with their types, for a statement the worker sends as it is.
    pub fn params(&self) -> Vec<Param<'_>> {
        std::iter::once((&self.all as &(dyn ToSql + Sync), Type::JSONB))
            .chain(self.values.iter().zip(&PARAMS).map(|(v, p)| (v.as_sql(), p.pg_type.clone())))
            .collect()
    }

    /// `$2`… as JSON (`$2` as its text), for `examples/search_sql.rs`.
    pub fn to_json(&self) -> Value {
        std::iter::once(Value::String(self.all.to_string()))
            .chain(self.values.iter().map(|v| serde_json::to_value(v).unwrap_or(Value::Null)))
            .collect()
    }
}

/// The Postgres types of `$2`… (`$1` is the caller's).
pub fn types() -> impl Iterator<Item = &'static str> {
    std::iter::once("jsonb").chain(PARAMS.iter().map(|p| p.sql_type))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search::SearchParams;
    use crate::limits::Limits;

    /// Every `$n::type` written in every fragment, as the table types `$n`.
    #[test]
    fn every_cast_in_the_statements_is_the_table_s() {
        let now = DateTime::from_timestamp(1_780_000_000, 0).expect("2026");
        let limit = PageLimit::parse(None, &Limits::default()).expect("the default limit");
        let cursor = Cursor { created_at: now, id: Uuid::nil(), score: Some(0.5), tier: Some(1), as_of: None };
        let mut statements = Vec::new();
        for q in ["kubernetes deploym", "#rust after:2025-01-01 rust", "-python", "東京", "rust before:2025-01-01"] {
            let params = SearchParams { q: Some(q), ..Default::default() };
            let query = SearchQuery::parse(&params, &Limits::default(), now).expect("a valid query");
            statements.push(shape::statement(&query, limit, Some(cursor), 200));
            statements.extend(shape::fuzzy_statement(&query));
            statements.extend(shape::all_matches_statement(&query));
        }
        let types: Vec<&str> = types().collect();
        let mut seen = std::collections::BTreeSet::new();
        for sql in &statements {
            for (at, _) in sql.match_indices('$') {
                let rest = &sql[at + 1..];
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                let Ok(n) = digits.parse::<usize>() else { continue };
                let Some(cast) = rest[digits.len()..].strip_prefix("::") else { continue };
                let cast: String =
                    cast.chars().take_while(|c| c.is_ascii_alphanumeric() || "[]".contains(*c)).collect();
                if n == 1 {
                    assert!(cast == "uuid", "$1 is the tenant where it is cast: {cast}");
                    continue;
                }
                assert_eq!(cast, types[n - 2], "${n}::{cast} but the table has {}", types[n - 2]);
                seen.insert(n);
            }
        }
        assert!(seen.len() > 20, "the statements cast most parameters: {seen:?}");
    }

    #[test]
    fn the_table_s_names_are_distinct_and_its_types_agree() {
        let names: std::collections::BTreeSet<_> = PARAMS.iter().map(|p| p.name).collect();
        assert_eq!(names.len(), PARAMS.len());
        for p in &PARAMS {
            let name = p.pg_type.name();
            let expected = match p.sql_type {
                "text[]" => "_text",
                other => other,
            };
            assert_eq!(name, expected, "{}", p.name);
        }
    }
}
