// With Postgres unreachable, every route answers a JSON 503 with
// Retry-After in bounded time, never a 500 and never a hang. This worker
// also runs with LOG_LEVEL=warn, which keeps only failed requests' lines.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import path from "node:path";
import { freePort, startWorker } from "../scripts/lib/stack.mjs";
import { root } from "../scripts/lib/toolchain.mjs";
import { Client, spawnApp } from "./helpers/app.mjs";
import { responseViolations } from "./helpers/openapi.mjs";

let worker;
let logFile;
before(async () => {
  await spawnApp(); // the toolchain and build are in place
  const deadPort = await freePort(); // nothing listens here
  const scratch = path.join(root, ".dev", `test-outage-${process.pid}`);
  logFile = path.join(scratch, "wrangler.log");
  worker = await startWorker({
    databaseUrl: `postgres://memo:unused@127.0.0.1:${deadPort}/memo`,
    port: await freePort(),
    stateDir: path.join(scratch, "wrangler"),
    logFile,
    vars: { DB_CONNECT_TIMEOUT_MS: "2000", RETRY_AFTER_SECONDS: "3", LOG_LEVEL: "warn" },
    healthy: false,
  });
});
after(() => worker?.stop());

test("health is 503 with the reason and Retry-After", async () => {
  const response = await new Client(worker.baseUrl, null).get("/health");
  assert.equal(response.status, 503);
  assert.equal(response.body.database, "unavailable");
  assert.equal(response.headers.get("retry-after"), "3");
  assert.deepEqual(responseViolations("GET", "/health", response), []);
});

test("API calls are JSON 503 database_unavailable, promptly", async () => {
  // A well-formed key: one that is not is refused without the database.
  const client = new Client(worker.baseUrl, `memo_${"k".repeat(43)}`);
  for (const [method, p] of [["POST", "/v1/memories"], ["GET", "/v1/memories"], ["GET", "/v1/search?q=x"], ["POST", "/memory"]]) {
    const started = Date.now();
    const r = await client.request(method, p, { json: method === "POST" ? { content: "during an outage" } : undefined });
    assert.equal(r.status, 503, `${method} ${p}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, "database_unavailable");
    assert.equal(r.headers.get("retry-after"), "3");
    assert.deepEqual(responseViolations(method, p, r), []);
    assert.ok(Date.now() - started < 30_000);
  }
});

test("LOG_LEVEL=warn logs failed requests only", async () => {
  const client = new Client(worker.baseUrl, null);
  const answered = await client.get("/openapi.json");
  const missing = await client.get("/v1/nothing");
  const unavailable = await client.get("/health");
  assert.deepEqual([answered.status, missing.status, unavailable.status], [200, 404, 503]);
  await new Promise((resolve) => setTimeout(resolve, 500)); // let wrangler flush its output
  const lines = readFileSync(logFile, "utf8").split("\n");
  const lineOf = (r) => lines.find((l) => l.includes(r.headers.get("x-request-id")));
  assert.equal(lineOf(answered), undefined, "a successful request is not logged at warn");
  assert.match(lineOf(missing) ?? "", /"status":404/);
  assert.match(lineOf(unavailable) ?? "", /"status":503/);
});
