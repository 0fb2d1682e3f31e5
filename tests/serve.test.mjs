// `npm run serve` as a user runs it: the release build on plain workerd, with
// PgBouncer (transaction mode) between it and an embedded Postgres. The test
// starts the real script in a scratch folder on free ports, drives the API
// over HTTP, checks that Postgres only ever sees the pooler's few
// connections, and that Ctrl-C stops every process it started.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import pg from "pg";
import { freePort } from "../scripts/lib/stack.mjs";
import { localUrl } from "../scripts/lib/postgres.mjs";
import { root, toolEnv } from "../scripts/lib/toolchain.mjs";
import { memoryLaneCapture } from "./helpers/app.mjs";

const POOL_SIZE = 20; // scripts/lib/pgbouncer.mjs default_pool_size
const scratch = path.join(root, ".dev", `serve-test-${process.pid}`);
let serve;
let ports;
let output = "";
let baseUrl;
let key;

const listening = (port) =>
  new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });

before(async () => {
  ports = { web: await freePort(), pg: await freePort(), pooler: await freePort() };
  serve = spawn("node", [path.join(root, "scripts", "serve.mjs")], {
    cwd: root,
    env: toolEnv({ MEMO_DATA_DIR: scratch, PORT: String(ports.web), PG_PORT: String(ports.pg), POOLER_PORT: String(ports.pooler) }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  serve.stdout.on("data", (d) => (output += d));
  serve.stderr.on("data", (d) => (output += d));
  baseUrl = `http://127.0.0.1:${ports.web}`;
  const deadline = Date.now() + 300_000;
  for (;;) {
    assert.equal(serve.exitCode, null, `npm run serve exited:\n${output}`);
    if (output.includes("Ctrl-C stops")) break;
    assert.ok(Date.now() < deadline, `npm run serve did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  key = readFileSync(path.join(scratch, "api-key"), "utf8").trim();
});

after(async () => {
  if (serve.exitCode === null) serve.kill("SIGKILL");
  rmSync(scratch, { recursive: true, force: true });
});

const api = (pathname, init = {}) =>
  fetch(`${baseUrl}${pathname}`, { ...init, headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...init.headers } });

test("serves the API on workerd: health, capture, get, search, list", async () => {
  const health = await fetch(`${baseUrl}/health`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: "ok", database: "connected" });

  const created = await api("/v1/memories", { method: "POST", body: JSON.stringify({ content: "Self-hosted on workerd behind PgBouncer", tags: ["selfhost"] }) });
  assert.equal(created.status, 201);
  const memory = await created.json();
  assert.deepEqual((await (await api(`/v1/memories/${memory.id}`)).json()).content, "Self-hosted on workerd behind PgBouncer");

  const found = await (await api("/v1/search?q=pgbouncer")).json();
  assert.ok(found.items.some((hit) => hit.id === memory.id), JSON.stringify(found));
  const listed = await (await api("/v1/memories?limit=5")).json();
  assert.deepEqual(listed.items.map((m) => m.id), [memory.id]);
});

test("100 concurrent captures all land while Postgres sees at most the pool's connections", async () => {
  const db = new pg.Client({ connectionString: localUrl(ports.pg) });
  await db.connect();
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
});

test("Ctrl-C stops workerd, PgBouncer and Postgres", async () => {
  serve.kill("SIGINT");
  await new Promise((resolve) => (serve.exitCode === null ? serve.once("exit", resolve) : resolve()));
  // 130 = 128 + SIGINT: the exit hooks ran and the script exited as interrupted.
  assert.equal(serve.exitCode, 130, output);
  for (const [name, port] of Object.entries(ports)) {
    assert.equal(await listening(port), false, `${name} still listens on ${port}`);
  }
});
