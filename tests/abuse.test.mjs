// No costly work before the key is known (issue 18 §4): a key that has not
// the shape of one is refused without the database, a body is parsed only
// for a key known valid, failed authentications and /health count per client
// address, /health answers from a short per-isolate cache, and a tenant's
// keys share one allowance.
//
// Each test speaks from its own address (CF-Connecting-IP, which wrangler dev
// passes on as Cloudflare would set it), so the address limits it drives do
// not touch the other tests, which all come from 127.0.0.1.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { before, test } from "node:test";
import { spawnApp } from "./helpers/app.mjs";
import { responseViolations } from "./helpers/openapi.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

/** An address of the documentation range (RFC 3849), fresh for each call. */
const freshAddress = () => `2001:db8::${randomBytes(2).toString("hex")}:${randomBytes(2).toString("hex")}`;
/** A key of the right shape that no tenant holds. */
const unknownKey = () => `memo_${randomBytes(32).toString("base64url")}`;

/**
 * Waits, if need be, so that a test that drives a limit and then checks it
 * still holds runs within one window: the limiters count in fixed windows
 * of 60 s (wrangler.toml) aligned to the clock, and a window that rolls over
 * between the 429 and the check would let the check through.
 */
async function withinOneWindow(seconds = 20) {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < seconds * 1000) await new Promise((resolve) => setTimeout(resolve, left + 100));
}

/** Sends `send()` in rounds of 20 until one answers 429 or `max` were sent; the statuses in order. */
async function untilLimited(send, max = 400) {
  const statuses = [];
  let limited = null;
  while (!limited && statuses.length < max) {
    const answers = await Promise.all(Array.from({ length: 20 }, send));
    statuses.push(...answers.map((r) => r.status));
    limited = answers.find((r) => r.status === 429) ?? null;
  }
  return { statuses, limited };
}

test("failed authentications are limited per client address, other addresses unaffected", async () => {
  await withinOneWindow();
  const address = freshAddress();
  const anonymous = app.anonymous();
  const { statuses, limited } = await untilLimited(() =>
    anonymous.get("/v1/memories", { headers: { authorization: `Bearer ${unknownKey()}`, "cf-connecting-ip": address } }),
  );
  assert.ok(limited, `no 429 after ${statuses.length} requests with unknown keys`);
  assert.ok(statuses.filter((s) => s === 401).length >= 100, "the first failures of the minute are 401");
  assert.equal(limited.body.error.code, "rate_limited");
  assert.match(limited.headers.get("retry-after"), /^\d+$/);
  assert.deepEqual(responseViolations("GET", "/v1/memories", limited), []);
  // Refused now without another look at the database: any unknown key, or none.
  const again = await anonymous.get("/v1/memories", { headers: { authorization: `Bearer ${unknownKey()}`, "cf-connecting-ip": address } });
  assert.equal(again.status, 429);
  const elsewhere = await anonymous.get("/v1/memories", { headers: { authorization: `Bearer ${unknownKey()}`, "cf-connecting-ip": freshAddress() } });
  assert.equal(elsewhere.status, 401);
});

test("/health is limited per client address", async () => {
  const address = freshAddress();
  const anonymous = app.anonymous();
  const { statuses, limited } = await untilLimited(() => anonymous.get("/health", { headers: { "cf-connecting-ip": address } }));
  assert.ok(limited, `no 429 after ${statuses.length} calls of /health`);
  assert.ok(statuses.filter((s) => s === 200).length >= 100);
  assert.match(limited.headers.get("retry-after"), /^\d+$/);
  assert.deepEqual(responseViolations("GET", "/health", limited), []);
  assert.equal((await anonymous.get("/health", { headers: { "cf-connecting-ip": freshAddress() } })).status, 200);
});

test("/health answers from the isolate's last check instead of connecting every time", async () => {
  const anonymous = app.anonymous();
  const address = freshAddress();
  const answers = [];
  for (let i = 0; i < 5; i++) answers.push(await anonymous.get("/health", { headers: { "cf-connecting-ip": address } }));
  assert.deepEqual(answers.map((r) => r.status), [200, 200, 200, 200, 200]);
  await new Promise((resolve) => setTimeout(resolve, 500)); // let wrangler flush its output
  const lines = readFileSync(app.logFile, "utf8").split("\n");
  const connected = answers.map((r) => {
    const line = lines.find((l) => l.includes(r.headers.get("x-request-id")));
    assert.ok(line, "every request is logged");
    return !/"db_connect_ms":null/.test(line);
  });
  // The test stack keeps a check for HEALTH_CACHE_SECONDS=600 (tests/helpers/config.mjs).
  assert.ok(connected.filter(Boolean).length <= 1, `connections: ${JSON.stringify(connected)}`);
});

test("all keys of a tenant share one allowance", async () => {
  await withinOneWindow();
  const noisy = app.tenant();
  const second = app.admin(["key", "create", "--tenant", noisy.name, "--name", "second"]);
  const quiet = app.tenant();
  let turn = 0;
  const keys = [noisy.key, second];
  // The limiter counts in fixed windows: up to 1,300 puts more than 600 in one.
  const { statuses, limited } = await untilLimited(
    () => app.anonymous().get("/v1/memories/not-an-id", { headers: { authorization: `Bearer ${keys[turn++ % 2]}` } }),
    1300,
  );
  assert.ok(limited, `no 429 after ${statuses.length} requests over two keys`);
  assert.ok(statuses.filter((s) => s === 404).length >= 600, "the first 600 requests of the minute pass");
  assert.ok(statuses.filter((s) => s === 404).length < 1200, "two keys do not double the allowance");
  for (const key of keys) {
    const r = await app.anonymous().get("/v1/memories", { headers: { authorization: `Bearer ${key}` } });
    assert.equal(r.status, 429, "both keys are limited");
  }
  assert.equal((await quiet.client.get("/v1/memories")).status, 200);
});

test("an import is refused for an unknown key before its lines are parsed, and counted before parsing", async () => {
  const lines = `${Array.from({ length: 1002 }, (_, i) => `not json ${i}`).join("\n")}\n`;
  const ndjson = (authorization) => ({ body: lines, headers: { authorization, "content-type": "application/x-ndjson" } });
  const stranger = await app.anonymous().request("POST", "/v1/import", ndjson(`Bearer ${unknownKey()}`));
  assert.equal(stranger.status, 401);
  const { key } = app.tenant();
  const tooMany = await app.anonymous().request("POST", "/v1/import", ndjson(`Bearer ${key}`));
  assert.equal(tooMany.status, 422);
  assert.equal(tooMany.body.error.field, "body");
  assert.match(tooMany.body.error.message, /1002/);
});
