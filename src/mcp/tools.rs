//! The MCP tools: their definitions (input and output JSON Schemas,
//! annotations) and their calls. Each call answers `structuredContent`
//! matching its output schema plus a short text rendering for the model; a
//! failure the model can fix is a result with `isError: true` naming the
//! argument, never a protocol error.

use super::args::Args;
use super::protocol::{RpcError, INVALID_PARAMS};
use super::store::{Caller, Summary};
use crate::config::Limits;
use crate::http::Params;
use memo_api::domain::patch::MemoryPatch;
use memo_api::error::{ApiError, FieldError};
use memo_core::Kind;
use serde_json::{json, Map, Value};
use std::fmt::Write;

/// The tools, in the order `tools/list` gives them.
pub const NAMES: [&str; 7] =
    ["memo_save", "memo_search", "memo_get", "memo_recent", "memo_update", "memo_delete", "memo_stats"];

/// What a successful call answers.
struct Output {
    structured: Value,
    text: String,
}

/// `tools/list`'s result.
pub fn list(limits: &Limits) -> Value {
    json!({ "tools": NAMES.iter().map(|name| definition(name, limits)).collect::<Vec<_>>() })
}

/// `tools/call`: `Err` only for what must fail the whole HTTP request (a key
/// that is not valid); an unknown tool is a protocol error.
pub async fn call(
    caller: &Caller<'_>,
    name: &str,
    arguments: Option<Value>,
) -> Result<Result<Value, RpcError>, ApiError> {
    let outcome = match name {
        "memo_save" => save(caller, arguments).await,
        "memo_search" => search(caller, arguments).await,
        "memo_get" => get(caller, arguments).await,
        "memo_recent" => recent(caller, arguments).await,
        "memo_update" => update(caller, arguments).await,
        "memo_delete" => delete(caller, arguments).await,
        "memo_stats" => stats(caller, arguments).await,
        _ => {
            let message = format!("unknown tool {name:?}; tools: {}", NAMES.join(", "));
            return Ok(Err(RpcError::new(INVALID_PARAMS, message)));
        }
    };
    let error_text = match outcome {
        Ok(output) => {
            let content = json!([{ "type": "text", "text": output.text }]);
            return Ok(Ok(json!({ "content": content, "structuredContent": output.structured })));
        }
        Err(ApiError::Unauthorized) => return Err(ApiError::Unauthorized),
        Err(ApiError::InvalidField(error)) => format!("Invalid argument `{}`: {}", error.field, error.message),
        Err(ApiError::NotFound) => {
            "No memory with this id in your account (it may have been deleted); find ids with memo_search or memo_recent."
                .to_owned()
        }
        Err(ApiError::DatabaseUnavailable { detail, retry_after_seconds }) => {
            worker::console_warn!("mcp tool {name}: database unavailable: {detail}");
            format!("Memo's database is unavailable right now; retry in {retry_after_seconds} seconds.")
        }
        Err(error) => {
            worker::console_error!("mcp tool {name}: {}: {}", error.code(), error.log_detail().unwrap_or_default());
            format!("Memo could not do this ({}); retrying will not help.", error.code())
        }
    };
    Ok(Ok(json!({ "content": [{ "type": "text", "text": error_text }], "isError": true })))
}

/// A field error from the REST parsers, with the argument's name as the tool spells it.
fn renamed(error: ApiError, names: &[(&str, &str)]) -> ApiError {
    match error {
        ApiError::InvalidField(FieldError { field, message }) => {
            let (rest, base) = names
                .iter()
                .find_map(|(from, to)| {
                    field.strip_prefix(from).filter(|r| r.is_empty() || r.starts_with('[')).map(|r| (r, to))
                })
                .map_or(("", field.as_str()), |(rest, to)| (rest, *to));
            ApiError::InvalidField(FieldError::new(format!("{base}{rest}"), message))
        }
        other => other,
    }
}

async fn save(caller: &Caller<'_>, arguments: Option<Value>) -> Result<Output, ApiError> {
    let mut args = Args::new(arguments, &["content", "title", "tags", "source", "url", "conversation_id"])?;
    let conversation = args.string("conversation_id")?;
    let mut body = args.into_map();
    // Where memories came from shows in stats and filters.
    body.entry("source").or_insert_with(|| json!("mcp"));
    if let Some(id) = conversation {
        body.insert("metadata".into(), json!({ "conversation_id": id }));
    }
    let (status, memory) = caller.save(body).await.map_err(|e| renamed(e, &[("metadata", "conversation_id")]))?;
    let text = match status {
        "created" => format!("Saved {}", describe(&memory)),
        "updated" => format!("Updated the stored conversation {}", describe(&memory)),
        _ => format!("Already saved (nothing new): {}", describe(&memory)),
    };
    Ok(Output { structured: json!({ "status": status, "memory": memory }), text })
}

/// The names the REST search takes and those the tools use.
const SEARCH_NAMES: [(&str, &str); 3] = [("q", "query"), ("tag", "tags"), ("any_tag", "any_tags")];

/// Search parameters from the arguments named in `names` (tool name, REST name).
fn search_params(args: &mut Args, singles: &[(&str, &str)], lists: &[(&str, &str)]) -> Result<Params, FieldError> {
    let mut pairs = Vec::new();
    for (arg, param) in singles {
        if let Some(value) = args.string(arg)? {
            pairs.push((param.to_string(), value));
        }
    }
    for (arg, param) in lists {
        pairs.extend(args.strings(arg)?.into_iter().map(|value| (param.to_string(), value)));
    }
    if let Some(limit) = args.whole("limit", 1)? {
        pairs.push(("limit".into(), limit.to_string()));
    }
    Ok(pairs.into_iter().collect())
}

async fn search(caller: &Caller<'_>, arguments: Option<Value>) -> Result<Output, ApiError> {
    let mut args =
        Args::new(arguments, &["query", "tags", "any_tags", "kind", "source", "after", "before", "limit", "cursor"])?;
    let singles = [
        ("query", "q"),
        ("kind", "kind"),
        ("source", "source"),
        ("after", "after"),
        ("before", "before"),
        ("cursor", "cursor"),
    ];
    let params = search_params(&mut args, &singles, &[("tags", "tag"), ("any_tags", "any_tag")])?;
    let (query, items, next) = caller.search(&params).await.map_err(|e| renamed(e, &SEARCH_NAMES))?;
    let mut text = match items.len() {
        0 => format!("No memories match {query:?}."),
        n => format!("{n} memories match {query:?}, best first:\n"),
    };
    render(&mut text, items.iter().map(|hit| (&hit.memory, Some(hit.snippet.as_str()))), next.as_deref());
    Ok(Output { structured: json!({ "query": query, "items": items, "next_cursor": next }), text })
}

async fn recent(caller: &Caller<'_>, arguments: Option<Value>) -> Result<Output, ApiError> {
    let mut args = Args::new(arguments, &["tags", "kind", "source", "limit", "cursor"])?;
    let singles = [("kind", "kind"), ("source", "source"), ("cursor", "cursor")];
    let params = search_params(&mut args, &singles, &[("tags", "tag")])?;
    let filtered = params.get("kind").is_some() || params.get("source").is_some() || !params.all("tag").is_empty();
    let (items, next) = if filtered {
        // A search of filters only lists what passes them, newest first.
        let (_, hits, next) = caller.search(&params).await.map_err(|e| renamed(e, &SEARCH_NAMES))?;
        (hits.into_iter().map(|hit| hit.memory).collect(), next)
    } else {
        caller.newest(params.get("limit"), params.get("cursor")).await?
    };
    let mut text = match items.len() {
        0 => "No memories found.".to_owned(),
        n => format!("The {n} newest memories:\n"),
    };
    render(&mut text, items.iter().map(|memory| (memory, None)), next.as_deref());
    Ok(Output { structured: json!({ "items": items, "next_cursor": next }), text })
}

/// Numbered lines, each with its snippet if any, and how to get more.
fn render<'a>(text: &mut String, items: impl Iterator<Item = (&'a Summary, Option<&'a str>)>, next: Option<&str>) {
    for (index, (memory, snippet)) in items.enumerate() {
        let _ = writeln!(text, "{}. {}", index + 1, describe(memory));
        if let Some(snippet) = snippet.filter(|s| !s.is_empty()) {
            let _ = writeln!(text, "   {}", snippet.replace('\n', " "));
        }
    }
    if let Some(cursor) = next {
        let _ = write!(text, "More results: call again with cursor {cursor:?}.");
    }
}

/// One line about a memory, for the model to read and to refer to by id.
fn describe(memory: &Summary) -> String {
    let tags = if memory.tags.is_empty() { "none".to_owned() } else { memory.tags.join(", ") };
    format!(
        "\"{}\" (id {}; {}; tags: {tags}; {} characters; saved {})",
        memory.title,
        memory.id,
        memory.kind,
        memory.content_length,
        memory.created_at.format("%Y-%m-%d")
    )
}

async fn get(caller: &Caller<'_>, arguments: Option<Value>) -> Result<Output, ApiError> {
    let mut args = Args::new(arguments, &["id", "offset"])?;
    let id = args.id()?;
    let offset = args.whole("offset", 0)?.unwrap_or(0) as usize;
    let full = caller.get(id).await?;
    let length = full.summary.content_length;
    if offset > 0 && offset >= length {
        let message = format!("offset {offset} is past the end: the content is {length} characters");
        return Err(FieldError::new("offset", message).into());
    }
    let bound = caller.limits().mcp_max_content_chars;
    let content: String = full.content.chars().skip(offset).take(bound).collect();
    let end = offset + content.chars().count();
    let next_offset = (end < length).then_some(end);
    let memory = &full.summary;
    let mut text = format!("# {}\n{}\n\n{content}", memory.title, describe(memory));
    if let Some(next) = next_offset {
        let _ =
            write!(text, "\n\n[characters {offset}–{end} of {length}; call memo_get with offset {next} for the rest]");
    }
    let structured = json!({ "memory": memory, "content": content, "offset": offset, "next_offset": next_offset });
    Ok(Output { structured, text })
}

async fn update(caller: &Caller<'_>, arguments: Option<Value>) -> Result<Output, ApiError> {
    let mut args = Args::new(arguments, &["id", "title", "tags"])?;
    let id = args.id()?;
    let mut body = Map::new();
    for name in ["title", "tags"] {
        if let Some(value) = args.take(name) {
            body.insert(name.into(), value);
        }
    }
    if body.is_empty() {
        return Err(FieldError::new("title", "give a new title, new tags, or both").into());
    }
    let patch = MemoryPatch::parse(body, caller.limits())?;
    let memory = caller.update(id, &patch).await?;
    let text = format!("Updated {}", describe(&memory));
    Ok(Output { structured: json!({ "memory": memory }), text })
}

async fn delete(caller: &Caller<'_>, arguments: Option<Value>) -> Result<Output, ApiError> {
    let id = Args::new(arguments, &["id"])?.id()?;
    if !caller.delete(id).await? {
        return Err(ApiError::NotFound);
    }
    Ok(Output { structured: json!({ "id": id, "deleted": true }), text: format!("Deleted memory {id}.") })
}

async fn stats(caller: &Caller<'_>, arguments: Option<Value>) -> Result<Output, ApiError> {
    Args::new(arguments, &[])?;
    let stats = caller.stats().await?;
    let top: Vec<String> = stats
        .top_tags
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| format!("{} ({})", t["tag"].as_str().unwrap_or_default(), t["count"]))
        .collect();
    let text = format!(
        "{} memories, {} saved in the last 24 hours.\nBy kind: {}\nBy source: {}\nTop tags: {}",
        stats.total,
        stats.last_24h,
        counts(&stats.by_kind),
        counts(&stats.by_source),
        if top.is_empty() { "none".to_owned() } else { top.join(", ") }
    );
    let structured = json!({
        "total": stats.total,
        "last_24h": stats.last_24h,
        "by_kind": stats.by_kind,
        "by_source": stats.by_source,
        "top_tags": stats.top_tags,
    });
    Ok(Output { structured, text })
}

/// `{name: count}` as `name 3, other 1`.
fn counts(object: &Value) -> String {
    let parts: Vec<String> = object.as_object().into_iter().flatten().map(|(name, n)| format!("{name} {n}")).collect();
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

// ---- Definitions ----

fn definition(name: &str, limits: &Limits) -> Value {
    let (title, description, input, output, hints) = match name {
        "memo_save" => (
            "Save a memory",
            "Save text to the user's Memo so it can be recalled later. Memo titles, tags and classifies it \
             unless you give a title or tags. Saving content already stored does nothing and reports a \
             duplicate; saving a newer state of a conversation (same conversation_id) updates that memory.".to_owned(),
            save_input(limits),
            object(json!({ "status": { "type": "string", "enum": ["created", "updated", "duplicate"] }, "memory": summary_schema() }), &["status", "memory"]),
            (false, false, true),
        ),
        "memo_search" => (
            "Search memories",
            "Search the user's memories, best match first. `query` takes words, \"exact phrases\", `or`, \
             -excluded words and the filters #tag, kind:KIND, source:SOURCE, after:YYYY-MM-DD and \
             before:YYYY-MM-DD; typos and unfinished last words still match. Each hit has an id for memo_get.".to_owned(),
            search_input(limits),
            hits_schema(),
            (true, false, true),
        ),
        "memo_get" => (
            "Read a memory",
            format!(
                "Read one memory in full by id. Content longer than {} characters comes in parts: the answer \
                 gives next_offset; call again with offset set to it for the rest.",
                limits.mcp_max_content_chars
            ),
            object(json!({ "id": id_schema(), "offset": { "type": "integer", "minimum": 0, "description": "Character to start reading the content at (default 0)." } }), &["id"]),
            object(
                json!({
                    "memory": summary_schema(),
                    "content": { "type": "string" },
                    "offset": { "type": "integer", "minimum": 0 },
                    "next_offset": { "type": ["integer", "null"], "minimum": 0 },
                }),
                &["memory", "content", "offset", "next_offset"],
            ),
            (true, false, true),
        ),
        "memo_recent" => (
            "Newest memories",
            "List the user's newest memories, optionally only those with all the given tags, of a kind or \
             from a source.".to_owned(),
            recent_input(limits),
            object(
                json!({ "items": { "type": "array", "items": summary_schema() }, "next_cursor": { "type": ["string", "null"] } }),
                &["items", "next_cursor"],
            ),
            (true, false, true),
        ),
        "memo_update" => (
            "Retitle or retag a memory",
            "Change a memory's title, its tags, or both. Tags given replace all its tags; titles and tags set \
             here are kept when the memory's content changes later.".to_owned(),
            object(json!({ "id": id_schema(), "title": title_schema(limits), "tags": tags_schema(limits) }), &["id"]),
            object(json!({ "memory": summary_schema() }), &["memory"]),
            (false, false, true),
        ),
        "memo_delete" => (
            "Delete a memory",
            "Delete a memory for good. It cannot be undone: only when the user asks for it.".to_owned(),
            object(json!({ "id": id_schema() }), &["id"]),
            object(json!({ "id": { "type": "string" }, "deleted": { "type": "boolean" } }), &["id", "deleted"]),
            (false, true, true),
        ),
        _ => (
            "Memory statistics",
            "Counts of the user's memories: in total, in the last 24 hours, by kind and source, and the most used tags.".to_owned(),
            object(json!({}), &[]),
            stats_schema(),
            (true, false, true),
        ),
    };
    let (read_only, destructive, idempotent) = hints;
    json!({
        "name": name,
        "title": title,
        "description": description,
        "inputSchema": input,
        "outputSchema": output,
        "annotations": {
            "title": title,
            "readOnlyHint": read_only,
            "destructiveHint": destructive,
            "idempotentHint": idempotent,
            "openWorldHint": false,
        },
    })
}

/// A closed object schema.
fn object(properties: Value, required: &[&str]) -> Value {
    json!({ "type": "object", "properties": properties, "required": required, "additionalProperties": false })
}

fn id_schema() -> Value {
    json!({ "type": "string", "description": "A memory id (UUID), as memo_search and memo_recent give them." })
}

fn title_schema(limits: &Limits) -> Value {
    json!({ "type": "string", "minLength": 1, "maxLength": limits.max_title_chars })
}

fn tags_schema(limits: &Limits) -> Value {
    json!({
        "type": "array",
        "items": { "type": "string", "minLength": 1, "maxLength": limits.max_tag_chars },
        "maxItems": limits.max_tags,
        "description": "Short topic tags; normalised to lowercase-kebab-case.",
    })
}

fn kind_schema() -> Value {
    json!({ "type": "string", "enum": Kind::ALL.map(Kind::as_str) })
}

fn page_schemas(limits: &Limits) -> (Value, Value) {
    (
        json!({ "type": "integer", "minimum": 1, "maximum": limits.max_page_size, "description": format!("How many results (default {}).", limits.default_page_size) }),
        json!({ "type": "string", "description": "next_cursor of the previous answer, for the next page." }),
    )
}

fn save_input(limits: &Limits) -> Value {
    object(
        json!({
            "content": { "type": "string", "minLength": 1, "description": format!("The text to remember, self-contained (at most {} bytes).", limits.max_content_bytes) },
            "title": title_schema(limits),
            "tags": tags_schema(limits),
            "source": { "type": "string", "maxLength": limits.max_source_chars, "description": "Where it came from (default \"mcp\")." },
            "url": { "type": "string", "maxLength": limits.max_url_chars, "description": "An http(s) page the memory is about." },
            "conversation_id": { "type": "string", "description": "Saving again with the same id replaces that conversation's memory." },
        }),
        &["content"],
    )
}

fn search_input(limits: &Limits) -> Value {
    let (limit, cursor) = page_schemas(limits);
    object(
        json!({
            "query": { "type": "string", "maxLength": limits.max_query_chars, "description": "Words and filters; empty lists the newest memories passing the filters." },
            "tags": tags_schema(limits),
            "any_tags": { "type": "array", "items": { "type": "string" }, "maxItems": limits.max_tags, "description": "Hits have at least one of these tags." },
            "kind": kind_schema(),
            "source": { "type": "string" },
            "after": { "type": "string", "description": "Saved on or after this day (YYYY-MM-DD) or instant (RFC 3339)." },
            "before": { "type": "string", "description": "Saved before this day (YYYY-MM-DD) or instant (RFC 3339)." },
            "limit": limit,
            "cursor": cursor,
        }),
        &[],
    )
}

fn recent_input(limits: &Limits) -> Value {
    let (limit, cursor) = page_schemas(limits);
    object(
        json!({ "tags": tags_schema(limits), "kind": kind_schema(), "source": { "type": "string" }, "limit": limit, "cursor": cursor }),
        &[],
    )
}

fn summary_schema() -> Value {
    let optional_text = json!({ "type": ["string", "null"] });
    object(
        json!({
            "id": { "type": "string" },
            "title": { "type": "string" },
            "tags": { "type": "array", "items": { "type": "string" } },
            "kind": { "type": "string" },
            "source": optional_text,
            "url": optional_text,
            "content_length": { "type": "integer", "minimum": 0 },
            "captured_at": { "type": "string" },
            "created_at": { "type": "string" },
            "updated_at": { "type": "string" },
        }),
        &["id", "title", "tags", "kind", "source", "url", "content_length", "captured_at", "created_at", "updated_at"],
    )
}

/// A search's answer.
fn hits_schema() -> Value {
    let mut hit = summary_schema();
    hit["properties"]["snippet"] = json!({ "type": "string" });
    hit["properties"]["score"] = json!({ "type": "number" });
    hit["properties"]["match"] = json!({ "type": "string", "enum": ["fuzzy", "text", "id"] });
    for name in ["snippet", "score", "match"] {
        hit["required"].as_array_mut().expect("required is a list").push(json!(name));
    }
    let items = json!({ "type": "array", "items": hit });
    let properties =
        json!({ "query": { "type": "string" }, "items": items, "next_cursor": { "type": ["string", "null"] } });
    object(properties, &["query", "items", "next_cursor"])
}

fn stats_schema() -> Value {
    let counts = json!({ "type": "object", "additionalProperties": { "type": "integer" } });
    object(
        json!({
            "total": { "type": "integer" },
            "last_24h": { "type": "integer" },
            "by_kind": counts,
            "by_source": counts,
            "top_tags": { "type": "array", "items": object(json!({ "tag": { "type": "string" }, "count": { "type": "integer" } }), &["tag", "count"]) },
        }),
        &["total", "last_24h", "by_kind", "by_source", "top_tags"],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_is_defined_with_schemas_and_hints() {
        let limits = Limits::default();
        let tools = list(&limits);
        let tools = tools["tools"].as_array().unwrap();
        assert_eq!(tools.len(), NAMES.len());
        for tool in tools {
            assert_eq!(tool["inputSchema"]["type"], "object", "{}", tool["name"]);
            assert_eq!(tool["outputSchema"]["type"], "object", "{}", tool["name"]);
            assert!(tool["annotations"]["readOnlyHint"].is_boolean());
        }
        let delete = tools.iter().find(|t| t["name"] == "memo_delete").unwrap();
        assert_eq!(delete["annotations"]["destructiveHint"], true);
    }

    #[test]
    fn rest_field_names_become_argument_names() {
        let error = renamed(FieldError::new("tag", "bad").into(), &SEARCH_NAMES);
        assert!(matches!(error, ApiError::InvalidField(FieldError { ref field, .. }) if field == "tags"));
        let error = renamed(FieldError::new("q", "bad").into(), &SEARCH_NAMES);
        assert!(matches!(error, ApiError::InvalidField(FieldError { ref field, .. }) if field == "query"));
        let error = renamed(FieldError::new("tags[2]", "bad").into(), &SEARCH_NAMES);
        assert!(matches!(error, ApiError::InvalidField(FieldError { ref field, .. }) if field == "tags[2]"));
    }
}
