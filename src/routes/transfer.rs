//! `GET /v1/export` and `POST /v1/import`: all of a tenant's memories out as
//! NDJSON (see `domain::export` for the schema), and back in.

use super::batch::store_all;
use super::Ctx;
use crate::db::Db;
use crate::http::Reply;
use futures_util::stream;
use memo_api::domain::export::{ExportEnd, SCHEMA};
use memo_api::domain::paging::{Cursor, PageLimit};
use memo_api::error::{ApiError, FieldError};
use memo_api::key::KeyHash;
use memo_api::prepare::Prepared;
use memo_api::sql::memories::{self as sql, ListContent, ListPage};
use serde_json::Value;

/// Where the export stream stands between pages.
enum Export {
    /// A page's lines, ready to send, how many memories they hold, and where
    /// the next page starts.
    Lines(Vec<u8>, u64, Option<Cursor>),
    Fetch(Cursor),
    End,
    Done,
}

/// What an export page reads: whole contents, up to `MAX_PAGE_CONTENT_BYTES`.
fn export_content(cx: &Ctx) -> ListContent {
    ListContent { preview_chars: 0, budget: Some(cx.config.limits.max_page_content_bytes) }
}

/// A page as export lines, and the cursor of the page after it. The rows
/// are dropped here: the stream holds one page, as lines.
fn lines(page: ListPage) -> Export {
    let mut out = Vec::new();
    for (stored, _) in &page.items {
        // A struct of strings, numbers and JSON values always serialises.
        if serde_json::to_writer(&mut out, &stored.export_line()).is_ok() {
            out.push(b'\n');
        }
    }
    let next = if page.more { page.items.last().map(|(last, _)| last.memory.cursor()) } else { None };
    Export::Lines(out, page.items.len() as u64, next)
}

/// Streams every memory, newest first, a page at a time: a page holds at
/// most `MAX_PAGE_SIZE` memories and `MAX_PAGE_CONTENT_BYTES` of contents
/// (or one larger memory), and the stream holds one page however large the
/// tenant is. The key is checked with the first page, before the answer
/// starts.
pub async fn export(cx: &Ctx, key: &KeyHash) -> Result<Reply, ApiError> {
    let db = Db::connect(&cx.env, cx.config).await?;
    let limit = PageLimit::largest(&cx.config.limits);
    let content = export_content(cx);
    let first = lines(sql::list(&db, key, limit, None, content, None).await?);
    let key = key.clone();
    let state = (first, db, 0u64);
    let pages = stream::unfold(state, move |(state, db, count)| {
        let key = key.clone();
        async move {
            match state {
                Export::Done => None,
                Export::End => {
                    let end = ExportEnd { schema: SCHEMA, end: true, count };
                    let mut line = serde_json::to_vec(&end).unwrap_or_default();
                    line.push(b'\n');
                    Some((Ok(line), (Export::Done, db, count)))
                }
                Export::Lines(out, memories, next) => {
                    Some((Ok(out), (next.map_or(Export::End, Export::Fetch), db, count + memories)))
                }
                Export::Fetch(cursor) => match sql::list(&db, &key, limit, Some(cursor), content, None).await {
                    Ok(page) => Some((Ok(Vec::new()), (lines(page), db, count))),
                    // The status is sent already: cut the stream short, so
                    // the missing end line tells the client it is incomplete.
                    Err(error) => Some((Err(worker::Error::RustError(error.code().into())), (Export::Done, db, count))),
                },
            }
        }
    });
    Ok(Reply::stream("application/x-ndjson; charset=utf-8", Box::pin(pages)))
}

fn line_count(max: usize, got: usize) -> ApiError {
    FieldError::new("body", format!("an import holds 1 to {max} lines (MAX_IMPORT_LINES); got {got}")).into()
}

/// `POST /v1/import`: NDJSON of export lines or plain captures, at most
/// `MAX_IMPORT_LINES`, stored like a batch with one result per line.
/// Importing the same export twice stores nothing new.
pub async fn import(cx: &Ctx, key: &KeyHash, body: &[u8]) -> Result<Reply, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| ApiError::InvalidJson("the body is not UTF-8".into()))?;
    let max = cx.config.limits.max_import_lines;
    // Counted before any line is parsed: an export's end line is one more.
    let lines = text.lines().filter(|line| !line.trim().is_empty()).count();
    if lines > max + 1 {
        return Err(line_count(max, lines));
    }
    let analyzer = cx.analyzer()?;
    let mut numbers = Vec::new();
    let mut items = Vec::new();
    for (number, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() {
            continue;
        }
        let item = match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(map)) if map.get("end") == Some(&Value::Bool(true)) => continue,
            Ok(Value::Object(map)) => {
                Prepared::import(map, &cx.config.limits, analyzer, cx.now).map_err(ApiError::from)
            }
            Ok(_) => Err(ApiError::InvalidJson("each line must be a JSON object".into())),
            Err(error) => Err(ApiError::InvalidJson(error.to_string())),
        };
        numbers.push(number);
        items.push(item);
    }
    if items.is_empty() || items.len() > max {
        return Err(line_count(max, items.len()));
    }
    let locate = |index: usize, field: Option<&str>| match field {
        Some(field) => format!("line {}: {field}", numbers[index]),
        None => format!("line {}", numbers[index]),
    };
    store_all(cx, key, items, &locate).await
}
