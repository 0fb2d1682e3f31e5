// `npm run serve` and `npm run dev` as a user runs them: each test suite
// starts the real script in a scratch folder on free ports, drives the API
// over HTTP, checks that Postgres only ever sees the pooler's few connections
// when there is a pooler, and that Ctrl-C stops every process the script
// started. `npm run serve` is the release build on plain workerd; `npm run
// dev` is wrangler dev; both put PgBouncer (transaction mode) in front of an
// embedded Postgres, unless told to use DATABASE_URL or no pooler.
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { defaultPoolSize } from "../scripts/lib/pgbouncer.mjs";
import { localUrl } from "../scripts/lib/postgres.mjs";
import { memoryLaneCapture } from "./helpers/app.mjs";
import { listening, startScript, stopAfterwards } from "./helpers/local-script.mjs";
import { connect } from "./helpers/pg.mjs";

const POOL_SIZE = defaultPoolSize();

async function servesTheApi({ api }, content) {
  const health = await api("/health");
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: "ok", database: "connected" });

  const created = await api("/v1/memories", { method: "POST", body: JSON.stringify({ content, tags: ["selfhost"] }) });
  assert.equal(created.status, 201);
  const memory = await created.json();
  assert.equal((await (await api(`/v1/memories/${memory.id}`)).json()).content, content);

  const found = await (await api("/v1/search?q=pgbouncer")).json();
  assert.ok(found.items.some((hit) => hit.id === memory.id), JSON.stringify(found));
  return memory;
}

async function concurrentCapturesThroughThePool({ api, ports, scratch }) {
  const db = await connect(localUrl(ports.pg, path.join(scratch, "postgres")));
  try {
    let most = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const { rows } = await db.query("select count(*)::int as n from pg_stat_activity where datname = 'memo' and pid <> pg_backend_pid()");
        most = Math.max(most, rows[0].n);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => api("/memory", { method: "POST", body: JSON.stringify(memoryLaneCapture()) }).then((r) => r.status)),
    );
    sampling = false;
    await sampler;
    assert.deepEqual([...new Set(answers)], [200]);
    assert.ok(most <= POOL_SIZE, `Postgres saw ${most} connections at once`);
    const stored = await (await api("/v1/stats")).json();
    assert.equal(stored.total, 101);
  } finally {
    await db.end();
  }
}

function secretsArePrivate({ scratch, ports }) {
  const password = readFileSync(path.join(scratch, "postgres-password"), "utf8").trim();
  assert.ok(password.length >= 32 && password !== "memo-local", "a random password, not the one in the repository");
  assert.ok(localUrl(ports.pg, path.join(scratch, "postgres")).includes(`:${password}@`));
  // workerd's configuration holds the database password too.
  for (const file of ["postgres-password", "api-key", path.join("workerd", "config.capnp")]) {
    assert.equal(statSync(path.join(scratch, file)).mode & 0o777, 0o600, file);
  }
}

async function upkeepRuns({ ports, scratch }) {
  const db = await connect(localUrl(ports.pg, path.join(scratch, "postgres")));
  try {
    await db.query(
      `insert into idempotency_keys (tenant_id, key, request_hash, status, created_at)
       select id, k, '\\x00', 201, now() - interval '25 hours' from tenants, (values ('upkeep-old')) v(k) limit 1`,
    );
    let left = 1;
    for (let i = 0; i < 150 && left; i++) {
      await new Promise((r) => setTimeout(r, 200));
      left = (await db.query("select count(*)::int as n from idempotency_keys where key = 'upkeep-old'")).rows[0].n;
    }
    assert.equal(left, 0, "the timer's upkeep deleted the expired record");
  } finally {
    await db.end();
  }
}

/** Ctrl-C; then none of `ports` listens any more. */
async function ctrlCStops({ child, output }, ports) {
  child.kill("SIGINT");
  await new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve()));
  // 130 = 128 + SIGINT: the exit hooks ran and the script exited as interrupted.
  assert.equal(child.exitCode, 130, output);
  for (const [name, port] of Object.entries(ports)) {
    assert.equal(await listening(port), false, `${name} still listens on ${port}`);
  }
}

for (const [command, script] of [["npm run serve", "serve.mjs"], ["npm run dev", "dev.mjs"]]) {
  describe(command, () => {
    let started;
    before(async () => {
      // A short upkeep period, to see serve's timer work.
      started = await startScript(script, script === "serve.mjs" ? { MEMO_UPKEEP_INTERVAL_SECONDS: "1" } : {});
    });
    stopAfterwards(() => started);

    test("serves the API: health, capture, get, search", () => servesTheApi(started, `${command} behind PgBouncer`));
    test("100 concurrent captures all land while Postgres sees at most the pool's connections", () =>
      concurrentCapturesThroughThePool(started));
    if (script === "serve.mjs") {
      test("Postgres has a random password, kept with the key in files only their owner can read", () =>
        secretsArePrivate(started));
      test("runs the upkeep on a timer: expired idempotency records go", () => upkeepRuns(started));
    }
    test("Ctrl-C stops the runtime, PgBouncer and Postgres", () => ctrlCStops(started, started.ports));
  });
}

describe("npm run dev with DATABASE_URL and MEMO_DEV_POOLER=0", () => {
  // The Postgres of the stack the integration tests run on: already migrated,
  // so this also shows that starting again on a used database is harmless.
  const databaseUrl = process.env.MEMO_TEST_DATABASE_URL;
  let started;
  before(async () => {
    started = await startScript("dev.mjs", { DATABASE_URL: databaseUrl, MEMO_DEV_POOLER: "0" });
  });
  stopAfterwards(() => started);

  test("uses that database directly, starting neither Postgres nor PgBouncer", async () => {
    assert.equal(await listening(started.ports.pg), false, "an embedded Postgres was started");
    assert.equal(await listening(started.ports.pooler), false, "a pooler was started");
    const memory = await servesTheApi(started, "npm run dev on DATABASE_URL, no pgbouncer in between");
    const db = await connect(databaseUrl);
    try {
      const { rows } = await db.query("select content from memories where id = $1", [memory.id]);
      assert.deepEqual(rows, [{ content: "npm run dev on DATABASE_URL, no pgbouncer in between" }]);
    } finally {
      await db.end();
    }
  });

  test("Ctrl-C stops the worker and leaves that database running", async () => {
    await ctrlCStops(started, { web: started.ports.web });
    const db = await connect(databaseUrl);
    await db.end();
  });
});
