// The web app's pure helpers (web/src/text.js): filter chips, snippets shown
// as text with only the server's <mark>, conversation turns, links.
import assert from "node:assert/strict";
import { test } from "node:test";
import { filtersOf, safeUrl, snippetParts, tagList, turnsOf, withoutFilter, withTag } from "../web/src/text.js";

test("filters in a query become chips that can be removed", () => {
  const query = 'autovacuum #postgres kind:note source:"two words" after:2025-01 url:https://x.test/a';
  assert.deepEqual(filtersOf(query).map((f) => f.text), ["#postgres", "kind:note", 'source:"two words"', "after:2025-01", "url:https://x.test/a"]);
  assert.equal(withoutFilter(query, filtersOf(query)[0]), 'autovacuum kind:note source:"two words" after:2025-01 url:https://x.test/a');
  assert.deepEqual(filtersOf("a#b c"), [], "a # inside a word is not a tag");
  assert.equal(withTag("rust", "ops"), "rust #ops");
  assert.equal(withTag("rust #ops", "ops"), "rust #ops");
});

test("a snippet renders only <mark> and shows everything else as text", () => {
  const parts = snippetParts("a &lt;b&gt; <mark>word</mark> &amp;lt; <img src=x>");
  assert.deepEqual(parts, [
    { text: "a <b> ", mark: false },
    { text: "word", mark: true },
    { text: " &lt; <img src=x>", mark: false },
  ]);
});

test("conversations split into turns; other text does not", () => {
  assert.deepEqual(turnsOf("Human: hi\nthere\nAssistant: hello"), [
    { role: "user", text: "hi\nthere" },
    { role: "assistant", text: "hello" },
  ]);
  assert.deepEqual(turnsOf("**You said:** q\n**ChatGPT said:** a").map((t) => t.role), ["user", "assistant"]);
  assert.equal(turnsOf("Just a note\nHuman: quoted"), null);
});

test("tags typed in a box, and which URLs become links", () => {
  assert.deepEqual(tagList(" #a, b  c,,"), ["a", "b", "c"]);
  assert.equal(safeUrl("javascript:alert(1)"), null);
  assert.equal(safeUrl("not a url"), null);
  assert.equal(safeUrl("https://example.org/x"), "https://example.org/x");
});
