// /v1/search: ranked full-text search with snippets and cursors.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { spawnApp } from "./helpers/app.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

test("finds by words in content, ranks title matches first, marks snippets", async () => {
  const { client } = app.tenant();
  const inContent = (await client.post("/v1/memories", {
    content: "Long notes. Somewhere in here we talk about postgres vacuum tuning for large tables.",
    title: "Database maintenance",
  })).body;
  const inTitle = (await client.post("/v1/memories", {
    content: "autovacuum thresholds, analyze, and bloat",
    title: "Postgres vacuum cheatsheet",
  })).body;
  await client.post("/v1/memories", { content: "Nothing relevant: sourdough bread recipe" });

  const response = await client.get(`/v1/search?q=${encodeURIComponent("postgres vacuum")}`);
  assert.equal(response.status, 200);
  assert.equal(response.body.query, "postgres vacuum");
  assert.deepEqual(response.body.items.map((i) => i.id), [inTitle.id, inContent.id]);
  const [best, second] = response.body.items;
  assert.ok(best.score > second.score);
  assert.match(second.snippet, /<mark>postgres<\/mark>/i);
  assert.equal(best.title, inTitle.title, "items carry the memory fields");
  assert.equal(response.body.next_cursor, null);
});

test("stemming, phrases and exclusion follow web-search syntax", async () => {
  const { client } = app.tenant();
  const running = (await client.post("/v1/memories", { content: "I was running the deployment scripts all night" })).body;
  const other = (await client.post("/v1/memories", { content: "deployment of the new kubernetes cluster" })).body;
  const ids = async (q) => (await client.get(`/v1/search?q=${encodeURIComponent(q)}`)).body.items.map((i) => i.id).sort();
  assert.deepEqual(await ids("runs"), [running.id]);
  assert.deepEqual(await ids("deployment"), [running.id, other.id].sort());
  assert.deepEqual(await ids("deployment -kubernetes"), [running.id]);
  assert.deepEqual(await ids('"kubernetes cluster"'), [other.id]);
  assert.deepEqual(await ids("nothingmatcheshere"), []);
});

test("snippets are HTML-escaped", async () => {
  const { client } = app.tenant();
  await client.post("/v1/memories", { content: "xss attempt <script>alert('memo')</script> here" });
  const response = await client.get("/v1/search?q=attempt");
  const [hit] = response.body.items;
  assert.ok(!hit.snippet.includes("<script>"), hit.snippet);
  assert.match(hit.snippet, /&lt;script&gt;/);
});

test("cursor paging walks every hit exactly once", async () => {
  const { client } = app.tenant();
  const created = [];
  for (let i = 0; i < 7; i++) {
    created.push((await client.post("/v1/memories", { content: `kayak trip number ${i}${" kayak".repeat(i % 3)}` })).body.id);
  }
  const seen = [];
  let cursor = "";
  for (let pages = 0; pages < 10; pages++) {
    const r = await client.get(`/v1/search?q=kayak&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
    assert.equal(r.status, 200);
    seen.push(...r.body.items.map((i) => i.id));
    if (!r.body.next_cursor) break;
    cursor = r.body.next_cursor;
  }
  assert.equal(seen.length, 7);
  assert.deepEqual([...seen].sort(), [...created].sort());
});

test("q is required and bounded; bad cursors are named", async () => {
  const { client } = app.tenant();
  for (const query of ["", "?q=", "?q=%20%20", `?q=${"a".repeat(513)}`]) {
    const r = await client.get(`/v1/search${query}`);
    assert.equal(r.status, 422);
    assert.equal(r.body.error.field, "q");
  }
  const r = await client.get("/v1/search?q=x&cursor=garbage");
  assert.equal(r.status, 422);
  assert.equal(r.body.error.field, "cursor");
});

test("a query of only stop words or punctuation finds nothing and does not fail", async () => {
  const { client } = app.tenant();
  await client.post("/v1/memories", { content: "the and of" });
  for (const q of ["the", "!!!", "-", '"', "or"]) {
    const r = await client.get(`/v1/search?q=${encodeURIComponent(q)}`);
    assert.equal(r.status, 200, q);
    assert.deepEqual(r.body.items, []);
  }
});
