// One tenant never sees, changes or counts another's memories.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { memoryLaneCapture, spawnApp } from "./helpers/app.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

test("tenant B cannot read, list, search, count, patch or delete tenant A's memories", async () => {
  const a = app.tenant();
  const b = app.tenant();
  const secret = (await a.client.post("/v1/memories", memoryLaneCapture({ content: "zanzibar secret plans" }))).body;
  await a.client.post("/memory", memoryLaneCapture({ content: "zanzibar legacy capture" }));

  assert.equal((await b.client.get(`/v1/memories/${secret.id}`)).status, 404);
  assert.equal((await b.client.patch(`/v1/memories/${secret.id}`, { title: "mine now" })).status, 404);
  assert.equal((await b.client.patch(`/v1/memories/${secret.id}`, { content: "overwritten" })).status, 404);
  assert.equal((await b.client.delete(`/v1/memories/${secret.id}`)).status, 404);
  assert.deepEqual((await b.client.get("/v1/memories")).body.items, []);
  assert.deepEqual((await b.client.get("/v1/search?q=zanzibar")).body.items, []);
  const legacyList = (await b.client.get("/memories")).body;
  assert.equal(legacyList.total, 0);
  assert.deepEqual(legacyList.memories, []);
  assert.equal((await b.client.get("/search?q=zanzibar")).body.count, 0);
  assert.equal((await b.client.get("/v1/stats")).body.total, 0);

  // A's data is untouched and still visible to A.
  assert.deepEqual((await a.client.get(`/v1/memories/${secret.id}`)).body, secret);
  assert.equal((await a.client.get("/v1/search?q=zanzibar")).body.items.length, 2);
  assert.equal((await a.client.get("/v1/stats")).body.total, 2);
});
