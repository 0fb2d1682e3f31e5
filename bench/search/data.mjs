// The search bench's data set, for every bench that measures at that size
// (bench/search/run.mjs, bench/webapp-search.mjs): an embedded Postgres in
// .dev/bench-search behind `wrangler dev` as `npm run dev` runs them, the
// migrations applied, and `rows` generated memories (bench/search/corpus.mjs)
// bulk-loaded with COPY through psql for `tenants` tenants of different
// sizes. A later run with the same rows and tenants reuses the loaded data.
// Needs psql (Debian `postgresql-client`).
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { buildWorker } from "../../scripts/build-worker.mjs";
import { ensureToolchain, log, root } from "../../scripts/lib/toolchain.mjs";
import { memory, random } from "./corpus.mjs";

/** Where the data set lives; removed by a bench that changes its structures. */
export const scratch = path.join(root, ".dev", "bench-search");

/**
 * Starts the stack on the data set, loading it first unless it is there.
 * `vars`: worker variables; `logLevel`: wrangler's; `dir`: another folder
 * than `scratch` (a second data set of another size). Resolves to
 * `{ stack, db, tenants: [{name, key, id}], n, size, loadSeconds, indexSeconds, pg }`
 * (`db` a connected pg client; the caller ends it and stops the stack).
 */
export async function openDataSet({ rows, tenants: tenantCount, vars, logLevel, dir = scratch }) {
  if (spawnSync("sh", ["-c", "command -v psql"]).status !== 0) throw new Error("psql is missing: apt-get install postgresql-client");
  ensureToolchain();
  // Only now are the npm packages these modules import sure to be installed.
  const { freePort, startStack, admin } = await import("../../scripts/lib/stack.mjs");
  const { default: pg } = await import("pg");
  buildWorker();

  const stack = await startStack({
    dataDir: path.join(dir, "postgres"),
    pgPort: await freePort(),
    port: await freePort(),
    stateDir: path.join(dir, "wrangler"),
    keyFile: path.join(dir, "api-key"),
    logFile: path.join(dir, "wrangler.log"),
    // As `npm run dev`: PgBouncer in front of Postgres, as Hyperdrive pools in production.
    pooled: true,
    vars,
    logLevel,
  });
  const db = new pg.Client({ connectionString: stack.databaseUrl });
  try {
    await db.connect();
    // Tenants and keys.
    const tenants = [];
    const [{ loaded }] = (await db.query("select count(*)::int as loaded from memories")).rows;
    const reuse = loaded === rows;
    if (!reuse && loaded > 0) throw new Error(`${dir} holds ${loaded} memories, not ${rows}: remove it first`);
    for (let i = 0; i < tenantCount; i++) {
      const name = `bench-${i}`;
      if (!reuse) admin(stack.databaseUrl, ["tenant", "create", name]);
      const key = admin(stack.databaseUrl, ["key", "create", "--tenant", name, "--name", "bench"]);
      const [{ id }] = (await db.query("select id from tenants where name = $1", [name])).rows;
      tenants.push({ name, key, id });
    }

    // Bulk load: secondary indexes are dropped and rebuilt afterwards from
    // their own definitions (faster than maintaining them row by row).
    let loadSeconds = 0;
    let indexSeconds = 0;
    if (!reuse) {
      const indexes = (await db.query(
        `select indexname, indexdef from pg_indexes
         where tablename = 'memories' and indexname not in (select conname from pg_constraint)`)).rows;
      for (const { indexname } of indexes) await db.query(`drop index ${indexname}`);
      log(`loading ${rows} memories for ${tenantCount} tenants`);
      let started = performance.now();
      const half = Math.floor(rows / 2);
      const ids = tenants.map((t) => t.id);
      await Promise.all([copyMemories(stack.databaseUrl, ids, half, 1), copyMemories(stack.databaseUrl, ids, rows - half, 2)]);
      loadSeconds = (performance.now() - started) / 1000;
      started = performance.now();
      await db.query("set maintenance_work_mem = '512MB'");
      for (const { indexdef } of indexes) await db.query(indexdef);
      await db.query("vacuum analyze memories");
      indexSeconds = (performance.now() - started) / 1000;
    }
    const [{ n, size }] = (await db.query(
      "select count(*)::int as n, pg_size_pretty(pg_total_relation_size('memories')) as size from memories")).rows;
    log(`${reuse ? "reused" : "loaded"} ${n} rows in ${loadSeconds.toFixed(0)} s, indexes and analyze ${indexSeconds.toFixed(0)} s, ${size}`);
    return { stack, db, tenants, n, size, loadSeconds, indexSeconds };
  } catch (error) {
    await db.end().catch(() => {});
    await stack.stop();
    throw error;
  }
}

/** Streams `count` memories of `tenantIds` (round-robin by size) into COPY. */
function copyMemories(databaseUrl, tenantIds, count, seed) {
  const psql = spawn("psql", [databaseUrl, "-q", "-v", "ON_ERROR_STOP=1", "-c",
    "copy memories (tenant_id, title, content, tags, kind, source, captured_at, created_at, updated_at) from stdin"],
  { stdio: ["pipe", "inherit", "inherit"], env: { ...process.env, PGOPTIONS: "-c synchronous_commit=off" } });
  const rand = random(seed);
  const range = { from: Date.parse("2023-01-01"), to: Date.parse("2026-01-01") };
  const escape = (s) => s.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
  // Tenants of different sizes: the first holds the most.
  const weights = tenantIds.map((_, i) => tenantIds.length - i);
  const total = weights.reduce((a, b) => a + b, 0);
  const done = new Promise((resolve, reject) =>
    psql.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`psql copy exited ${code}`)))));
  let written = 0;
  const write = () => {
    while (written < count) {
      let chunk = "";
      for (let i = 0; i < 2000 && written < count; i++, written++) {
        let r = rand() * total;
        let t = 0;
        while ((r -= weights[t]) >= 0) t++;
        // Oldest first, as a real store fills up: the heap is in time order.
        const m = memory(rand, range, (written + rand()) / count);
        const tags = `{${m.tags.map((tag) => `"${tag}"`).join(",")}}`;
        chunk += [tenantIds[t], m.title, m.content, tags, m.kind, m.source, m.created_at, m.created_at, m.created_at]
          .map(escape).join("\t") + "\n";
      }
      if (!psql.stdin.write(chunk)) return psql.stdin.once("drain", write);
    }
    psql.stdin.end();
  };
  write();
  return done;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** `{ n, p50, p95, p99 }` of `samples` (ms). */
export const summary = (samples) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
};
