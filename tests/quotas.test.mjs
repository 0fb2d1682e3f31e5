// Per-tenant quotas (issue 18 §5): counted by Postgres in the statement that
// stores, refused whole (403 quota_exceeded, nothing stored), shown in
// /v1/stats; and the scheduled upkeep (Cron Trigger, memo-admin prune).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { freePort, startWorker } from "../scripts/lib/stack.mjs";
import { root } from "../scripts/lib/toolchain.mjs";
import { Client, memoryLaneCapture, spawnApp } from "./helpers/app.mjs";
import { TEST_VARS } from "./helpers/config.mjs";
import { responseViolations } from "./helpers/openapi.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

const quota = (name, ...args) => app.admin(["tenant", "quota", name, ...args]);

/** What the quotas count, straight from the stored rows. */
async function stored(name) {
  const [row] = await app.sql(
    `select count(m.id)::int as memories, coalesce(sum(memo_memory_bytes(m.content, m.title, m.metadata)), 0)::int as bytes
     from tenants t left join memories m on m.tenant_id = t.id where t.name = $1`,
    [name],
  );
  return row;
}

function assertQuotaExceeded(response, which) {
  assert.equal(response.status, 403, JSON.stringify(response.body));
  assert.equal(response.body.error.code, "quota_exceeded");
  assert.equal(response.body.error.quota, which);
  assert.match(response.body.error.message, new RegExp(`${which} quota`));
}

const ndjson = (lines) => ({
  body: lines.map((l) => JSON.stringify(l)).join("\n"),
  headers: { "content-type": "application/x-ndjson" },
});

describe("memories quota", () => {
  test("a capture past the quota is refused and stores nothing; repeats and other tenants still pass", async () => {
    const { name, client } = app.tenant();
    const other = app.tenant();
    quota(name, "--memories", "2");
    assert.equal((await client.post("/v1/memories", { content: "first quota note" })).status, 201);
    assert.equal((await client.post("/v1/memories", { content: "second quota note" })).status, 201);
    const refused = await client.post("/v1/memories", { content: "third quota note" });
    assertQuotaExceeded(refused, "memories");
    assert.deepEqual(responseViolations("POST", "/v1/memories", refused), []);
    assertQuotaExceeded(await client.post("/memory", { content: "third, the old route" }), "memories");
    assert.deepEqual(responseViolations("GET", "/v1/stats", await client.get("/v1/stats")), []);
    assert.equal(await app.countMemories(name), 2);
    // A repeat adds nothing, so it passes at the quota.
    const repeat = await client.post("/v1/memories", { content: "first quota note" });
    assert.ok(repeat.status < 300, JSON.stringify(repeat.body));
    assert.equal((await other.client.post("/v1/memories", { content: "third quota note" })).status, 201);
    // After a delete there is room again.
    const list = (await client.get("/v1/memories")).body.items;
    assert.equal((await client.delete(`/v1/memories/${list[0].id}`)).status, 204);
    assert.equal((await client.post("/v1/memories", { content: "third quota note" })).status, 201);
  });

  test("a batch or an import that would pass the quota stores none of its items", async () => {
    const { name, client } = app.tenant();
    quota(name, "--memories", "3");
    assert.equal((await client.post("/v1/memories", { content: "already here" })).status, 201);
    const items = ["batch one", "batch two", "batch three"].map((content) => ({ content }));
    assertQuotaExceeded(await client.post("/v1/memories/batch", { items }), "memories");
    assert.equal(await app.countMemories(name), 1, "no item of the refused batch was stored");
    assertQuotaExceeded(await client.request("POST", "/v1/import", ndjson(items)), "memories");
    assert.equal(await app.countMemories(name), 1, "no line of the refused import was stored");
    const fits = await client.post("/v1/memories/batch", { items: items.slice(0, 2) });
    assert.equal(fits.status, 200, JSON.stringify(fits.body));
    assert.deepEqual(fits.body.results.map((i) => i.status), ["created", "created"]);
    assert.equal(await app.countMemories(name), 3);
  });
});

describe("quotas under concurrency", () => {
  // Usage is kept in shards, one per backend (migration 0020): concurrent
  // captures of one tenant do not wait for each other until near a quota.
  test("concurrent captures at a quota store exactly up to it", async () => {
    const { name, client } = app.tenant();
    quota(name, "--memories", "5");
    const responses = await Promise.all(
      Array.from({ length: 16 }, (_, i) => client.post("/v1/memories", { content: `racing quota note ${i}` })),
    );
    const statuses = responses.map((r) => r.status).sort();
    assert.deepEqual(statuses, [...Array(5).fill(201), ...Array(11).fill(403)], JSON.stringify(statuses));
    for (const refused of responses.filter((r) => r.status === 403)) assertQuotaExceeded(refused, "memories");
    assert.equal(await app.countMemories(name), 5);
    assert.deepEqual((await client.get("/v1/stats")).body.usage, await stored(name));
  });

  test("concurrent batches crossing from the quick check to the exact one store exactly up to the quota", async () => {
    // The quick check leaves 15 batches of 100 memories of room (15 shards
    // that may each hold one in flight): with a quota of 1,700, the first
    // batches pass it and the rest are checked exactly.
    const { name, client } = app.tenant();
    quota(name, "--memories", "1700");
    const batch = (b) => ({ items: Array.from({ length: 100 }, (_, i) => ({ content: `batch ${b} item ${i}` })) });
    const responses = await Promise.all(Array.from({ length: 20 }, (_, b) => client.post("/v1/memories/batch", batch(b))));
    const statuses = responses.map((r) => r.status).sort();
    assert.deepEqual(statuses, [...Array(17).fill(200), ...Array(3).fill(403)], JSON.stringify(statuses));
    assert.equal(await app.countMemories(name), 1700);
    assert.deepEqual((await client.get("/v1/stats")).body.usage, await stored(name));
  });

  test("concurrent captures, updates and deletes far from a quota keep the usage exact", async () => {
    const { name, client } = app.tenant();
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.post("/v1/memories", { content: `usage note ${i}`, metadata: { i } })),
    );
    for (const response of created) assert.equal(response.status, 201);
    await Promise.all([
      ...created.slice(0, 7).map((r) => client.delete(`/v1/memories/${r.body.id}`)),
      ...created.slice(7, 14).map((r) => client.patch(`/v1/memories/${r.body.id}`, { content: "a longer content than before" })),
    ]);
    assert.deepEqual((await client.get("/v1/stats")).body.usage, await stored(name));
    assert.match(quota(name), new RegExp(`memories=13\tbytes=${(await stored(name)).bytes}$`));
  });
});

describe("quotas and Idempotency-Key", () => {
  test("a refusal is not replayed: a retry once there is room stores the capture", async () => {
    const { name, client } = app.tenant();
    quota(name, "--memories", "1");
    await client.post("/v1/memories", { content: "the only one" });
    const headers = { "idempotency-key": `quota-${randomUUID()}` };
    assertQuotaExceeded(await client.post("/v1/memories", { content: "retried later" }, { headers }), "memories");
    quota(name, "--memories", "2");
    const retried = await client.post("/v1/memories", { content: "retried later" }, { headers });
    assert.equal(retried.status, 201, JSON.stringify(retried.body));
    assert.equal(retried.headers.get("idempotent-replayed"), null);
    const replayed = await client.post("/v1/memories", { content: "retried later" }, { headers });
    assert.equal(replayed.headers.get("idempotent-replayed"), "true");
  });
});

describe("bytes quota", () => {
  test("captures and edits that would pass it are refused; shrinking is always allowed", async () => {
    const { name, client } = app.tenant();
    quota(name, "--bytes", "1000");
    const first = await client.post("/v1/memories", { content: "x".repeat(150), title: "short" });
    assert.equal(first.status, 201);
    assertQuotaExceeded(await client.post("/v1/memories", { content: "y".repeat(900) }), "bytes");
    const before = await stored(name);
    assert.equal(before.memories, 1);
    // An edit that grows the memory past the quota changes nothing.
    assertQuotaExceeded(await client.patch(`/v1/memories/${first.body.id}`, { content: "z".repeat(1000) }), "bytes");
    assert.equal((await client.get(`/v1/memories/${first.body.id}`)).body.content, "x".repeat(150));
    // A conversation's later, longer state is a growth too.
    const id = randomUUID();
    const conversation = (content) => memoryLaneCapture({ id, content });
    assert.equal((await client.post("/v1/memories", conversation("Human: hi\nAssistant: hello"))).status, 201);
    assertQuotaExceeded(await client.post("/v1/memories", conversation(`Human: hi\nAssistant: ${"long ".repeat(150)}`)), "bytes");
    assert.equal((await client.patch(`/v1/memories/${first.body.id}`, { content: "x".repeat(10) })).status, 200);
    quota(name, "--bytes", "100");
    const shrink = await client.patch(`/v1/memories/${first.body.id}`, { content: "x" });
    assert.equal(shrink.status, 200, "over a lowered quota, an edit that shrinks passes");
  });
});

describe("usage and quota in /v1/stats", () => {
  test("usage is what is stored, through captures, updates, repeats, patches and deletes", async () => {
    const { name, client } = app.tenant();
    const id = randomUUID();
    await client.post("/v1/memories", memoryLaneCapture({ id }));
    await client.post("/v1/memories", memoryLaneCapture({ id, content: "Human: a later state\nAssistant: with more words in it" }));
    await client.post("/v1/memories/batch", {
      items: [{ content: "note α" }, { content: "note α" }, memoryLaneCapture(), { content: "note β", metadata: { k: "v" } }],
    });
    const gone = (await client.post("/v1/memories", { content: "to delete" })).body;
    await client.delete(`/v1/memories/${gone.id}`);
    const kept = (await client.post("/v1/memories", { content: "to patch" })).body;
    await client.patch(`/v1/memories/${kept.id}`, { content: "patched to something longer", title: "new title" });
    const stats = (await client.get("/v1/stats")).body;
    assert.deepEqual(stats.usage, await stored(name));
    assert.equal(stats.usage.memories, stats.total);
    assert.deepEqual(stats.quota, { memories: 1000000, bytes: 10737418240 }, "wrangler.toml's defaults");
  });

  test("a tenant's own quota shows, and `default` restores the deployment's", async () => {
    const { name, client } = app.tenant();
    const printed = quota(name, "--memories", "5", "--bytes", "12345");
    assert.match(printed, /quota_memories=5\tquota_bytes=12345\tmemories=0\tbytes=0/);
    assert.deepEqual((await client.get("/v1/stats")).body.quota, { memories: 5, bytes: 12345 });
    quota(name, "--memories", "default");
    assert.deepEqual((await client.get("/v1/stats")).body.quota, { memories: 1000000, bytes: 12345 });
    assert.throws(() => quota(name, "--memories=-1"));
    assert.throws(() => quota(name, "--bytes", "lots"));
    assert.throws(() => quota(`no-such-${randomUUID()}`, "--memories", "1"));
  });
});

describe("the deployment's default quotas (QUOTA_MEMORIES, QUOTA_BYTES)", () => {
  let worker;
  before(async () => {
    worker = await startWorker({
      databaseUrl: app.databaseUrl,
      port: await freePort(),
      stateDir: path.join(root, ".dev", `quotas-${process.pid}`),
      vars: { ...TEST_VARS, QUOTA_MEMORIES: "2", QUOTA_BYTES: "5000" },
      logLevel: "warn",
    });
  });
  after(async () => {
    await worker?.stop();
    rmSync(path.join(root, ".dev", `quotas-${process.pid}`), { recursive: true, force: true });
  });

  test("apply to tenants without their own, in captures and edits", async () => {
    const { name, key } = app.tenant();
    const client = new Client(worker.baseUrl, key);
    assert.deepEqual((await client.get("/v1/stats")).body.quota, { memories: 2, bytes: 5000 });
    const first = await client.post("/v1/memories", { content: "default quota one" });
    assert.equal(first.status, 201);
    assert.equal((await client.post("/v1/memories", { content: "default quota two" })).status, 201);
    assertQuotaExceeded(await client.post("/v1/memories", { content: "default quota three" }), "memories");
    assertQuotaExceeded(await client.patch(`/v1/memories/${first.body.id}`, { content: "w".repeat(6000) }), "bytes");
    // A tenant's own quota wins over the default.
    quota(name, "--memories", "3");
    assert.equal((await client.post("/v1/memories", { content: "default quota three" })).status, 201);
    assert.equal(await app.countMemories(name), 3);
  });
});

describe("upkeep", () => {
  /** Two idempotency records of a new tenant: one 25 hours old, one fresh. */
  async function records() {
    const { name } = app.tenant();
    const [old, fresh] = [`old-${randomUUID()}`, `fresh-${randomUUID()}`];
    await app.sql(
      `insert into idempotency_keys (tenant_id, key, request_hash, status, body, created_at)
       select t.id, k.key, '\\x00', 201, '{}', k.at from tenants t,
         (values ($2, now() - interval '25 hours'), ($3, now())) as k(key, at)
       where t.name = $1`,
      [name, old, fresh],
    );
    const left = async () => (await app.sql("select key from idempotency_keys where key = any($1) order by key", [[old, fresh]])).map((r) => r.key);
    return { old, fresh, left };
  }

  test("the Cron Trigger's handler deletes idempotency records older than 24 hours", async () => {
    const { fresh, left } = await records();
    const run = await fetch(`${app.baseUrl}/__scheduled?cron=${encodeURIComponent("17 * * * *")}`);
    assert.equal(run.status, 200, await run.text());
    // The handler may finish after wrangler answered: wait for its effect.
    for (let i = 0; i < 100 && (await left()).length > 1; i++) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await left(), [fresh]);
  });

  test("memo-admin prune does the same", async () => {
    const { fresh, left } = await records();
    app.admin(["prune"]);
    assert.deepEqual(await left(), [fresh]);
  });
});
