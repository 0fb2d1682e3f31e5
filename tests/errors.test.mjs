// The error model: JSON errors with the right status, the field named, no
// 500 for bad input, and nothing written when a request is rejected.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { spawnApp } from "./helpers/app.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

function assertError(response, status, code) {
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
  assert.equal(response.body.error.code, code);
  assert.equal(typeof response.body.error.message, "string");
}

describe("authentication", () => {
  test("every route but /health needs a key: 401 with WWW-Authenticate", async () => {
    const anonymous = app.anonymous();
    const id = "00000000-0000-0000-0000-000000000000";
    for (const [method, path] of [
      ["GET", "/v1/memories"], ["POST", "/v1/memories"], ["GET", `/v1/memories/${id}`],
      ["PATCH", `/v1/memories/${id}`], ["DELETE", `/v1/memories/${id}`], ["GET", "/v1/search?q=x"],
      ["GET", "/v1/stats"], ["GET", "/"], ["POST", "/memory"], ["GET", "/memories"], ["GET", "/search?q=x"],
    ]) {
      const r = await anonymous.request(method, path, { json: method === "POST" || method === "PATCH" ? { content: "x" } : undefined });
      assertError(r, 401, "unauthorized");
      assert.match(r.headers.get("www-authenticate"), /^Bearer/);
    }
    assert.equal((await anonymous.get("/health")).status, 200);
  });

  test("unknown, malformed and revoked keys are refused; X-API-Key works", async () => {
    const { client, key, name } = app.tenant();
    for (const authorization of ["Bearer memo_not-a-real-key", "Basic abc", "Bearer", ""]) {
      const r = await app.anonymous().get("/v1/memories", { headers: { authorization } });
      assertError(r, 401, "unauthorized");
    }
    const viaHeader = await app.anonymous().get("/v1/memories", { headers: { "x-api-key": key } });
    assert.equal(viaHeader.status, 200);
    assert.equal((await client.get("/v1/memories")).status, 200);
    const listed = app.admin(["key", "list", "--tenant", name]);
    assert.ok(!listed.includes(key), "key list never shows a key");
    app.admin(["key", "revoke", listed.split("…")[0]]);
    assertError(await client.get("/v1/memories"), 401, "unauthorized");
  });

  test("a batch or import with no valid item still needs a valid key", async () => {
    const stranger = app.anonymous();
    const headers = { authorization: "Bearer memo_not-a-real-key" };
    assertError(await stranger.post("/v1/memories/batch", { items: [{}] }, { headers }), 401, "unauthorized");
    const ndjson = { body: "{}\n", headers: { ...headers, "content-type": "application/x-ndjson" } };
    assertError(await stranger.request("POST", "/v1/import", ndjson), 401, "unauthorized");
  });

  test("keys are stored only as SHA-256 digests", async () => {
    const { key, name } = app.tenant();
    const rows = await app.sql(
      "select k.prefix, encode(k.key_hash, 'hex') as hash from api_keys k join tenants t on t.id = k.tenant_id where t.name = $1",
      [name],
    );
    assert.equal(rows.length, 1);
    const { createHash } = await import("node:crypto");
    assert.equal(rows[0].hash, createHash("sha256").update(key).digest("hex"));
    assert.ok(key.startsWith(rows[0].prefix) && rows[0].prefix.length < key.length / 3);
  });
});

describe("routing", () => {
  test("unknown paths are 404 and wrong methods 405 with Allow", async () => {
    const { client } = app.tenant();
    assertError(await client.get("/v2/memories"), 404, "not_found");
    const r = await client.request("PUT", "/v1/memories");
    assertError(r, 405, "method_not_allowed");
    assert.equal(r.headers.get("allow"), "GET, POST, OPTIONS");
  });

  test("methods the runtime does not know are 405, never a GET in disguise", async () => {
    const { client } = app.tenant();
    for (const method of ["QUERY", "PROPFIND"]) {
      const r = await client.request(method, "/v1/stats");
      assertError(r, 405, "method_not_allowed");
      assert.equal(r.headers.get("allow"), "GET, OPTIONS");
    }
    assertError(await client.request("QUERY", "/v2/nothing"), 404, "not_found");
  });
});

describe("capture input", () => {
  test("malformed JSON is 400 and writes nothing", async () => {
    const { client, name } = app.tenant();
    for (const body of ["{", "not json", "[1,2]", '"content"', ""]) {
      const r = await client.request("POST", "/v1/memories", { body, headers: { "content-type": "application/json" } });
      assertError(r, 400, "invalid_json");
    }
    assert.equal(await app.countMemories(name), 0);
  });

  test("a body that is not JSON is 415", async () => {
    const { client } = app.tenant();
    const r = await client.request("POST", "/v1/memories", { body: "content=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
    assertError(r, 415, "unsupported_media_type");
    const none = await client.request("POST", "/v1/memories", { body: '{"content":"x"}' , headers: { "content-type": "" } });
    assertError(none, 415, "unsupported_media_type");
  });

  test("a body over the limit is 413 naming the limit", async () => {
    const { client, name } = app.tenant();
    const r = await client.post("/v1/memories", { content: "x".repeat(1024 * 1024 + 10) });
    assertError(r, 413, "payload_too_large");
    assert.match(r.body.error.message, /MAX_BODY_BYTES/);
    assert.equal(await app.countMemories(name), 0);
  });

  test("each invalid field is a 422 naming it, and nothing is written", async () => {
    const { client, name } = app.tenant();
    const cases = [
      [{}, "content"],
      [{ content: "" }, "content"],
      [{ content: 12 }, "content"],
      [{ content: "x".repeat(512 * 1024 + 1) }, "content"],
      [{ content: "nul \u0000 byte" }, "content"],
      [{ content: "x", title: "t".repeat(301) }, "title"],
      [{ content: "x", title: ["a"] }, "title"],
      [{ content: "x", tags: "one" }, "tags"],
      [{ content: "x", tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, "tags"],
      [{ content: "x", tags: ["ok", "t".repeat(65)] }, "tags[1]"],
      [{ content: "x", tags: ["ok", 5] }, "tags[1]"],
      [{ content: "x", source: { a: 1 } }, "source"],
      [{ content: "x", url: "javascript:alert(1)" }, "url"],
      [{ content: "x", metadata: [] }, "metadata"],
      [{ content: "x", metadata: { blob: "m".repeat(33 * 1024) } }, "metadata"],
      [{ content: "x", metadata: { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } } }, "metadata"],
      [{ content: "x", metadata: { "k\u0000": 1 } }, "metadata"],
      [{ content: "x", captured_at: "last tuesday" }, "captured_at"],
    ];
    for (const [body, field] of cases) {
      const r = await client.post("/v1/memories", body);
      assertError(r, 422, "invalid_field");
      assert.equal(r.body.error.field, field, JSON.stringify(body).slice(0, 80));
    }
    assert.equal(await app.countMemories(name), 0);
  });

  test("unicode, emoji and odd-but-valid input is stored intact", async () => {
    const { client } = app.tenant();
    const content = "日本語のメモ 🚀 with RTL العربية and combining e\u0301 — \u200b zero width";
    const r = await client.post("/v1/memories", { content, tags: ["日本", "🚀 launch"], metadata: { nested: [1, [2, [3]]] } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const stored = await client.get(`/v1/memories/${r.body.id}`);
    assert.equal(stored.body.content, content);
    assert.ok(stored.body.tags.includes("日本"));
  });
});
