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
    json!({ "tools": definitions(limits) })
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

/// The tools' definitions as data: the bundle carries this text rather than
/// the code that would build it (BENCHMARKS.md, "Bundle size").
const DEFINITIONS: &str = include_str!("tools.json");

/// Every tool's definition, its placeholders put in (see the file's `about`).
fn definitions(limits: &Limits) -> Vec<Value> {
    let mut file: Value = serde_json::from_str(DEFINITIONS).expect("src/mcp/tools.json is JSON");
    let mut shared = file["shared"].take();
    // A search hit: a memory's summary, and where and how well the query matched it.
    let mut hit = shared["summary"].clone();
    for (name, schema) in [
        ("snippet", json!({ "type": "string" })),
        ("score", json!({ "type": "number" })),
        ("match", json!({ "type": "string", "enum": ["fuzzy", "text", "id"] })),
    ] {
        hit["properties"][name] = schema;
        hit["required"].as_array_mut().expect("required is a list").push(json!(name));
    }
    shared["hit"] = hit;
    let Value::Array(mut tools) = file["tools"].take() else {
        panic!("src/mcp/tools.json: tools is a list");
    };
    for tool in &mut tools {
        resolve(tool, &shared, limits);
        tool["annotations"]["title"] = tool["title"].clone();
    }
    tools
}

/// Puts into `value` what its placeholders stand for: `"$name"` a shared
/// schema, `"$LIMIT"` a limit, `"$KINDS"` the kinds, `{LIMIT}` in a text a
/// limit's value.
fn resolve(value: &mut Value, shared: &Value, limits: &Limits) {
    match value {
        Value::String(text) => {
            if let Some(name) = text.strip_prefix('$') {
                *value = if name == "KINDS" {
                    json!(Kind::ALL.map(Kind::as_str))
                } else if let Some(limit) = limit(limits, name) {
                    json!(limit)
                } else {
                    let mut schema = shared[name].clone();
                    resolve(&mut schema, shared, limits);
                    schema
                };
            } else if text.contains('{') {
                *text = interpolate(text, limits);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| resolve(item, shared, limits)),
        Value::Object(fields) => fields.values_mut().for_each(|field| resolve(field, shared, limits)),
        _ => {}
    }
}

/// `text` with each `{LIMIT}` replaced by the limit's value.
fn interpolate(text: &str, limits: &Limits) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let (before, after) = rest.split_at(open);
        out.push_str(before);
        match after.find('}').and_then(|close| Some((limit(limits, &after[1..close])?, close))) {
            Some((value, close)) => {
                let _ = write!(out, "{value}");
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The limit a definition names, by the worker variable that sets it.
fn limit(limits: &Limits, name: &str) -> Option<usize> {
    Some(match name {
        "MAX_CONTENT_BYTES" => limits.max_content_bytes,
        "MAX_TITLE_CHARS" => limits.max_title_chars,
        "MAX_TAGS" => limits.max_tags,
        "MAX_TAG_CHARS" => limits.max_tag_chars,
        "MAX_SOURCE_CHARS" => limits.max_source_chars,
        "MAX_URL_CHARS" => limits.max_url_chars,
        "MAX_QUERY_CHARS" => limits.max_query_chars,
        "MAX_PAGE_SIZE" => limits.max_page_size,
        "DEFAULT_PAGE_SIZE" => limits.default_page_size,
        "MCP_MAX_CONTENT_CHARS" => limits.mcp_max_content_chars,
        _ => return None,
    })
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
        let names: Vec<_> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names, NAMES);
    }

    /// Every placeholder of src/mcp/tools.json stands for something.
    #[test]
    fn definitions_have_no_placeholder_left() {
        fn check(value: &Value, path: &str) {
            match value {
                Value::Null => panic!("{path}: null (an unknown $name?)"),
                Value::String(text) => {
                    assert!(!text.starts_with('$'), "{path}: {text}");
                    assert!(!text.contains("{M") && !text.contains("{D"), "{path}: {text}");
                }
                Value::Array(items) => items.iter().for_each(|item| check(item, path)),
                Value::Object(fields) => {
                    fields.iter().for_each(|(name, field)| check(field, &format!("{path}.{name}")))
                }
                _ => {}
            }
        }
        let limits = Limits { max_title_chars: 123, mcp_max_content_chars: 4567, ..Limits::default() };
        let tools = list(&limits);
        check(&tools, "tools");
        let get = &tools["tools"][2];
        assert!(get["description"].as_str().unwrap().contains("longer than 4567 characters"));
        let save = &tools["tools"][0];
        assert_eq!(save["inputSchema"]["properties"]["title"]["maxLength"], 123);
        assert_eq!(save["annotations"]["title"], "Save a memory");
        let hit = &tools["tools"][1]["outputSchema"]["properties"]["items"]["items"];
        assert_eq!(hit["required"].as_array().unwrap().len(), 13);
        assert_eq!(
            tools["tools"][3]["inputSchema"]["properties"]["kind"]["enum"].as_array().unwrap().len(),
            Kind::ALL.len()
        );
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
