// The browser build gives the same answers as the native crate.
//
//   node crates/memo-core-wasm/build.mjs && node --test crates/memo-core-wasm/tests/

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";

import { goldenCases, loadModule } from "./load.mjs";

let analyze;
before(async () => {
  ({ analyze } = await loadModule());
});

describe("golden corpus", () => {
  for (const { name, capture, expected } of goldenCases()) {
    test(name, () => {
      assert.deepEqual(analyze(capture), expected);
    });
  }
});

describe("analyze()", () => {
  const at = "2026-11-03T09:30:00Z";

  test("returns exactly title, kind and tags", () => {
    const result = analyze({
      content: "You said:\nHow do I center a div?\nChatGPT said:\nUse flexbox.",
      source: "chatgpt-extension-v2",
      tags: ["CSS Tricks"],
      metadata: { url: "https://chatgpt.com/c/1" },
      capturedAt: at,
    });
    assert.deepEqual(Object.keys(result), ["title", "kind", "tags"]);
    assert.equal(result.title, "How do I center a div?");
    assert.equal(result.kind, "chatgpt_conversation");
    assert.deepEqual(result.tags.slice(0, 3), ["css-tricks", "chatgpt", "openai"]);
    assert.equal(result.tags.at(-1), "captured-2026-11");
  });

  test("accepts capturedAt as a Date, milliseconds or a string", () => {
    const date = new Date(at);
    for (const capturedAt of [date, date.getTime(), at]) {
      assert.equal(analyze({ content: "", capturedAt }).title, "Note · 2026-11-03");
    }
  });

  test("defaults capturedAt to now", () => {
    const before = new Date().toISOString().slice(0, 7);
    const { tags } = analyze({ content: "x" });
    const after = new Date().toISOString().slice(0, 7);
    assert.ok([`captured-${before}`, `captured-${after}`].includes(tags.at(-1)), tags.join());
  });

  test("optional fields may be null", () => {
    const result = analyze({ content: "note", source: null, title: null, tags: null, metadata: null, capturedAt: at });
    assert.equal(result.kind, "note");
  });

  test("keeps metadata of any shape", () => {
    const metadata = { url: 42, messageCount: "7", richContent: { images: [{}], codeBlocks: "none" }, extra: [1, [2]] };
    const result = analyze({ content: "Human: hi\nAssistant: hello", source: "claude-extension", metadata, capturedAt: at });
    assert.equal(result.kind, "claude_conversation");
    assert.ok(result.tags.includes("has-images"));
    assert.ok(result.tags.includes("medium-conversation"));
  });

  test("handles large and unusual text", () => {
    const content = "机器学习 🎉 ".repeat(50_000) + "[".repeat(10_000);
    const result = analyze({ content, capturedAt: at });
    assert.ok(result.title.length > 0 && [...result.title].length <= 80);
  });

  test("rejects bad input with a TypeError", () => {
    assert.throws(() => analyze("text"), TypeError);
    assert.throws(() => analyze({}), TypeError);
    assert.throws(() => analyze({ content: 5 }), TypeError);
    assert.throws(() => analyze({ content: "x", tags: "a,b" }), TypeError);
    assert.throws(() => analyze({ content: "x", capturedAt: "yesterday" }), TypeError);
    assert.throws(() => analyze({ content: "x", capturedAt: Number.NaN }), TypeError);
  });
});
