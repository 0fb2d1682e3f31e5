// /v1/memories: capture, read, list with cursors, patch, delete.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { memoryLaneCapture, spawnApp } from "./helpers/app.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

describe("capture", () => {
  test("stores a memory with a title, kind and tags and returns it with 201", async () => {
    const { client, name } = app.tenant();
    const response = await client.post("/v1/memories", memoryLaneCapture());
    assert.equal(response.status, 201);
    const memory = response.body;
    assert.match(memory.id, /^[0-9a-f-]{36}$/);
    assert.equal(memory.kind, "chatgpt_conversation");
    assert.ok(memory.title.length > 0 && memory.title.length <= 300, memory.title);
    assert.ok(!/^human:/i.test(memory.title), `role marker in title: ${memory.title}`);
    assert.ok(memory.tags.includes("chatgpt"), JSON.stringify(memory.tags));
    assert.ok(memory.tags.includes("python"), JSON.stringify(memory.tags));
    assert.equal(memory.url.startsWith("https://chatgpt.com/c/"), true);
    assert.equal(memory.source, "chatgpt-extension-v2");
    assert.equal(memory.metadata.platform, "ChatGPT");
    for (const field of ["created_at", "updated_at", "captured_at"]) assert.ok(!Number.isNaN(Date.parse(memory[field])));
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    assert.equal(await app.countMemories(name), 1);

    const stored = await client.get(`/v1/memories/${memory.id}`);
    assert.equal(stored.status, 200);
    assert.deepEqual(stored.body, memory);
  });

  test("an explicit title and tags win, and user tags come first", async () => {
    const { client } = app.tenant();
    const response = await client.post("/v1/memories", {
      content: "Some notes about sourdough starter hydration and feeding schedules.",
      title: "  My   bread notes ",
      tags: ["Baking", "to read"],
      captured_at: "2026-03-04T10:00:00Z",
    });
    assert.equal(response.status, 201);
    assert.equal(response.body.title, "My bread notes");
    assert.deepEqual(response.body.tags.slice(0, 2), ["baking", "to-read"]);
    assert.equal(response.body.captured_at, "2026-03-04T10:00:00Z");
  });

  test("a note without metadata gets kind note and a date-based fallback only when nothing better exists", async () => {
    const { client } = app.tenant();
    const response = await client.post("/v1/memories", { content: "Remember to renew the passport before March." });
    assert.equal(response.status, 201);
    assert.equal(response.body.kind, "note");
    assert.match(response.body.title, /passport/i);
    assert.equal(response.body.source, null);
  });
});

describe("list", () => {
  test("newest first with a stable keyset cursor", async () => {
    const { client } = app.tenant();
    const ids = [];
    for (let i = 0; i < 5; i++) {
      const r = await client.post("/v1/memories", { content: `note number ${i} about gardening` });
      ids.push(r.body.id);
    }
    const first = await client.get("/v1/memories?limit=2");
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.items.map((m) => m.id), [ids[4], ids[3]]);
    assert.ok(first.body.next_cursor);
    // A capture arriving between pages does not shift the next page.
    await client.post("/v1/memories", { content: "a late arrival" });
    const second = await client.get(`/v1/memories?limit=2&cursor=${first.body.next_cursor}`);
    assert.deepEqual(second.body.items.map((m) => m.id), [ids[2], ids[1]]);
    const third = await client.get(`/v1/memories?limit=2&cursor=${second.body.next_cursor}`);
    assert.deepEqual(third.body.items.map((m) => m.id), [ids[0]]);
    assert.equal(third.body.next_cursor, null);
  });

  test("an empty tenant lists nothing", async () => {
    const { client } = app.tenant();
    const response = await client.get("/v1/memories");
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { items: [], next_cursor: null });
  });

  test("limit defaults to 20 and is bounded", async () => {
    const { client } = app.tenant();
    await Promise.all(Array.from({ length: 22 }, (_, i) => client.post("/v1/memories", { content: `item ${i}` })));
    const page = await client.get("/v1/memories");
    assert.equal(page.body.items.length, 20);
    assert.ok(page.body.next_cursor);
    for (const bad of ["0", "101", "x"]) {
      const r = await client.get(`/v1/memories?limit=${bad}`);
      assert.equal(r.status, 422);
      assert.equal(r.body.error.field, "limit");
    }
  });
});

describe("patch", () => {
  test("title and tags set by the user are kept when content changes", async () => {
    const { client } = app.tenant();
    const created = (await client.post("/v1/memories", { content: "Human: explain rust lifetimes\nAssistant: ..." })).body;
    const titled = await client.patch(`/v1/memories/${created.id}`, { title: "Lifetimes, finally" });
    assert.equal(titled.status, 200);
    assert.equal(titled.body.title, "Lifetimes, finally");
    assert.deepEqual(titled.body.tags, created.tags);

    const rewritten = await client.patch(`/v1/memories/${created.id}`, { content: "A note about kubernetes deployments" });
    assert.equal(rewritten.status, 200);
    assert.equal(rewritten.body.title, "Lifetimes, finally");
    assert.equal(rewritten.body.content, "A note about kubernetes deployments");
    assert.notDeepEqual(rewritten.body.tags, created.tags, "tags are recomputed from the new content");
    assert.ok(Date.parse(rewritten.body.updated_at) > Date.parse(created.updated_at));

    const tagged = await client.patch(`/v1/memories/${created.id}`, { tags: ["k8s"] });
    assert.deepEqual(tagged.body.tags, ["k8s"]);
    const again = await client.patch(`/v1/memories/${created.id}`, { content: "Now about python asyncio" });
    assert.deepEqual(again.body.tags, ["k8s"], "user tags survive content changes");
  });

  test("content change recomputes an automatic title", async () => {
    const { client } = app.tenant();
    const created = (await client.post("/v1/memories", { content: "# Packing list\n- tent" })).body;
    const changed = await client.patch(`/v1/memories/${created.id}`, { content: "# Grocery list\n- milk" });
    assert.match(changed.body.title, /Grocery list/);
  });

  test("bad patches are rejected and change nothing", async () => {
    const { client } = app.tenant();
    const created = (await client.post("/v1/memories", { content: "keep me" })).body;
    for (const [body, field] of [
      [{}, "body"],
      [{ titel: "typo" }, "titel"],
      [{ title: "" }, "title"],
      [{ tags: "one" }, "tags"],
      [{ content: "   " }, "content"],
    ]) {
      const r = await client.patch(`/v1/memories/${created.id}`, body);
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.equal(r.body.error.field, field);
    }
    assert.deepEqual((await client.get(`/v1/memories/${created.id}`)).body, created);
  });
});

describe("delete", () => {
  test("204, then 404 for the same id", async () => {
    const { client, name } = app.tenant();
    const created = (await client.post("/v1/memories", { content: "short lived" })).body;
    const deleted = await client.delete(`/v1/memories/${created.id}`);
    assert.equal(deleted.status, 204);
    assert.equal(deleted.body, null);
    assert.equal((await client.delete(`/v1/memories/${created.id}`)).status, 404);
    assert.equal((await client.get(`/v1/memories/${created.id}`)).status, 404);
    assert.equal(await app.countMemories(name), 0);
  });

  test("ids that are not UUIDs are 404", async () => {
    const { client } = app.tenant();
    for (const method of ["get", "delete"]) {
      const r = await client[method]("/v1/memories/not-a-uuid");
      assert.equal(r.status, 404);
      assert.equal(r.body.error.code, "not_found");
    }
  });
});
