// Answers bounded by what they must say, not by how large the memories are
// (issue 18 §1): list items carry a preview and the content's length, contents
// only when asked for and then at most MAX_PAGE_CONTENT_BYTES a page; batch and
// import results never carry contents, whatever the items fold into.
// tests/reliability/bounded-memory.mjs measures the worker's memory on the
// same requests.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, describe, test } from "node:test";
import { memoryLaneCapture, spawnApp } from "./helpers/app.mjs";

const KIB = 1024;
/** The defaults of PREVIEW_CHARS and MAX_PAGE_CONTENT_BYTES (wrangler.toml). */
const PREVIEW_CHARS = 300;
const MAX_PAGE_CONTENT_BYTES = 1024 * KIB;

/** A content of exactly `bytes` UTF-8 bytes, led by `label`. */
export function largeContent(label, bytes) {
  const lead = `${label} `;
  const words = "postgres worker memory bounded page cursor preview ";
  return (lead + words.repeat(Math.ceil(bytes / words.length))).slice(0, bytes);
}

let app;
before(async () => {
  app = await spawnApp();
});

describe("list items", () => {
  test("carry a preview and the content's length in characters, not the content", async () => {
    const { client } = app.tenant();
    const content = `Grüße aus Köln ${"é".repeat(400)}`;
    const created = await client.post("/v1/memories", { content });
    assert.equal(created.status, 201);
    const page = await client.get("/v1/memories");
    assert.equal(page.status, 200);
    const [item] = page.body.items;
    assert.equal(item.id, created.body.id);
    assert.equal("content" in item, false);
    assert.equal(item.preview, [...content].slice(0, PREVIEW_CHARS).join(""));
    assert.equal(item.content_length, [...content].length);
    assert.equal(item.title, created.body.title);
    const whole = await client.get("/v1/memories?include=content");
    assert.equal(whole.body.items[0].content, content);
    assert.equal(whole.body.items[0].preview, item.preview);
    assert.equal((await client.get(`/v1/memories/${item.id}`)).body.content, content);
    const bad = await client.get("/v1/memories?include=everything");
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.field, "include");
  });

  test("with include=content a page of 500 KiB memories ends at MAX_PAGE_CONTENT_BYTES and the cursor goes on", async () => {
    const { client } = app.tenant();
    const contents = [];
    for (let i = 0; i < 5; i++) {
      const content = largeContent(`large ${i} ${randomUUID()}`, 500 * KIB);
      assert.equal((await client.post("/v1/memories", { content })).status, 201);
      contents.push(content);
    }
    const previews = await client.get("/v1/memories?limit=10");
    assert.equal(previews.body.items.length, 5);
    assert.equal(previews.body.next_cursor, null);
    assert.ok(JSON.stringify(previews.body).length < 10 * KIB, "a page of previews is small");

    const seen = [];
    let cursor = "";
    let pages = 0;
    do {
      const page = await client.get(`/v1/memories?limit=10&include=content${cursor ? `&cursor=${cursor}` : ""}`);
      assert.equal(page.status, 200);
      const bytes = page.body.items.reduce((n, item) => n + Buffer.byteLength(item.content), 0);
      assert.ok(page.body.items.length === 1 || bytes <= MAX_PAGE_CONTENT_BYTES, `page of ${bytes} bytes`);
      assert.ok(page.body.items.length >= 1);
      seen.push(...page.body.items.map((item) => item.content));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3, "two memories a page, then one");
    assert.deepEqual(seen, [...contents].reverse());

    // An export reads the same byte-bounded pages and streams them all.
    const exported = await fetch(`${client.baseUrl}/v1/export`, { headers: { authorization: `Bearer ${client.key}` } });
    const lines = (await exported.text()).trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(lines.pop(), { schema: "memo.export/1", end: true, count: 5 });
    assert.deepEqual(lines.map((line) => line.content), [...contents].reverse());
  });

  test("a page with contents holds at least its first memory", async () => {
    // A memory larger than MAX_PAGE_CONTENT_BYTES still makes a page of its
    // own (the rule in crates/memo-api/src/sql/memories.rs); here the budget is the default.
    const { client } = app.tenant();
    await client.post("/v1/memories", { content: "small one" });
    const page = await client.get("/v1/memories?include=content&limit=1");
    assert.equal(page.body.items.length, 1);
    assert.equal(page.body.next_cursor, null);
  });
});

describe("batch and import results", () => {
  test("say what happened in brief, never the content", async () => {
    const { client } = app.tenant();
    const items = [{ content: largeContent("batch", 300 * KIB) }, { content: "a short note" }, { content: "" }];
    const r = await client.post("/v1/memories/batch", { items });
    assert.equal(r.status, 200);
    for (const result of r.body.results.slice(0, 2)) {
      assert.deepEqual(Object.keys(result.memory).sort(), ["id", "kind", "tags", "title"]);
    }
    assert.equal(r.body.results[2].status, "error");
    assert.ok(JSON.stringify(r.body).length < 4 * KIB);
  });

  test("an import of 1,000 small lines of one large stored conversation answers with a small body", async () => {
    const { client, name } = app.tenant();
    const id = randomUUID();
    const stored = await client.post("/v1/memories", {
      ...memoryLaneCapture({ id, content: largeContent("Human: the long conversation", 500 * KIB) }),
      captured_at: "2026-11-20T12:00:00Z",
    });
    assert.equal(stored.status, 201);
    // Older states of the same conversation: each folds into the stored memory.
    const lines = Array.from({ length: 1000 }, (_, i) =>
      JSON.stringify({ ...memoryLaneCapture({ id, content: `Human: state ${i}` }), captured_at: "2026-11-01T00:00:00Z" }),
    );
    const body = `${lines.join("\n")}\n`;
    const r = await client.request("POST", "/v1/import", { body, headers: { "content-type": "application/x-ndjson" } });
    assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 300));
    assert.deepEqual(r.body.summary, { created: 0, updated: 0, duplicate: 1000, failed: 0 });
    assert.ok(r.body.results.every((result) => result.memory.id === stored.body.id));
    // A result in brief is a few hundred bytes; with the stored memory's
    // content in each (as before), this answer was 500 MiB.
    const size = JSON.stringify(r.body).length;
    assert.ok(size < 512 * KIB, `an answer of ${size} bytes`);
    assert.equal(await app.countMemories(name), 1);
  });
});
