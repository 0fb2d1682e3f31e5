//! The search request: the query language of `q` and the filter parameters,
//! parsed into a [`SearchQuery`] that the SQL in `sql::search` can run as is.
//!
//! `q` is web-search syntax (words, `"quoted phrases"`, `or`, `-excluded`),
//! which Postgres's `websearch_to_tsquery` reads, plus operators that this
//! module takes out of the text:
//!
//! | in `q`            | parameter        | meaning                                    |
//! |-------------------|------------------|--------------------------------------------|
//! | `#rust`           | `tag=rust`       | has the tag (repeat: has all of them)      |
//! |                   | `any_tag=a,b`    | has at least one of the tags               |
//! | `kind:note`       | `kind=note`      | is of that kind                            |
//! | `source:cli`      | `source=cli`     | came from that source (exact)              |
//! | `after:2025-01-31`| `after=…`        | saved on or after that day (UTC) or instant |
//! | `before:2025-02`  | `before=…`       | saved before that day (UTC) or instant     |
//! | `url:https://…`   | `url=…`          | stored with exactly that URL               |
//!
//! Dates lie between 1970 and a year after the request ([`EARLIEST_DATE`],
//! [`DATES_AHEAD_DAYS`]): farther ones match nothing a user saved, and a
//! range of thousands of years made the search keys' time window generate
//! a million periods.
//!
//! Besides the web-search text it derives what typo tolerance and ranking
//! need: the last word as a prefix (while typing), the positive words for
//! trigram similarity, the words as a phrase (exact-phrase boost), and a
//! memory id when `q` is one. Chinese, Japanese and Korean runs become
//! phrases of single characters, matching how the database indexes them.

use crate::domain::fields::{normalise_tag, PageUrl, Source};
use crate::error::FieldError;
use crate::limits::Limits;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use memo_core::Kind;
use serde_json::Value;
use std::borrow::Cow;
use uuid::Uuid;

/// Shortest last word that is also matched as a prefix: shorter prefixes
/// match too much of a large store to be useful, or fast.
const MIN_PREFIX_CHARS: usize = 3;

/// The earliest date a search accepts: 1970-01-01, the Unix epoch.
pub const EARLIEST_DATE: DateTime<Utc> = DateTime::UNIX_EPOCH;

/// How far past the request's time a search date may lie, in days.
pub const DATES_AHEAD_DAYS: i64 = 366;

/// The raw parameters of a search, as the request carried them.
#[derive(Debug, Default, Clone)]
pub struct SearchParams<'a> {
    pub q: Option<&'a str>,
    /// Every `tag` value (the parameter may repeat).
    pub tags: Vec<&'a str>,
    /// Every `any_tag` value (may repeat, and may list tags separated by commas).
    pub any_tags: Vec<&'a str>,
    pub kind: Option<&'a str>,
    pub source: Option<&'a str>,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub url: Option<&'a str>,
}

/// Conditions every hit must meet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// Hits have all of these tags.
    pub all_tags: Vec<String>,
    /// Hits have at least one of these tags (when any are given).
    pub any_tags: Vec<String>,
    pub kind: Option<Kind>,
    pub source: Option<String>,
    /// Saved at or after this instant.
    pub after: Option<DateTime<Utc>>,
    /// Saved before this instant.
    pub before: Option<DateTime<Utc>>,
    /// Stored with exactly this URL.
    pub url: Option<String>,
}

/// A parsed search: what to match and how to rank it.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    /// `q` as given, trimmed: echoed in the response.
    raw: String,
    /// The free text in web-search syntax, operators removed; `None` when `q`
    /// held only filters (then hits come newest first).
    pub text: Option<String>,
    /// The text without its last word, when that word may be unfinished:
    /// matched with the word as a prefix, or alone when the word is too
    /// short to be one.
    pub text_before_prefix: Option<String>,
    /// The last word, lowercase, when it may be an unfinished word.
    pub prefix: Option<String>,
    /// The positive words, for trigram similarity with titles and tags;
    /// `None` when the query excludes words.
    pub fuzzy_words: Option<String>,
    /// Two or more plain words: hits containing them as a phrase rank first.
    pub phrase: Option<String>,
    /// The text only excludes (`-python`, `-"borrow checker"`, joined by
    /// `or`): it matches by what memories lack, which no index can find, so
    /// its hits are the newest memories that pass it.
    pub excludes_only: bool,
    /// `q` is a memory id: that memory comes first.
    pub memory_id: Option<Uuid>,
    pub filters: Filters,
}

/// One whitespace-separated piece of `q` (quoted parts keep their spaces).
#[derive(Debug, Clone, PartialEq)]
enum Token<'a> {
    /// A bare word.
    Word(&'a str),
    /// Anything else for `websearch_to_tsquery`: `"phrases"`, `-excluded`, `or`.
    Syntax(&'a str),
    Tag(String),
    Kind(&'a str),
    Source(&'a str),
    After(&'a str),
    Before(&'a str),
    Url(&'a str),
}

impl SearchQuery {
    /// `now`: when the request arrived, which bounds its dates.
    pub fn parse(params: &SearchParams<'_>, limits: &Limits, now: DateTime<Utc>) -> Result<SearchQuery, FieldError> {
        let raw = params.q.map(str::trim).unwrap_or_default();
        check_text("q", raw, limits.max_query_chars, "MAX_QUERY_CHARS")?;
        let mut filters = Filters::default();
        let mut text_tokens = Vec::new();
        for token in tokens(raw) {
            match classify(token) {
                Token::Tag(tag) => push_unique(&mut filters.all_tags, tag),
                Token::Kind(name) => set_once(&mut filters.kind, "q", parse_kind("q", name)?)?,
                Token::Source(name) => set_once(&mut filters.source, "q", parse_source("q", name, limits)?)?,
                Token::After(date) => filters.after = Some(parse_instant("q", "after:", date, now)?),
                Token::Before(date) => filters.before = Some(parse_instant("q", "before:", date, now)?),
                Token::Url(url) => set_once(&mut filters.url, "q", parse_url("q", url, limits)?)?,
                text => text_tokens.push(text),
            }
        }
        for tag in &params.tags {
            push_unique(&mut filters.all_tags, parse_tag("tag", tag)?);
        }
        for tag in params.any_tags.iter().flat_map(|list| list.split(',')) {
            push_unique(&mut filters.any_tags, parse_tag("any_tag", tag)?);
        }
        for (field, tags) in [("tag", &filters.all_tags), ("any_tag", &filters.any_tags)] {
            if tags.len() > limits.max_tags {
                return Err(FieldError::new(field, format!("at most {} tags (MAX_TAGS)", limits.max_tags)));
            }
        }
        if let Some(kind) = params.kind {
            set_once(&mut filters.kind, "kind", parse_kind("kind", kind)?)?;
        }
        if let Some(source) = params.source {
            set_once(&mut filters.source, "source", parse_source("source", source, limits)?)?;
        }
        if let Some(url) = params.url {
            set_once(&mut filters.url, "url", parse_url("url", url, limits)?)?;
        }
        if let Some(after) = params.after {
            let after = parse_instant("after", "after", after, now)?;
            filters.after = filters.after.max(Some(after));
        }
        if let Some(before) = params.before {
            let before = parse_instant("before", "before", before, now)?;
            filters.before = Some(filters.before.map_or(before, |b| b.min(before)));
        }
        if let (Some(after), Some(before)) = (filters.after, filters.before) {
            if after >= before {
                return Err(FieldError::new("before", "before must be later than after"));
            }
        }
        if text_tokens.is_empty() && filters == Filters::default() {
            return Err(FieldError::new("q", "query parameter q is required (words, or filters such as #tag)"));
        }
        Ok(SearchQuery::from_text(raw, &text_tokens, filters))
    }

    fn from_text(raw: &str, tokens: &[Token<'_>], filters: Filters) -> SearchQuery {
        let as_text = |tokens: &[Token<'_>]| {
            let pieces: Vec<String> = tokens.iter().map(|t| cjk_as_phrases(token_text(t))).collect();
            Some(pieces.join(" ")).filter(|text| !text.is_empty())
        };
        let words: Vec<&str> = tokens
            .iter()
            .filter_map(|t| match t {
                Token::Word(word) => Some(*word),
                _ => None,
            })
            .collect();
        let plain = words.len() == tokens.len();
        // Similar titles cannot honour `-excluded` words: no trigram
        // matching for queries with exclusions.
        let excludes = tokens.iter().any(|t| token_text(t).starts_with('-'));
        let is_or = |t: &Token<'_>| token_text(t).eq_ignore_ascii_case("or");
        let excludes_only = tokens.iter().any(|t| is_exclusion(token_text(t)))
            && tokens.iter().all(|t| is_or(t) || is_exclusion(token_text(t)));
        // The last word may be unfinished only if the user is still typing
        // it into a plain conjunction (not an `or` alternative, not a
        // phrase). Long enough, it is matched as a prefix; shorter (`tokio
        // mu`), the words before it are matched alone: `mu:*` would be a
        // large part of the vocabulary.
        let typing_at = match tokens {
            [.., or, Token::Word(_)] if is_or(or) => None,
            [.., Token::Word(last)] if !last.chars().any(is_cjk) => Some(tokens.len() - 1),
            _ => None,
        };
        let prefix_at = typing_at.filter(|&at| is_prefix_word(token_text(&tokens[at])));
        let words_text = Some(words.join(" ")).filter(|w| !w.is_empty());
        // Titles "similar" to one or two letters are most titles, and none
        // is what the user meant: similarity needs a word of three letters
        // (or CJK, where two characters are a word).
        let similar_worthy = words.iter().any(|w| is_prefix_word(w) || w.chars().any(is_cjk));
        SearchQuery {
            raw: raw.to_owned(),
            text: as_text(tokens),
            text_before_prefix: typing_at.and_then(|at| as_text(&tokens[..at])),
            prefix: prefix_at.map(|at| token_text(&tokens[at]).to_lowercase()),
            fuzzy_words: words_text.clone().filter(|_| !excludes && similar_worthy),
            phrase: words_text.filter(|_| plain && words.len() >= 2),
            excludes_only,
            memory_id: Uuid::try_parse(raw).ok(),
            filters,
        }
    }

    /// `q` as given, trimmed.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The query for a later page of a search whose first page was made when
    /// the caller's newest memory was made at `as_of` (`Cursor::as_of`):
    /// memories made after it are left out, as a bound on `before`.
    pub fn as_of(&self, as_of: Option<DateTime<Utc>>) -> Cow<'_, SearchQuery> {
        let Some(as_of) = as_of else {
            return Cow::Borrowed(self);
        };
        let bound = as_of.checked_add_signed(TimeDelta::microseconds(1)).unwrap_or(as_of);
        let mut query = self.clone();
        query.filters.before = Some(query.filters.before.map_or(bound, |before| before.min(bound)));
        Cow::Owned(query)
    }
}

/// Splits on whitespace outside double quotes, so `"a b"` and `source:"x y"`
/// stay one token each. An unclosed quote runs to the end.
fn tokens(q: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = None;
    let mut quoted = false;
    for (at, c) in q.char_indices() {
        if c == '"' {
            quoted = !quoted;
        }
        match (start, c.is_whitespace() && !quoted) {
            (None, false) => start = Some(at),
            (Some(from), true) => {
                tokens.push(&q[from..at]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        tokens.push(&q[from..]);
    }
    tokens
}

fn classify(token: &str) -> Token<'_> {
    if let Some(tag) = token.strip_prefix('#').map(normalise_tag).filter(|t| !t.is_empty()) {
        return Token::Tag(tag);
    }
    if let Some((key, value)) = token.split_once(':') {
        let value = unquote(value);
        if !value.is_empty() {
            match key.to_ascii_lowercase().as_str() {
                "kind" => return Token::Kind(value),
                "source" => return Token::Source(value),
                "after" => return Token::After(value),
                "before" => return Token::Before(value),
                "url" => return Token::Url(value),
                _ => {}
            }
        }
    }
    let is_word = token.chars().all(char::is_alphanumeric) && !token.eq_ignore_ascii_case("or");
    if is_word {
        Token::Word(token)
    } else {
        Token::Syntax(token)
    }
}

fn token_text<'a>(token: &Token<'a>) -> &'a str {
    match token {
        Token::Word(text) | Token::Syntax(text) => text,
        _ => "",
    }
}

fn unquote(value: &str) -> &str {
    let value = value.strip_prefix('"').unwrap_or(value);
    value.strip_suffix('"').unwrap_or(value).trim()
}

/// `-word` or `-"a phrase"` with a letter or digit to exclude. Not CJK:
/// `memo_cjk_spaced` splits a run of it into a phrase whose characters after
/// the first are not negated.
fn is_exclusion(token: &str) -> bool {
    token.strip_prefix('-').is_some_and(|rest| rest.chars().any(char::is_alphanumeric) && !rest.chars().any(is_cjk))
}

fn is_prefix_word(word: &str) -> bool {
    word.chars().count() >= MIN_PREFIX_CHARS && !word.chars().any(is_cjk)
}

/// A character the search index stores as a word of its own (Han, kana,
/// Hangul); memo-core owns the rule and its database copy.
pub fn is_cjk(c: char) -> bool {
    memo_core::is_indexed_alone(c)
}

/// The database indexes each CJK character as a word of its own. A CJK run
/// outside quotes becomes a quoted phrase of its characters, so `東京` finds
/// "東京" and not every text with 東 and 京 somewhere; inside quotes the
/// characters are spaced, extending the phrase.
fn cjk_as_phrases(token: &str) -> String {
    let mut out = String::with_capacity(token.len() * 2);
    // Inside a phrase the user quoted, and inside one opened here.
    let mut quoted = false;
    let mut opened = false;
    for c in token.chars() {
        if !is_cjk(c) {
            if opened {
                out.push_str("\" ");
                opened = false;
            }
            if c == '"' {
                quoted = !quoted;
                if out.ends_with(' ') {
                    out.pop();
                }
            }
            out.push(c);
        } else if quoted || opened {
            if !out.ends_with(['"', ' ']) {
                out.push(' ');
            }
            out.push(c);
            if quoted {
                // Separates it from a following non-CJK word in the phrase.
                out.push(' ');
            }
        } else {
            if !out.is_empty() && !out.ends_with('-') {
                out.push(' ');
            }
            out.push('"');
            out.push(c);
            opened = true;
        }
    }
    if opened {
        out.push('"');
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn check_text(field: &str, text: &str, max_chars: usize, limit_name: &str) -> Result<(), FieldError> {
    if text.contains('\0') {
        return Err(FieldError::new(field, format!("{field} must not contain NUL characters")));
    }
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(FieldError::new(
            field,
            format!("{field} is {chars} characters; the limit is {max_chars} ({limit_name})"),
        ));
    }
    Ok(())
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// A filter given twice must agree: `kind:note` in `q` and `kind=web_page`
/// as a parameter cannot both hold.
fn set_once<T: PartialEq>(slot: &mut Option<T>, field: &str, value: T) -> Result<(), FieldError> {
    match slot {
        Some(existing) if *existing != value => {
            Err(FieldError::new(field, format!("{field} names a different value than an earlier filter")))
        }
        _ => {
            *slot = Some(value);
            Ok(())
        }
    }
}

fn parse_tag(field: &str, raw: &str) -> Result<String, FieldError> {
    Some(normalise_tag(raw))
        .filter(|tag| !tag.is_empty())
        .ok_or_else(|| FieldError::new(field, format!("{field} must contain a letter or a digit")))
}

fn parse_kind(field: &str, raw: &str) -> Result<Kind, FieldError> {
    Kind::from_name(&raw.trim().to_ascii_lowercase()).ok_or_else(|| {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        FieldError::new(field, format!("unknown kind {raw:?}; kinds are {}", names.join(", ")))
    })
}

fn parse_source(field: &str, raw: &str, limits: &Limits) -> Result<String, FieldError> {
    match Source::parse(Value::String(raw.to_owned()), limits) {
        Ok(Some(source)) => Ok(source.as_str().to_owned()),
        Ok(None) => Err(FieldError::new(field, "source must not be empty")),
        Err(error) => Err(FieldError::new(field, error.message)),
    }
}

/// An absolute http(s) URL, compared as stored (`fields::PageUrl`).
fn parse_url(field: &str, raw: &str, limits: &Limits) -> Result<String, FieldError> {
    PageUrl::parse(field, raw, limits).map(|url| url.as_str().to_owned())
}

/// `YYYY-MM-DD` (midnight UTC), `YYYY-MM` (the first of the month) or an
/// RFC 3339 instant, from 1970 to a year after `now` (`name` is how the
/// request wrote it: `after:` in `q`, or the parameter).
fn parse_instant(field: &str, name: &str, raw: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, FieldError> {
    let raw = raw.trim();
    let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d"))
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|midnight| midnight.and_utc());
    let instant =
        day.or_else(|| DateTime::parse_from_rfc3339(raw).ok().map(|t| t.with_timezone(&Utc))).ok_or_else(|| {
            FieldError::new(field, format!("{name} {raw:?} is not a date (YYYY-MM-DD, YYYY-MM or RFC 3339)"))
        })?;
    let latest = now.checked_add_signed(TimeDelta::days(DATES_AHEAD_DAYS)).unwrap_or(DateTime::<Utc>::MAX_UTC);
    if instant < EARLIEST_DATE || instant > latest {
        return Err(FieldError::new(
            field,
            format!(
                "{name} {raw:?} is outside the dates a search accepts: 1970-01-01 to {}",
                latest.format("%Y-%m-%d")
            ),
        ));
    }
    Ok(instant)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// When the tests' requests arrive.
    fn now() -> DateTime<Utc> {
        day("2026-06-01T00:00:00Z")
    }

    fn parse(q: &str) -> Result<SearchQuery, FieldError> {
        parse_params(&SearchParams { q: Some(q), ..Default::default() })
    }

    fn parse_params(params: &SearchParams<'_>) -> Result<SearchQuery, FieldError> {
        SearchQuery::parse(params, &Limits::default(), now())
    }

    fn day(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn q_is_required_and_bounded() {
        assert_eq!(parse_params(&SearchParams::default()).unwrap_err().field, "q");
        assert_eq!(parse("  ").unwrap_err().field, "q");
        assert_eq!(parse(&"a".repeat(513)).unwrap_err().field, "q");
        assert_eq!(parse("a\0b").unwrap_err().field, "q");
        assert_eq!(parse(" rust ").unwrap().raw(), "rust");
    }

    #[test]
    fn plain_words_give_text_prefix_fuzzy_words_and_phrase() {
        let query = parse("postgres vacuum").unwrap();
        assert_eq!(query.text.as_deref(), Some("postgres vacuum"));
        assert_eq!(query.text_before_prefix.as_deref(), Some("postgres"));
        assert_eq!(query.prefix.as_deref(), Some("vacuum"));
        assert_eq!(query.fuzzy_words.as_deref(), Some("postgres vacuum"));
        assert_eq!(query.phrase.as_deref(), Some("postgres vacuum"));
        assert_eq!(query.memory_id, None);
        assert_eq!(query.filters, Filters::default());
    }

    #[test]
    fn web_search_syntax_passes_through() {
        let query = parse(r#""kubernetes cluster" -helm or deploy"#).unwrap();
        assert_eq!(query.text.as_deref(), Some(r#""kubernetes cluster" -helm or deploy"#));
        assert_eq!(query.prefix, None, "the last word is an `or` alternative");
        assert_eq!(query.phrase, None);
        assert_eq!(query.fuzzy_words, None);
        assert_eq!(parse("ramen or sushi").unwrap().fuzzy_words.as_deref(), Some("ramen sushi"));
        let query = parse("rust -tokio").unwrap();
        assert_eq!(query.prefix, None);
        assert_eq!(query.fuzzy_words, None, "similar titles cannot honour exclusions");
    }

    #[test]
    fn queries_that_only_exclude_are_told_apart() {
        for q in ["-python", r#"-"borrow checker""#, "-python or -java", "-rust #cooking", "-c++ kind:note"] {
            assert!(parse(q).unwrap().excludes_only, "{q}");
        }
        for q in ["rust -python", "-python rust", "#rust", "-", "-!!", "- python", "-東京", "or", "-a or b"] {
            assert!(!parse(q).unwrap().excludes_only, "{q}");
        }
    }

    #[test]
    fn a_later_page_leaves_out_what_was_made_after_the_first() {
        let first = day("2026-01-01T00:00:00Z");
        let query = parse("rust").unwrap();
        assert_eq!(query.as_of(None).filters.before, None);
        let later = query.as_of(Some(first));
        assert_eq!(later.filters.before, Some(first + TimeDelta::microseconds(1)), "the newest one stays in");
        let earlier = parse("rust before:2025-06-01").unwrap();
        assert_eq!(earlier.as_of(Some(first)).filters.before, Some(day("2025-06-01T00:00:00Z")));
    }

    #[test]
    fn short_or_symbolic_last_words_are_not_prefixes() {
        let typing = parse("tokio mu").unwrap();
        assert_eq!(typing.prefix, None);
        assert_eq!(typing.text_before_prefix.as_deref(), Some("tokio"), "the words before it are matched alone");
        assert_eq!(parse("mu").unwrap().text_before_prefix, None);
        assert_eq!(parse("mu").unwrap().fuzzy_words, None, "nothing is similar to two letters");
        assert_eq!(parse("東京").unwrap().fuzzy_words.as_deref(), Some("東京"));
        assert_eq!(typing.fuzzy_words.as_deref(), Some("tokio mu"));
        assert_eq!(parse("ramen or go").unwrap().text_before_prefix, None, "an `or` alternative is typed whole");
        assert_eq!(parse("go to").unwrap().prefix, None);
        assert_eq!(parse("c++").unwrap().prefix, None);
        assert_eq!(parse("東京").unwrap().prefix, None);
    }

    #[test]
    fn operators_become_filters() {
        let query =
            parse("#Rust #web-dev kind:note source:cli after:2025-01-31 before:2025-03 borrow checker").unwrap();
        assert_eq!(query.text.as_deref(), Some("borrow checker"));
        assert_eq!(query.filters.all_tags, ["rust", "web-dev"]);
        assert_eq!(query.filters.kind, Some(Kind::Note));
        assert_eq!(query.filters.source.as_deref(), Some("cli"));
        assert_eq!(query.filters.after, Some(day("2025-01-31T00:00:00Z")));
        assert_eq!(query.filters.before, Some(day("2025-03-01T00:00:00Z")));
        let quoted = parse(r#"source:"chatgpt extension""#).unwrap();
        assert_eq!(quoted.filters.source.as_deref(), Some("chatgpt extension"));
        assert_eq!(quoted.text, None);
    }

    #[test]
    fn a_url_is_a_filter_in_q_and_as_a_parameter() {
        let query = parse("url:https://example.com/a?b=c#d heron").unwrap();
        assert_eq!(query.filters.url.as_deref(), Some("https://example.com/a?b=c#d"));
        assert_eq!(query.text.as_deref(), Some("heron"));
        let params = SearchParams { url: Some(" https://example.com/x "), ..Default::default() };
        assert_eq!(parse_params(&params).unwrap().filters.url.as_deref(), Some("https://example.com/x"));
        assert_eq!(parse("url:ftp://example.com").unwrap_err().field, "q");
        assert_eq!(parse_params(&SearchParams { url: Some("nope"), ..Default::default() }).unwrap_err().field, "url");
        let both =
            SearchParams { q: Some("url:https://a.example"), url: Some("https://b.example"), ..Default::default() };
        assert_eq!(parse_params(&both).unwrap_err().field, "url");
    }

    #[test]
    fn filters_alone_are_a_query() {
        let query = parse("#rust").unwrap();
        assert_eq!((query.text, query.prefix, query.fuzzy_words), (None, None, None));
        let params = SearchParams { kind: Some("web_page"), ..Default::default() };
        assert_eq!(parse_params(&params).unwrap().filters.kind, Some(Kind::WebPage));
    }

    #[test]
    fn words_that_only_look_like_operators_stay_text() {
        for q in ["C#", "#", "#!!", "https://example.com", "note: buy milk", "kind:"] {
            let query = parse(q).unwrap();
            assert_eq!(query.filters, Filters::default(), "{q}");
            assert!(query.text.is_some(), "{q}");
        }
    }

    #[test]
    fn bad_filter_values_name_their_field() {
        assert_eq!(parse("kind:podcast").unwrap_err().field, "q");
        assert_eq!(parse("after:yesterday").unwrap_err().field, "q");
        let cases = [
            ("kind", SearchParams { kind: Some("podcast"), ..Default::default() }),
            ("before", SearchParams { before: Some("2025-13-01"), ..Default::default() }),
            ("after", SearchParams { after: Some("soon"), ..Default::default() }),
            ("tag", SearchParams { tags: vec!["!!"], ..Default::default() }),
            ("any_tag", SearchParams { any_tags: vec!["rust,,go"], ..Default::default() }),
            ("source", SearchParams { source: Some(" "), ..Default::default() }),
            ("kind", SearchParams { q: Some("kind:note"), kind: Some("web_page"), ..Default::default() }),
            ("before", SearchParams { after: Some("2025-02-01"), before: Some("2025-01-01"), ..Default::default() }),
        ];
        for (field, params) in cases {
            assert_eq!(parse_params(&params).unwrap_err().field, field, "{params:?}");
        }
    }

    #[test]
    fn dates_lie_between_1970_and_a_year_ahead() {
        // The issue's query: a million 90-day periods for the search keys.
        let far = parse("after:-4000-01-01 before:+262000-01-01").unwrap_err();
        assert_eq!(far.field, "q");
        assert!(far.message.contains("after:"), "{}", far.message);
        assert_eq!(parse("before:+262000-01-01").unwrap_err().field, "q");
        assert_eq!(parse("after:1969-12-31T23:59:59Z").unwrap_err().field, "q");
        assert!(parse("after:1970-01-01 rust").is_ok());
        assert!(parse("before:2027-06-01").is_ok(), "a year after now");
        assert!(parse("before:2027-06-03").is_err(), "past a year and a day after now");
        for (field, params) in [
            ("after", SearchParams { after: Some("0001-01-01"), ..Default::default() }),
            ("before", SearchParams { before: Some("9999-12-31"), ..Default::default() }),
            ("after", SearchParams { q: Some("rust"), after: Some("-4000-01-01"), ..Default::default() }),
        ] {
            let error = parse_params(&params).unwrap_err();
            assert_eq!(error.field, field, "{params:?}");
            assert!(error.message.contains("1970-01-01 to 2027-06-02"), "{}", error.message);
        }
    }

    #[test]
    fn parameters_join_the_filters_of_q() {
        let params = SearchParams {
            q: Some("#rust after:2025-01-01 tokio"),
            tags: vec!["Async", "rust"],
            any_tags: vec!["web,cli", "db"],
            after: Some("2025-02-01T12:00:00+01:00"),
            before: Some("2025-06-01"),
            ..Default::default()
        };
        let query = parse_params(&params).unwrap();
        assert_eq!(query.filters.all_tags, ["rust", "async"]);
        assert_eq!(query.filters.any_tags, ["web", "cli", "db"]);
        assert_eq!(query.filters.after, Some(day("2025-02-01T11:00:00Z")), "the later lower bound wins");
        assert_eq!(query.text.as_deref(), Some("tokio"));
    }

    #[test]
    fn a_memory_id_is_recognised() {
        let id = Uuid::from_u128(0x1234);
        assert_eq!(parse(&id.to_string()).unwrap().memory_id, Some(id));
        assert_eq!(parse("rust").unwrap().memory_id, None);
    }

    #[test]
    fn cjk_runs_become_phrases_of_characters() {
        assert_eq!(parse("東京").unwrap().text.as_deref(), Some(r#""東 京""#));
        assert_eq!(parse("rust東京 天気").unwrap().text.as_deref(), Some(r#"rust "東 京" "天 気""#));
        assert_eq!(parse("-東京").unwrap().text.as_deref(), Some(r#"-"東 京""#));
        assert_eq!(parse(r#""東京 tower""#).unwrap().text.as_deref(), Some(r#""東 京 tower""#));
        assert_eq!(parse("서울 여행").unwrap().text.as_deref(), Some(r#""서 울" "여 행""#));
    }

    proptest! {
        #[test]
        fn parsing_never_panics(q in "\\PC{0,80}", tag in "\\PC{0,12}", date in "\\PC{0,12}") {
            let params = SearchParams { q: Some(&q), tags: vec![&tag], before: Some(&date), ..Default::default() };
            let _ = parse_params(&params);
        }

        #[test]
        fn plain_words_pass_through_unchanged(words in proptest::collection::vec("[a-z]{1,10}", 1..6)) {
            let q = words.join(" ");
            prop_assume!(!words.iter().any(|w| w == "or"));
            let query = parse(&q).unwrap();
            prop_assert_eq!(query.text.as_deref(), Some(q.as_str()));
            prop_assert_eq!(query.filters, Filters::default());
        }

        #[test]
        fn tags_in_q_are_normalised_filters(tag in "[A-Za-z][A-Za-z0-9]{0,15}", word in "[a-z]{3,8}") {
            let query = parse(&format!("#{tag} {word}")).unwrap();
            prop_assert_eq!(query.filters.all_tags, vec![tag.to_lowercase()]);
            prop_assert_eq!(query.text, Some(word));
        }

        #[test]
        fn quotes_stay_balanced_around_cjk(q in "[a-z東京天気\" -]{0,24}") {
            if let Ok(query) = parse(&q) {
                let text = query.text.unwrap_or_default();
                let quotes_in = q.matches('"').count();
                let quotes_out = text.matches('"').count();
                prop_assert_eq!((quotes_out - quotes_in) % 2, 0, "{} -> {}", q, text);
            }
        }
    }
}
