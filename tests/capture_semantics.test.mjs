// Capture semantics a browser extension can rely on: living conversations,
// exact duplicates, idempotent retries and batches.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, describe, test } from "node:test";
import { memoryLaneCapture, spawnApp } from "./helpers/app.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

describe("living conversations", () => {
  test("50 concurrent captures of one conversation leave one row holding the latest state", async () => {
    const { client, name } = app.tenant();
    const id = randomUUID();
    const base = Date.parse("2026-11-26T10:00:00Z");
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        client.post("/v1/memories", {
          ...memoryLaneCapture({ id, content: `Human: question one\nAssistant: answer\n`.repeat(i + 1) + `turn ${i}` }),
          captured_at: new Date(base + i * 1000).toISOString(),
        }),
      ),
    );
    assert.deepEqual(responses.filter((r) => ![200, 201].includes(r.status)).map((r) => r.body), []);
    assert.equal(responses.filter((r) => r.status === 201).length, 1, "exactly one capture created the memory");
    assert.equal(new Set(responses.map((r) => r.body.id)).size, 1);
    assert.equal(await app.countMemories(name), 1);
    const stored = (await client.get(`/v1/memories/${responses[0].body.id}`)).body;
    assert.match(stored.content, /turn 49$/);
    assert.equal(stored.capture_count, 50);
    assert.equal(stored.captured_at, new Date(base + 49_000).toISOString().replace(".000Z", "Z"));
  });

  test("a later state updates, the same state is a duplicate, an older one changes nothing", async () => {
    const { client } = app.tenant();
    const id = randomUUID();
    const capture = (content, at) => client.post("/v1/memories", { ...memoryLaneCapture({ id, content }), captured_at: at });
    const first = await capture("Human: plan a trip\nAssistant: where to?", "2026-11-01T10:00:00Z");
    assert.equal(first.status, 201);
    const grown = await capture("Human: plan a trip\nAssistant: where to?\nHuman: Lisbon", "2026-11-01T10:05:00Z");
    assert.equal(grown.status, 200);
    assert.equal(grown.body.updated, true);
    assert.equal(grown.body.id, first.body.id);
    assert.match(grown.body.content, /Lisbon/);
    const same = await capture("Human: plan a trip\nAssistant: where to?\nHuman: Lisbon", "2026-11-01T10:06:00Z");
    assert.equal(same.status, 200);
    assert.equal(same.body.duplicate, true);
    const stale = await capture("Human: plan a trip", "2026-11-01T09:00:00Z");
    assert.equal(stale.body.duplicate, true);
    assert.match(stale.body.content, /Lisbon/, "an older state never overwrites a newer one");
  });

  test("the conversation is recognised from its URL alone, and a title the user set is kept", async () => {
    const { client, name } = app.tenant();
    const url = `https://claude.ai/chat/${randomUUID()}`;
    const first = await client.post("/v1/memories", { content: "Human: hello", source: "web-clipper", metadata: { url } });
    await client.patch(`/v1/memories/${first.body.id}`, { title: "My chat about nothing" });
    const again = await client.post("/v1/memories", { content: "Human: hello\nAssistant: hi there", source: "web-clipper", metadata: { url } });
    assert.equal(again.body.updated, true);
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.body.kind, "claude_conversation");
    assert.equal(again.body.title, "My chat about nothing");
    assert.equal(await app.countMemories(name), 1);
  });
});

describe("exact duplicates", () => {
  test("the same content, whitespace and line endings aside, is stored once", async () => {
    const { client, name } = app.tenant();
    const first = await client.post("/v1/memories", { content: "Buy milk\nand eggs" });
    assert.equal(first.status, 201);
    const again = await client.post("/v1/memories", { content: "  Buy milk\r\n\tand   eggs \n" });
    assert.equal(again.status, 200);
    assert.equal(again.body.duplicate, true);
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.body.capture_count, 2);
    assert.equal(await app.countMemories(name), 1);
    const other = await client.post("/v1/memories", { content: "Buy milk and bread" });
    assert.equal(other.status, 201);
  });

  test("the old POST /memory follows the same rules", async () => {
    const { client, name } = app.tenant();
    const first = await client.post("/memory", { content: "legacy duplicate", source: "script" });
    const again = await client.post("/memory", { content: "legacy duplicate", source: "script" });
    assert.equal(first.body.memory_id, again.body.memory_id);
    assert.match(again.body.message, /already/i);
    assert.equal(await app.countMemories(name), 1);
  });

  test("concurrent identical captures make one row", async () => {
    const { client, name } = app.tenant();
    const responses = await Promise.all(Array.from({ length: 20 }, () => client.post("/v1/memories", { content: "same thing at once" })));
    const statuses = responses.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 201).length, 1, JSON.stringify(statuses));
    assert.equal(statuses.filter((s) => s === 200).length, 19, JSON.stringify(statuses));
    assert.equal(await app.countMemories(name), 1);
  });
});

describe("idempotent retries", () => {
  test("a retried capture gets the first answer and stores one row", async () => {
    const { client, name } = app.tenant();
    const headers = { "idempotency-key": `retry-${randomUUID()}` };
    const body = { content: `note ${randomUUID()}` };
    const first = await client.post("/v1/memories", body, { headers });
    const retry = await client.post("/v1/memories", body, { headers });
    assert.equal(first.status, 201);
    assert.equal(retry.status, 201, "the first status, not 200 duplicate");
    assert.deepEqual(retry.body, first.body);
    assert.equal(retry.headers.get("idempotent-replayed"), "true");
    assert.equal(await app.countMemories(name), 1);
  });

  test("concurrent retries with one key run the request once", async () => {
    const { client, name } = app.tenant();
    const headers = { "idempotency-key": randomUUID() };
    const body = { content: `concurrent ${randomUUID()}` };
    const responses = await Promise.all(Array.from({ length: 10 }, () => client.post("/v1/memories", body, { headers })));
    for (const r of responses) assert.ok([201, 409].includes(r.status), JSON.stringify(r.body));
    const conflict = responses.find((r) => r.status === 409);
    if (conflict) {
      assert.equal(conflict.body.error.code, "request_in_progress");
      assert.equal(conflict.headers.get("retry-after"), "1");
    }
    assert.equal(await app.countMemories(name), 1);
  });

  test("a reused key with a different body is a 422 naming the header", async () => {
    const { client } = app.tenant();
    const headers = { "idempotency-key": randomUUID() };
    await client.post("/v1/memories", { content: "one" }, { headers });
    const r = await client.post("/v1/memories", { content: "two" }, { headers });
    assert.equal(r.status, 422);
    assert.equal(r.body.error.field, "Idempotency-Key");
  });

  test("a retried delete and patch answer as the first time", async () => {
    const { client } = app.tenant();
    const id = (await client.post("/v1/memories", { content: "to be changed" })).body.id;
    const patchKey = { "idempotency-key": randomUUID() };
    const patched = await client.patch(`/v1/memories/${id}`, { title: "Changed" }, { headers: patchKey });
    const patchedAgain = await client.patch(`/v1/memories/${id}`, { title: "Changed" }, { headers: patchKey });
    assert.deepEqual(patchedAgain.body, patched.body);
    const deleteKey = { "idempotency-key": randomUUID() };
    assert.equal((await client.delete(`/v1/memories/${id}`, { headers: deleteKey })).status, 204);
    assert.equal((await client.delete(`/v1/memories/${id}`, { headers: deleteKey })).status, 204);
    assert.equal((await client.delete(`/v1/memories/${id}`)).status, 404);
  });

  test("a malformed key is a 422", async () => {
    const { client } = app.tenant();
    const r = await client.post("/v1/memories", { content: "x" }, { headers: { "idempotency-key": "has spaces in it" } });
    assert.equal(r.status, 422);
    assert.equal(r.body.error.field, "Idempotency-Key");
  });
});

describe("batch", () => {
  test("100 items with 3 bad ones store 97 and report 3, in order", async () => {
    const { client, name } = app.tenant();
    const bad = new Map([[7, { content: "" }], [42, { content: "x", tags: "nope" }], [99, "not an object"]]);
    const items = Array.from({ length: 100 }, (_, i) => bad.get(i) ?? { content: `batch item ${i} ${randomUUID()}` });
    const r = await client.post("/v1/memories/batch", { items });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.results.length, 100);
    r.body.results.forEach((result, i) => assert.equal(result.index, i));
    assert.deepEqual(r.body.summary, { created: 97, updated: 0, duplicate: 0, failed: 3 });
    assert.equal(r.body.results[7].error.field, "items[7].content");
    assert.equal(r.body.results[42].error.field, "items[42].tags");
    assert.equal(r.body.results[99].status, "error");
    assert.equal(r.body.results[0].status, "created");
    assert.match(r.body.results[0].memory.id, /^[0-9a-f-]{36}$/);
    assert.equal(await app.countMemories(name), 97);
  });

  test("repeats within a batch and of stored memories are duplicates; conversations keep their latest state", async () => {
    const { client, name } = app.tenant();
    await client.post("/v1/memories", { content: "already here" });
    const id = randomUUID();
    const items = [
      { content: "already here" },
      { content: "twice in one batch" },
      { content: "twice  in one batch " },
      { ...memoryLaneCapture({ id, content: "Human: v2" }), captured_at: "2026-11-26T10:02:00Z" },
      { ...memoryLaneCapture({ id, content: "Human: v1" }), captured_at: "2026-11-26T10:01:00Z" },
    ];
    const r = await client.post("/v1/memories/batch", { items });
    assert.deepEqual(r.body.results.map((x) => x.status), ["duplicate", "created", "duplicate", "created", "duplicate"]);
    assert.equal(r.body.results[1].memory.id, r.body.results[2].memory.id);
    // Results say what happened in brief; the content is GET's.
    assert.deepEqual(Object.keys(r.body.results[4].memory).sort(), ["id", "kind", "tags", "title"]);
    assert.equal((await client.get(`/v1/memories/${r.body.results[4].memory.id}`)).body.content, "Human: v2");
    assert.equal(await app.countMemories(name), 3);
  });

  test("the batch itself is bounded", async () => {
    const { client } = app.tenant();
    for (const body of [{}, { items: [] }, { items: Array.from({ length: 101 }, (_, i) => ({ content: `${i}` })) }]) {
      const r = await client.post("/v1/memories/batch", body);
      assert.equal(r.status, 422);
      assert.equal(r.body.error.field, "items");
    }
  });
});

describe("content edge cases", () => {
  test("backslashes and escapes in content are stored and deduplicated", async () => {
    const { client, name } = app.tenant();
    const content = String.raw`C:\Users\x\new \x41 \\ \u0000-not-a-nul \' end`;
    const first = await client.post("/v1/memories", { content });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.content, content);
    assert.equal((await client.post("/v1/memories", { content })).body.duplicate, true);
    assert.equal(await app.countMemories(name), 1);
  });

  test("a patch that gives a memory another memory's content is a 422 on content", async () => {
    const { client } = app.tenant();
    await client.post("/v1/memories", { content: "first" });
    const second = (await client.post("/v1/memories", { content: "second" })).body;
    const r = await client.patch(`/v1/memories/${second.id}`, { content: "first" });
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.error.field, "content");
  });
});
