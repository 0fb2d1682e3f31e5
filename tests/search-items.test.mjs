// Search items carry a preview of their content and its length, the content
// only with `include=content` (then the page ends at MAX_PAGE_CONTENT_BYTES
// of contents); and the `url:` filter.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { spawnApp } from "./helpers/app.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

/** PREVIEW_CHARS and MAX_PAGE_CONTENT_BYTES, the defaults the test stack runs with. */
const PREVIEW_CHARS = 300;
const MAX_PAGE_CONTENT_BYTES = 1048576;

test("items carry a preview and the content's length, the content only when asked for", async () => {
  const { client } = app.tenant();
  const content = `Über kayaks: ${"paddle strokes and eddies ".repeat(40)}`;
  const created = (await client.post("/v1/memories", { title: "Kayak notes", content })).body;
  const r = await client.get("/v1/search?q=kayak");
  assert.equal(r.status, 200);
  const [item] = r.body.items;
  assert.equal(item.id, created.id);
  assert.equal(item.content, undefined, "no content unless asked for");
  assert.equal(item.preview, [...content].slice(0, PREVIEW_CHARS).join(""));
  assert.equal(item.content_length, [...content].length);
  assert.match(item.snippet, /<mark>kayaks<\/mark>/i);
  const whole = await client.get("/v1/search?q=kayak&include=content");
  assert.equal(whole.body.items[0].content, content);
  assert.equal((await client.get("/v1/search?q=kayak&include=everything")).body.error.field, "include");
  // The old server's route keeps its 200-character preview.
  const legacy = await client.get("/search?q=kayak");
  assert.equal(legacy.body.results[0].content, [...content].slice(0, 200).join(""));
});

test("with contents, a page ends at its byte budget and the next goes on from there", async () => {
  const { client } = app.tenant();
  // Four hits of 400 KB: two make 800 KB, a third would pass 1 MiB.
  const ids = [];
  for (let i = 0; i < 4; i++) {
    const content = `heron ${i} ${"x".repeat(400_000)}`;
    const r = await client.post("/v1/memories", { title: `Big heron ${i}`, content });
    assert.equal(r.status, 201);
    ids.push(r.body.id);
  }
  const seen = [];
  let cursor = "";
  const sizes = [];
  for (let pages = 0; pages < 6; pages++) {
    const r = await client.get(`/v1/search?q=heron&include=content&limit=10${cursor ? `&cursor=${cursor}` : ""}`);
    assert.equal(r.status, 200);
    const bytes = r.body.items.reduce((sum, item) => sum + Buffer.byteLength(item.content), 0);
    assert.ok(bytes <= MAX_PAGE_CONTENT_BYTES || r.body.items.length === 1, `${bytes} bytes in a page`);
    sizes.push(r.body.items.length);
    seen.push(...r.body.items.map((item) => item.id));
    if (!r.body.next_cursor) break;
    cursor = r.body.next_cursor;
  }
  assert.deepEqual(sizes, [2, 2]);
  assert.deepEqual([...seen].sort(), [...ids].sort(), "every hit once");
  // Without contents, one page holds them all.
  const previews = await client.get("/v1/search?q=heron&limit=10");
  assert.equal(previews.body.items.length, 4);
  assert.equal(previews.body.next_cursor, null);
  assert.ok(previews.body.items.every((item) => item.content_length === 400_008 && item.preview.length === PREVIEW_CHARS));
});

test("url: finds the memories stored with exactly that URL, the caller's only", async () => {
  const mine = app.tenant();
  const theirs = app.tenant();
  const url = "https://example.com/docs/page?x=1";
  const a = (await mine.client.post("/v1/memories", { content: "Heron migration notes", url })).body;
  const b = (await mine.client.post("/v1/memories", { content: "Egret notes", url })).body;
  await mine.client.post("/v1/memories", { content: "Heron notes elsewhere", url: `${url}&y=2` });
  await theirs.client.post("/v1/memories", { content: "Heron notes of another tenant", url });
  const ids = async (client, query) => {
    const r = await client.get(`/v1/search?${query}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.items.map((item) => item.id).sort();
  };
  assert.deepEqual(await ids(mine.client, `url=${encodeURIComponent(url)}`), [a.id, b.id].sort());
  assert.deepEqual(await ids(mine.client, `q=${encodeURIComponent(`url:${url}`)}`), [a.id, b.id].sort());
  assert.deepEqual(await ids(mine.client, `q=heron&url=${encodeURIComponent(url)}`), [a.id]);
  assert.deepEqual(await ids(mine.client, `q=${encodeURIComponent(`heron url:${url}`)}`), [a.id]);
  assert.deepEqual(await ids(mine.client, `url=${encodeURIComponent("https://example.com/docs/page")}`), []);
  const bad = await mine.client.get("/v1/search?url=not-a-url");
  assert.equal(bad.status, 422);
  assert.equal(bad.body.error.field, "url");
});
