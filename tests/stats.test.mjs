// /v1/stats and /health.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { memoryLaneCapture, spawnApp } from "./helpers/app.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

test("stats count by kind, source and tag, with database timings", async () => {
  const { client } = app.tenant();
  const captures = [
    memoryLaneCapture(),
    memoryLaneCapture(),
    memoryLaneCapture({ platform: "Claude" }),
    { content: "plain note", tags: ["errands"], captured_at: "2020-01-01T00:00:00Z" },
  ];
  for (const capture of captures) {
    const r = await client.post("/v1/memories", capture);
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  const response = await client.get("/v1/stats");
  assert.equal(response.status, 200);
  const stats = response.body;
  assert.equal(stats.total, 4);
  assert.equal(stats.last_24h, 4, "last_24h counts by arrival, not by captured_at");
  assert.deepEqual(stats.by_kind, { chatgpt_conversation: 2, claude_conversation: 1, note: 1 });
  assert.deepEqual(stats.by_source, { "chatgpt-extension-v2": 2, "claude-extension": 1, unknown: 1 });
  assert.ok(stats.top_tags.length > 0 && stats.top_tags.length <= 10);
  assert.ok(stats.top_tags.some((t) => t.tag === "chatgpt" && t.count === 2), JSON.stringify(stats.top_tags));
  const counts = stats.top_tags.map((t) => t.count);
  assert.deepEqual(counts, [...counts].sort((x, y) => y - x), "most used first");
  assert.equal(typeof stats.db.connect_ms, "number");
  assert.equal(typeof stats.db.query_ms, "number");
});

test("health needs no key and reports the database", async () => {
  const response = await app.anonymous().get("/health");
  assert.equal(response.status, 200);
  assert.deepEqual(response.body, { status: "ok", database: "connected" });
});
