// The old server's routes, driven with MemoryLane-shaped payloads.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { memoryLaneCapture, spawnApp } from "./helpers/app.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

test("POST /memory answers {success, memory_id, message}", async () => {
  const { client, name } = app.tenant();
  const response = await client.post("/memory", memoryLaneCapture({ platform: "Claude" }));
  assert.equal(response.status, 200);
  assert.equal(response.body.success, true);
  assert.match(response.body.memory_id, /^[0-9a-f-]{36}$/);
  assert.equal(typeof response.body.message, "string");
  const stored = await client.get(`/v1/memories/${response.body.memory_id}`);
  assert.equal(stored.body.kind, "claude_conversation");
  assert.equal(await app.countMemories(name), 1);
});

test("GET /memories pages by offset with the total", async () => {
  const { client } = app.tenant();
  for (let i = 0; i < 3; i++) await client.post("/memory", memoryLaneCapture());
  const response = await client.get("/memories?limit=2&offset=1");
  assert.equal(response.status, 200);
  assert.equal(response.body.total, 3);
  assert.equal(response.body.limit, 2);
  assert.equal(response.body.offset, 1);
  assert.equal(response.body.memories.length, 2);
  const [first] = response.body.memories;
  assert.deepEqual(Object.keys(first).sort(), ["created_at", "id", "tags", "title", "type"]);
  assert.equal(first.type, "chatgpt_conversation");
  const bad = await client.get("/memories?offset=-1");
  assert.equal(bad.status, 422);
  assert.equal(bad.body.error.field, "offset");
});

test("GET /search answers {query, count, results} with 200-character content", async () => {
  const { client } = app.tenant();
  await client.post("/memory", memoryLaneCapture({ content: `asyncpg pool exhausted ${"lorem ipsum ".repeat(50)}` }));
  await client.post("/memory", memoryLaneCapture({ content: "unrelated knitting pattern" }));
  const response = await client.get("/search?q=asyncpg&limit=5");
  assert.equal(response.status, 200);
  assert.equal(response.body.query, "asyncpg");
  assert.equal(response.body.count, 1);
  const [result] = response.body.results;
  assert.equal(result.content.length, 200);
  assert.deepEqual(Object.keys(result).sort(), ["content", "created_at", "id", "tags", "title", "type"]);
  // The old server answered 400 without q; its clients may depend on it.
  for (const path of ["/search", "/search?q=", "/search?limit=5"]) {
    const missing = await client.get(path);
    assert.equal(missing.status, 400, path);
    assert.equal(missing.body.error.code, "missing_parameter");
    assert.equal(missing.body.error.field, "q");
  }
});

test("GET / reports healthy to a client with a key", async () => {
  const { client } = app.tenant();
  const response = await client.get("/");
  assert.equal(response.status, 200);
  assert.equal(response.body.status, "healthy");
  assert.equal(response.body.database, "connected");
  assert.equal(response.body.service, "memo");
  assert.ok(!Number.isNaN(Date.parse(response.body.timestamp)));
  assert.equal((await app.anonymous().get("/")).status, 401);
});
