// The OpenAPI description is true: GET /openapi.json serves it without a key,
// and real responses of every route (successes and the errors a client can
// provoke) conform to it: documented status, required headers, content type
// and body schema, with no undescribed members.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { memoryLaneCapture, spawnApp } from "./helpers/app.mjs";
import { document, responseViolations } from "./helpers/openapi.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

test("GET /openapi.json serves the description in the repository, without a key", async () => {
  const response = await app.anonymous().get("/openapi.json");
  assert.equal(response.status, 200);
  assert.deepEqual(response.body, document);
  assert.deepEqual(responseViolations("GET", "/openapi.json", response), []);
});

test("every route's real responses conform to the description", async () => {
  const { client } = app.tenant();
  const anonymous = app.anonymous();
  const exercised = new Set();
  const check = async (method, template, call, expectedStatus) => {
    const response = await call();
    assert.equal(response.status, expectedStatus, `${method} ${template}: ${JSON.stringify(response.body)}`);
    assert.deepEqual(responseViolations(method, template, response), [], `${method} ${template} → ${response.status}`);
    exercised.add(`${method.toLowerCase()} ${template}`);
    return response.body;
  };

  const capture = memoryLaneCapture({ content: "Human: How do I tune postgres autovacuum?\nAssistant: Lower the scale factor." });
  const memory = await check("POST", "/v1/memories", () => client.post("/v1/memories", { ...capture, tags: ["Ops"], title: "Autovacuum" }), 201);
  await check("POST", "/v1/memories", () => client.post("/v1/memories", { content: "a plain note", captured_at: "2026-11-26T10:00:00+01:00" }), 201);
  await check("POST", "/v1/memories", () => client.post("/v1/memories", { content: "a plain note" }), 200);
  await check("POST", "/v1/memories", () => client.post("/v1/memories", { content: "retried", tags: ["x"] }, { headers: { "idempotency-key": "openapi-1" } }), 201);
  await check("POST", "/v1/memories", () => client.post("/v1/memories", { content: "retried", tags: ["x"] }, { headers: { "idempotency-key": "openapi-1" } }), 201);
  const legacy = await check("POST", "/memory", () => client.post("/memory", memoryLaneCapture({ platform: "Claude" })), 200);
  await check("POST", "/v1/memories/batch", () => client.post("/v1/memories/batch", { items: [{ content: "batch one" }, { content: "" }, { content: "a plain note" }] }), 200);
  await check("POST", "/v1/memories/batch", () => client.post("/v1/memories/batch", { items: [] }), 422);
  const exported = await check("GET", "/v1/export", () => client.get("/v1/export"), 200);
  const ndjson = (text) => ({ body: text, headers: { "content-type": "application/x-ndjson" } });
  await check("POST", "/v1/import", () => client.request("POST", "/v1/import", ndjson(`${JSON.stringify({ content: "imported" })}\nnot json\n`)), 200);
  await check("POST", "/v1/import", () => client.request("POST", "/v1/import", ndjson("\n")), 422);
  await check("POST", "/v1/import", () => client.post("/v1/import", { content: "x" }), 415);
  assert.match(String(exported), /"end":true/);
  const id = `/v1/memories/${memory.id}`;
  await check("GET", "/v1/memories/{id}", () => client.get(id), 200);
  await check("GET", "/v1/memories/{id}", () => client.get(`/v1/memories/${legacy.memory_id}`), 200);
  const page = await check("GET", "/v1/memories", () => client.get("/v1/memories?limit=1"), 200);
  assert.ok(page.next_cursor);
  await check("GET", "/v1/memories", () => client.get(`/v1/memories?limit=1&cursor=${page.next_cursor}`), 200);
  await check("GET", "/v1/memories", () => client.get("/v1/memories?limit=2&include=content"), 200);
  await check("PATCH", "/v1/memories/{id}", () => client.patch(id, { tags: ["postgres"], content: "Autovacuum tuning notes" }), 200);
  await check("GET", "/v1/search", () => client.get("/v1/search?q=autovacuum"), 200);
  await check("GET", "/v1/search", () => client.get("/v1/search?q=nothing-matches-this"), 200);
  await check("GET", "/v1/search", () => client.get("/v1/search?q=autovacuum&include=content"), 200);
  await check("GET", "/v1/stats", () => client.get("/v1/stats"), 200);
  await check("GET", "/v1/tags", () => client.get("/v1/tags?prefix=post&limit=5"), 200);
  await check("GET", "/v1/tags", () => client.get(`/v1/tags?prefix=${"a".repeat(65)}`), 422);
  await check("GET", "/v1/memories", () => client.get(`/v1/memories?url=${encodeURIComponent("https://chatgpt.com/c/1")}`), 200);
  await check("GET", "/v1/memories", () => client.get("/v1/memories?url=not-a-url"), 422);
  await check("GET", "/", () => client.get("/"), 200);
  await check("GET", "/memories", () => client.get("/memories?limit=2&offset=1"), 200);
  await check("GET", "/search", () => client.get("/search?q=asyncpg"), 200);
  await check("GET", "/search", () => client.get("/search"), 400);
  await check("GET", "/health", () => anonymous.get("/health"), 200);
  await check("GET", "/openapi.json", () => anonymous.get("/openapi.json"), 200);
  // Tidying tags (issue 22).
  await check("POST", "/v1/tags/rename", () => client.post("/v1/tags/rename", { from: "postgres", to: "database" }), 200);
  await check("POST", "/v1/tags/rename", () => client.post("/v1/tags/rename", { from: "postgres" }), 422);
  await check("POST", "/v1/tags/merge", () => client.post("/v1/tags/merge", { tags: ["database", "x"], into: "storage" }), 200);
  await check("POST", "/v1/tags/merge", () => client.post("/v1/tags/merge", { tags: [], into: "storage" }), 422);
  await check("POST", "/v1/tags/delete", () => client.post("/v1/tags/delete", { tag: "storage" }), 200);
  await check("POST", "/v1/tags/delete", () => client.request("POST", "/v1/tags/delete", { body: "[", headers: { "content-type": "application/json" } }), 400);
  await check("POST", "/v1/memories/bulk", () => client.post("/v1/memories/bulk", { ids: [memory.id], action: "add_tags", tags: ["bulk"] }), 200);
  await check("POST", "/v1/memories/bulk", () => client.post("/v1/memories/bulk", { ids: ["x"], action: "delete" }), 422);
  await check("GET", "/", async () => {
    const r = await fetch(`${app.baseUrl}/`, { headers: { accept: "text/html" }, redirect: "manual" });
    return { status: r.status, headers: r.headers, body: (await r.text()) || null };
  }, 302);
  await check("DELETE", "/v1/memories/{id}", () => client.delete(id), 204);

  // The errors a client can provoke on each kind of route.
  await check("GET", "/v1/memories/{id}", () => client.get(id), 404);
  await check("PATCH", "/v1/memories/{id}", () => client.patch(id, { title: "gone" }), 404);
  await check("DELETE", "/v1/memories/{id}", () => client.delete(id), 404);
  await check("GET", "/v1/memories/{id}", () => client.get("/v1/memories/not-a-uuid"), 404);
  for (const [method, template, path] of [
    ["GET", "/v1/memories", "/v1/memories"], ["POST", "/v1/memories", "/v1/memories"], ["GET", "/v1/memories/{id}", id],
    ["PATCH", "/v1/memories/{id}", id], ["DELETE", "/v1/memories/{id}", id], ["GET", "/v1/search", "/v1/search?q=x"],
    ["GET", "/v1/stats", "/v1/stats"], ["GET", "/", "/"], ["POST", "/memory", "/memory"], ["GET", "/memories", "/memories"],
    ["GET", "/search", "/search?q=x"], ["POST", "/v1/memories/batch", "/v1/memories/batch"], ["GET", "/v1/export", "/v1/export"],
    ["POST", "/v1/import", "/v1/import"], ["GET", "/v1/tags", "/v1/tags"],
  ]) {
    const json = method === "POST" || method === "PATCH" ? { content: "x" } : undefined;
    await check(method, template, () => anonymous.request(method, path, { json }), 401);
  }
  for (const template of ["/v1/memories", "/memory"]) {
    await check("POST", template, () => client.request("POST", template, { body: "[1,", headers: { "content-type": "application/json" } }), 400);
    await check("POST", template, () => client.request("POST", template, { body: "content", headers: { "content-type": "text/plain" } }), 415);
    await check("POST", template, () => client.post(template, { content: "x".repeat(1024 * 1024) }), 413);
    await check("POST", template, () => client.post(template, { content: "x", tags: ["ok", "!!!"] }), 422);
  }
  await check("PATCH", "/v1/memories/{id}", () => client.patch(`/v1/memories/${legacy.memory_id}`, { titel: "typo" }), 422);
  await check("GET", "/v1/memories", () => client.get("/v1/memories?limit=0"), 422);
  await check("GET", "/v1/search", () => client.get("/v1/search?q=%20"), 422);
  await check("GET", "/memories", () => client.get("/memories?offset=-1"), 422);
  await check("GET", "/search", () => client.get("/search?q=x&limit=1000"), 422);

  const described = Object.entries(document.paths).flatMap(([template, item]) =>
    Object.keys(item).filter((k) => k !== "parameters").map((method) => `${method} ${template}`));
  assert.deepEqual(described.filter((op) => !exercised.has(op)), [], "operations never exercised");
});

test("the schema check refuses an undescribed member, in a whole object and across allOf", async () => {
  const { client } = app.tenant();
  const created = await client.post("/v1/memories", { content: "closed objects: postgres autovacuum notes" });
  const got = await client.get(`/v1/memories/${created.body.id}`);
  assert.deepEqual(responseViolations("GET", "/v1/memories/{id}", got), []);
  assert.deepEqual(responseViolations("GET", "/v1/memories/{id}", { ...got, body: { ...got.body, extra: 1 } }), [
    "$: has undescribed member extra",
  ]);
  const found = await client.get("/v1/search?q=autovacuum");
  assert.deepEqual(responseViolations("GET", "/v1/search", found), []);
  const [hit] = found.body.items;
  const extra = { ...found, body: { ...found.body, items: [{ ...hit, extra: 2 }] } };
  assert.deepEqual(responseViolations("GET", "/v1/search", extra), ["$.items.0: has undescribed member extra"]);
  const wrong = { ...found, body: { ...found.body, items: [{ ...hit, id: "not-a-uuid" }] } };
  assert.ok(responseViolations("GET", "/v1/search", wrong).some((v) => v.startsWith("$.items.0.id:")));
});
