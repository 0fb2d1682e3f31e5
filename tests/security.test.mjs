// Safe by default: CORS only for listed origins, per-tenant rate limits, key
// bookkeeping that does not write on every request, hygiene headers, and
// logs without content or keys.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, test } from "node:test";
import { spawnApp } from "./helpers/app.mjs";
import { CORS_TEST_ORIGINS } from "./helpers/config.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

const ROUTES = [
  ["/health", "GET, OPTIONS"],
  ["/", "GET, OPTIONS"],
  ["/memory", "POST, OPTIONS"],
  ["/memories", "GET, OPTIONS"],
  ["/search", "GET, OPTIONS"],
  ["/v1/memories", "GET, POST, OPTIONS"],
  ["/v1/memories/00000000-0000-0000-0000-000000000000", "GET, PATCH, DELETE, OPTIONS"],
  ["/v1/search", "GET, OPTIONS"],
  ["/v1/stats", "GET, OPTIONS"],
];

describe("CORS", () => {
  test("preflight on every route answers a listed origin with that origin only", async () => {
    for (const origin of Object.values(CORS_TEST_ORIGINS)) {
      for (const [path, allow] of ROUTES) {
        const r = await app.anonymous().request("OPTIONS", path, {
          headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
        });
        assert.equal(r.status, 204, path);
        assert.equal(r.headers.get("access-control-allow-origin"), origin);
        assert.equal(r.headers.get("access-control-allow-methods"), allow);
        assert.match(r.headers.get("access-control-allow-headers"), /Authorization/);
        assert.match(r.headers.get("access-control-allow-headers"), /Content-Type/);
        assert.equal(r.headers.get("access-control-allow-credentials"), null);
      }
    }
  });

  test("actual responses echo the listed origin and vary by Origin", async () => {
    const { client } = app.tenant();
    const r = await client.get("/v1/memories", { headers: { origin: CORS_TEST_ORIGINS.chrome } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("access-control-allow-origin"), CORS_TEST_ORIGINS.chrome);
    assert.match(r.headers.get("access-control-expose-headers"), /Retry-After/);
    assert.match(r.headers.get("vary"), /Origin/);
    const denied = await client.get("/v1/memories/nope", { headers: { origin: CORS_TEST_ORIGINS.web } });
    assert.equal(denied.headers.get("access-control-allow-origin"), CORS_TEST_ORIGINS.web, "errors carry CORS headers too");
  });

  test("other origins get no CORS headers at all", async () => {
    const { client } = app.tenant();
    for (const origin of ["https://evil.test", "https://app.memo.test.evil.test", "chrome-extension://someotherextension", "null"]) {
      const pre = await app.anonymous().request("OPTIONS", "/v1/memories", { headers: { origin, "access-control-request-method": "POST" } });
      const get = await client.get("/v1/memories", { headers: { origin } });
      for (const r of [pre, get]) {
        for (const name of ["access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers"]) {
          assert.equal(r.headers.get(name), null, `${origin}: ${name}`);
        }
      }
    }
  });
});

describe("rate limiting", () => {
  test("a key past its limit gets 429 with Retry-After; other keys are unaffected", async () => {
    const noisy = app.tenant();
    const quiet = app.tenant();
    // Unknown ids are answered without a statement of their own, after the
    // key's lookup (once per isolate) and the tenant's limit check.
    const statuses = [];
    let limited;
    // The limiter counts in fixed windows of the period: requests straddling
    // a window's end split between two windows, so send up to 1,300, which
    // puts more than 600 in one of them either way.
    for (let batch = 0; batch < 65 && !limited; batch++) {
      const answers = await Promise.all(Array.from({ length: 20 }, () => noisy.client.get("/v1/memories/not-an-id")));
      statuses.push(...answers.map((r) => r.status));
      limited = answers.find((r) => r.status === 429);
    }
    assert.ok(limited, `no 429 after ${statuses.length} requests`);
    assert.ok(statuses.filter((s) => s === 404).length >= 600, "the first 600 requests of the minute pass");
    assert.equal(limited.body.error.code, "rate_limited");
    assert.equal(limited.headers.get("retry-after"), "60");
    assert.equal((await quiet.client.get("/v1/memories")).status, 200);
  });
});

/** When the tenant's key was last used, as Postgres recorded it. */
async function keyLastUsed(name) {
  return (await app.sql("select k.last_used_at from api_keys k join tenants t on t.id = k.tenant_id where t.name = $1", [name]))[0]
    .last_used_at;
}

describe("keys", () => {
  test("last_used_at is written once, not on every request", async () => {
    const { client, name } = app.tenant();
    const lastUsed = () => keyLastUsed(name);
    assert.equal(await lastUsed(), null);
    await client.get("/v1/memories");
    const first = await lastUsed();
    assert.ok(first instanceof Date);
    await client.get("/v1/memories");
    await client.post("/v1/memories", { content: "touch" });
    assert.deepEqual(await lastUsed(), first);
  });
});

describe("the capture statement's key check (memo_capture_tenant, migration 0020)", () => {
  test("a capture with an unknown or revoked key stores nothing; a first capture records the key's use", async () => {
    const { client, name } = app.tenant();
    const lastUsed = () => keyLastUsed(name);
    const stranger = await app.anonymous().post("/v1/memories", { content: "not stored" }, {
      headers: { authorization: "Bearer memo_not-a-real-key" },
    });
    assert.equal(stranger.status, 401);
    assert.equal(await lastUsed(), null);
    assert.equal((await client.post("/v1/memories", { content: "the first request is a capture" })).status, 201);
    assert.ok((await lastUsed()) instanceof Date, "the capture touched its key");
    app.admin(["key", "revoke", app.admin(["key", "list", "--tenant", name]).split("…")[0]]);
    assert.equal((await client.post("/v1/memories", { content: "after the revoke" })).status, 401);
    assert.equal((await client.post("/v1/memories/batch", { items: [{ content: "after the revoke" }] })).status, 401);
    assert.equal(await app.countMemories(name), 1);
  });
});

describe("hygiene", () => {
  test("every answer is no-store and nosniff, with a request id", async () => {
    const { client } = app.tenant();
    for (const r of [await client.get("/v1/memories"), await client.get("/v1/nothing"), await app.anonymous().get("/health")]) {
      assert.equal(r.headers.get("cache-control"), "no-store");
      assert.equal(r.headers.get("x-content-type-options"), "nosniff");
      assert.match(r.headers.get("x-request-id"), /^[0-9a-z-]+$/);
    }
  });

  test("logs name the request, route and status but never content or keys", async () => {
    const { client, key } = app.tenant();
    const marker = `private-diary-${Date.now()}`;
    const r = await client.post("/v1/memories", { content: `${marker} my secret thoughts`, title: `${marker} title` });
    assert.equal(r.status, 201);
    const requestId = r.headers.get("x-request-id");
    await new Promise((resolve) => setTimeout(resolve, 500)); // let wrangler flush its output
    const log = readFileSync(app.logFile, "utf8");
    const line = log.split("\n").find((l) => l.includes(requestId));
    assert.ok(line, "the request id is logged");
    assert.match(line, /"route":"memories.create"/);
    assert.match(line, /"status":201/);
    assert.ok(!log.includes(marker), "content is never logged");
    assert.ok(!log.includes(key), "keys are never logged");
    assert.ok(!log.includes(key.slice(5, 25)), "no part of a key is logged");
  });
});
