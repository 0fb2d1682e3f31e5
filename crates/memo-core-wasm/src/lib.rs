//! memo-core for the browser and Node: the same title, kind and tag engine
//! as the worker, compiled to wasm and exported as one call.
//!
//! ```js
//! import init, { analyze } from "./pkg/memo_core_wasm.js";
//! await init();
//! const { title, kind, tags } = analyze({
//!   content: "You said:\nHow do I center a div?\nChatGPT said:\nUse flexbox.",
//!   source: "chatgpt-extension-v2",
//!   tags: ["css"],
//!   metadata: { url: "https://chatgpt.com/c/1" },
//!   capturedAt: "2026-11-03T09:30:00Z",
//! });
//! ```
//!
//! `content` is required; `source`, `title`, `tags` and `metadata` are
//! optional. `capturedAt` is an RFC 3339 string, milliseconds since the
//! epoch or a `Date`; when absent, the current time is used. Bad input
//! throws a `TypeError` naming the field.

use chrono::{DateTime, Utc};
use js_sys::{Date, Reflect};
use memo_core::{Analyzer, CaptureInput};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wasm_bindgen::prelude::*;

/// The capture fields other than `capturedAt`, which needs a `Date` check.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Capture {
    content: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    metadata: Option<Value>,
}

#[derive(Debug, Serialize)]
struct Output<'a> {
    title: &'a str,
    kind: &'a str,
    tags: &'a [String],
}

/// Title, kind and tags for one capture:
/// `analyze({content, source?, title?, tags?, metadata?, capturedAt?})`
/// → `{title, kind, tags}`.
#[wasm_bindgen]
pub fn analyze(capture: JsValue) -> Result<JsValue, JsValue> {
    if !capture.is_object() {
        return Err(type_error("analyze() takes an object with at least `content`"));
    }
    let captured_at = captured_at(&Reflect::get(&capture, &"capturedAt".into())?)?;
    let capture: Capture =
        serde_wasm_bindgen::from_value(capture).map_err(|e| type_error(&format!("invalid capture: {e}")))?;
    let tags = capture.tags.unwrap_or_default();
    // Cheap: the built-in dictionaries are parsed once and shared.
    let analysis = Analyzer::new().analyze(&CaptureInput {
        content: &capture.content,
        source: capture.source.as_deref(),
        title: capture.title.as_deref(),
        tags: &tags,
        metadata: capture.metadata.as_ref(),
        captured_at,
    });
    let output = Output { title: &analysis.title, kind: analysis.kind.as_str(), tags: &analysis.tags };
    output.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| type_error(&e.to_string()))
}

/// Whether the search index stores `c` as a word of its own (Han, kana,
/// Hangul): memo-core's rule, exported so tests/text-rules.test.mjs can
/// compare the database's copy of it with the original.
#[wasm_bindgen(js_name = isIndexedAlone)]
pub fn is_indexed_alone(c: char) -> bool {
    memo_core::is_indexed_alone(c)
}

/// `capturedAt` as a `Date`, milliseconds or an RFC 3339 string; now if
/// absent.
fn captured_at(value: &JsValue) -> Result<DateTime<Utc>, JsValue> {
    let millis = if value.is_undefined() || value.is_null() {
        Date::now()
    } else if let Some(date) = value.dyn_ref::<Date>() {
        date.get_time()
    } else if let Some(millis) = value.as_f64() {
        millis
    } else if let Some(text) = value.as_string() {
        return DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| type_error("capturedAt must be an RFC 3339 date-time"));
    } else {
        return Err(type_error("capturedAt must be a Date, a number or a string"));
    };
    if !millis.is_finite() {
        return Err(type_error("capturedAt is not a valid time"));
    }
    DateTime::from_timestamp_millis(millis as i64).ok_or_else(|| type_error("capturedAt is out of range"))
}

fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}
