// Search at scale, side by side in one run on one machine: Memo's
// /v1/search through `wrangler dev` (and, for where the time goes, the same
// worker under workerd alone), and the old server's ILIKE query on the same
// data; then capture throughput with and without the search index
// maintenance.
//
//   node bench/search/run.mjs [--rows 1000000] [--tenants 4] [--rounds 20] [--ilike-rounds 1]
//                             [--capture-seconds 15] [--worker-log-level warn]
//
// Starts an embedded Postgres like `npm run dev` does, in .dev/bench-search,
// applies the migrations, bulk-loads generated memories
// (bench/search/corpus.mjs) with COPY through psql (bench/search/data.mjs,
// shared with bench/webapp-search.mjs), then measures. A later
// run with the same --rows and --tenants reuses the loaded data, unless the
// capture part ran: it drops the search structures, so the folder is then
// removed. Needs psql (Debian `postgresql-client`) and, for the capture
// part, wrk. Prints Markdown tables.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { cpuOfTrees, postmasterPid } from "../lib/cpu.mjs";
import { QUERY_MIX } from "./corpus.mjs";
import { openDataSet, scratch, summary } from "./data.mjs";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    tenants: { type: "string", default: "4" },
    rounds: { type: "string", default: "20" },
    "ilike-rounds": { type: "string", default: "1" },
    "capture-seconds": { type: "string", default: "15" },
    "worker-log-level": { type: "string", default: "warn" },
  },
});
const rows = Number(values.rows);
const tenantCount = Number(values.tenants);

const WORKER_VARS = {
  // The capture part posts far more than the per-key limit allows.
  RATE_LIMIT_ENABLED: "false",
  // As wrangler's --log-level warn below: the worker's info lines would be
  // made and sent through wrangler's inspector only to be dropped there,
  // 2–3 ms of every request (BENCHMARKS.md); failed requests still log.
  // `--worker-log-level info` measures the default, every request logged.
  LOG_LEVEL: values["worker-log-level"],
};
const { stack, db, tenants, n, size, loadSeconds, indexSeconds } = await openDataSet({
  rows,
  tenants: tenantCount,
  vars: WORKER_VARS,
  // wrangler's own log line for each request costs its Node process about
  // 3 ms of every request here (a no-op route, one at a time: 10 ms at p50
  // with --log-level info, 7 ms with warn); that is the dev tool's cost, not
  // the service's. (warn hides the worker's log lines too; info, which
  // hides only those, was as slow as the default.)
  logLevel: "warn",
});
const { freePort } = await import("../../scripts/lib/stack.mjs");
const { startWorkerd } = await import("../../scripts/lib/workerd.mjs");
// The same worker build under workerd alone, behind the same pooler: what a
// search costs the service without wrangler dev's proxy in front of it (the
// runtime Cloudflare runs; wrangler dev adds a second workerd process, its
// proxy worker, before the worker).
const bare = await startWorkerd({
  databaseUrl: stack.poolerUrl,
  port: await freePort(),
  scratch: path.join(scratch, "workerd"),
  vars: WORKER_VARS,
}).catch(async (error) => {
  await db.end().catch(() => {});
  await stack.stop();
  throw error;
});

/** A word no generated memory holds. */
const FLOOR_QUERY = "qqzxvkjw";

/**
 * Captures per second stored by `wrk -t2 -c10` posting new memories (rows
 * counted in Postgres), and the CPU spent per capture by Postgres and by all
 * of the stack (worker, pooler, Postgres): figures far less disturbed than
 * captures/s by whatever else the shared machine runs. On a machine whose
 * CPU is the bottleneck, throughput goes as 1 / CPU per capture.
 */
async function wrkCaptures(key, run) {
  const seconds = Number(values["capture-seconds"]);
  const count = async () => (await db.query("select count(*)::int as n from memories")).rows[0].n;
  const postgresPid = postmasterPid(path.join(scratch, "postgres"));
  const before = await count();
  const roots = { postgres: postgresPid, worker: stack.workerPid, pooler: stack.poolerPid };
  const cpuBefore = cpuOfTrees(roots);
  const script = path.join(root, "bench", "search", "capture.lua");
  const result = spawnSync("wrk", ["-t", "2", "-c", "10", "-d", `${seconds}s`, "-s", script, stack.baseUrl],
    { encoding: "utf8", env: { ...process.env, MEMO_KEY: key, MEMO_RUN: run } });
  const failed = Number(result.stdout.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? 0);
  const cpuAfter = cpuOfTrees(roots);
  const stored = (await count()) - before;
  const perCapture = (name) => (cpuAfter[name] - cpuBefore[name]) / stored;
  return {
    perSecond: stored / seconds, stored, failed,
    postgresMs: perCapture("postgres"),
    stackMs: perCapture("postgres") + perCapture("worker") + perCapture("pooler"),
  };
}

let searchDropped = false;
try {
  // Memo: every query of the mix, `rounds` times, one request at a time,
  // tenants in turn; one warm-up round first. Between the queries of the mix,
  // a word in no memory: a search that finds nothing, so runs every part a
  // search has (the look at all matches, then typo and prefix tolerance), and
  // a route that does not exist: what wrangler dev and the worker cost
  // without a database.
  const memo = new Map(QUERY_MIX.map((q) => [q, []]));
  const memoBare = new Map(QUERY_MIX.map((q) => [q, []]));
  const noOpBare = [];
  const counts = new Map();
  const errors = new Map();
  const floor = [];
  const noOp = [];
  // The worker's own account of each request of the mix (Server-Timing).
  const parts = { "db-connect": [], db: [], total: [] };
  /** One search through `baseUrl`: its time, response and body. */
  const search = async (baseUrl, q, tenant) => {
    const t0 = performance.now();
    const response = await fetch(`${baseUrl}/v1/search?q=${encodeURIComponent(q)}&limit=10`, {
      headers: { authorization: `Bearer ${tenant.key}` },
    });
    const body = await response.json();
    return { ms: performance.now() - t0, response, body };
  };
  for (let round = -1; round < Number(values.rounds); round++) {
    const tenant = tenants[(round + 1) % tenants.length];
    for (const [i, q] of QUERY_MIX.flatMap((q) => [q, FLOOR_QUERY]).entries()) {
      if (q === FLOOR_QUERY) {
        for (const [baseUrl, samples] of [[stack.baseUrl, noOp], [bare.baseUrl, noOpBare]]) {
          const t0 = performance.now();
          await (await fetch(`${baseUrl}/bench-no-op`)).arrayBuffer();
          if (round >= 0) samples.push(performance.now() - t0);
        }
      }
      // The first of the two reads what the second then finds in Postgres's
      // buffers, so which goes first alternates, for every tenant and query.
      const bareFirst = (Math.floor(round / tenants.length) + i / 2) % 2 === 0;
      const wantBare = q !== FLOOR_QUERY;
      const alone = wantBare && bareFirst ? await search(bare.baseUrl, q, tenant) : null;
      const { ms, response, body } = await search(stack.baseUrl, q, tenant);
      const aloneAfter = wantBare && !bareFirst ? await search(bare.baseUrl, q, tenant) : null;
      for (const bareSearch of [alone, aloneAfter]) {
        if (round >= 0 && bareSearch?.response.status === 200) memoBare.get(q).push(bareSearch.ms);
      }
      if (response.status !== 200) {
        errors.set(q, [...(errors.get(q) ?? []), `${response.status} ${body?.error?.code}`]);
        continue;
      }
      if (round >= 0) (q === FLOOR_QUERY ? floor : memo.get(q)).push(ms);
      if (round >= 0 && q !== FLOOR_QUERY) {
        for (const part of (response.headers.get("server-timing") ?? "").split(", ")) {
          const [name, dur] = part.split(";dur=");
          parts[name]?.push(Number(dur));
        }
      }
      counts.set(q, body.items.length);
    }
  }

  // The old query, as the old server ran it: no tenants, no ranking.
  const ilike = new Map(QUERY_MIX.map((q) => [q, []]));
  for (let round = 0; round < Number(values["ilike-rounds"]); round++) {
    for (const q of QUERY_MIX) {
      const t0 = performance.now();
      await db.query(
        `select id, title, content, kind, tags, created_at from memories
         where content ilike $1 or title ilike $1 order by created_at desc limit 10`, [`%${q}%`]);
      ilike.get(q).push(performance.now() - t0);
    }
  }

  const f = (x) => (!Number.isFinite(x) ? "n/a" : x < 10 ? x.toFixed(1) : x.toFixed(0));
  const memoAll = summary([...memo.values()].flat());
  const bareAll = summary([...memoBare.values()].flat());
  const ilikeAll = summary([...ilike.values()].flat());
  console.log(`\n${n} memories, ${tenantCount} tenants, ${size}; load ${loadSeconds.toFixed(0)} s + indexes ${indexSeconds.toFixed(0)} s`);
  console.log(`\nsearch latency, ms (memo: ${values.rounds} rounds of ${QUERY_MIX.length} queries through wrangler dev --log-level warn, ` +
    `the worker at LOG_LEVEL=${values["worker-log-level"]}, ` +
    `one at a time; ILIKE: ${values["ilike-rounds"]} round straight to Postgres)\n`);
  console.log("| | samples | p50 | p95 | p99 |");
  console.log("|---|---|---|---|---|");
  console.log(`| memo /v1/search | ${memoAll.n} | ${f(memoAll.p50)} | ${f(memoAll.p95)} | ${f(memoAll.p99)} |`);
  console.log(`| old ILIKE query | ${ilikeAll.n} | ${f(ilikeAll.p50)} | ${f(ilikeAll.p95)} | ${f(ilikeAll.p99)} |`);
  console.log(`| **ILIKE / memo** | | **${f(ilikeAll.p50 / memoAll.p50)}×** | **${f(ilikeAll.p95 / memoAll.p95)}×** | **${f(ilikeAll.p99 / memoAll.p99)}×** |`);
  const floorAll = summary(floor);
  console.log(`| memo, a word in no memory (finds nothing: every part of a search runs) | ${floorAll.n} | ${f(floorAll.p50)} | ${f(floorAll.p95)} | ${f(floorAll.p99)} |`);
  const noOpAll = summary(noOp);
  console.log(`| a route that does not exist (wrangler dev and the worker, no database) | ${noOpAll.n} | ${f(noOpAll.p50)} | ${f(noOpAll.p95)} | ${f(noOpAll.p99)} |`);
  console.log(`| memo /v1/search through workerd alone (the same worker and pooler, no wrangler dev) | ${bareAll.n} | ${f(bareAll.p50)} | ${f(bareAll.p95)} | ${f(bareAll.p99)} |`);
  const noOpBareAll = summary(noOpBare);
  console.log(`| a route that does not exist, through workerd alone | ${noOpBareAll.n} | ${f(noOpBareAll.p50)} | ${f(noOpBareAll.p95)} | ${f(noOpBareAll.p99)} |`);
  console.log("\nwhere a search's time goes, from the worker's Server-Timing (the mix; ms)\n");
  console.log("| part | p50 | p95 | p99 |");
  console.log("|---|---|---|---|");
  for (const [name, label] of [["total", "in the worker (from the request to the answer)"],
    ["db-connect", "of which connecting to Postgres through the pooler"], ["db", "of which the search statement"]]) {
    const part = summary(parts[name]);
    console.log(`| ${label} | ${f(part.p50)} | ${f(part.p95)} | ${f(part.p99)} |`);
  }
  if (errors.has(FLOOR_QUERY)) console.log(`\n${FLOOR_QUERY}: ${errors.get(FLOOR_QUERY).length} errors (${errors.get(FLOOR_QUERY)[0]})`);
  console.log("\nper query, ms\n");
  console.log("| q | memo p50 | memo p99 | workerd alone p50 | memo hits | memo errors | ILIKE p50 |");
  console.log("|---|---|---|---|---|---|---|");
  for (const q of QUERY_MIX) {
    const m = summary(memo.get(q));
    const b = summary(memoBare.get(q));
    const o = summary(ilike.get(q));
    const failed = errors.get(q) ?? [];
    console.log(`| \`${q}\` | ${f(m.p50)} | ${f(m.p99)} | ${f(b.p50)} | ${counts.get(q)} | ${failed.length ? `${failed.length} (${failed[0]})` : 0} | ${f(o.p50)} |`);
  }

  // Capture throughput at this size, then without the search structures.
  const wantCaptures = Number(values["capture-seconds"]) > 0;
  if (wantCaptures && spawnSync("sh", ["-c", "command -v wrk"]).status === 0) {
    const withIndex = await wrkCaptures(tenants[0].key, `with-${Date.now()}`);
    searchDropped = true;
    // The search keys' index goes with the column it is built from.
    await db.query("drop index memories_fuzzy");
    await db.query("alter table memories drop column search");
    const without = await wrkCaptures(tenants[0].key, `without-${Date.now()}`);
    console.log(`\ncaptures/s (POST /memory, wrk -t2 -c10, ${values["capture-seconds"]} s, table at ${n} rows)\n`);
    console.log("| search maintenance | captures/s | stored | non-2xx | CPU ms per capture: Postgres | all of the stack |");
    console.log("|---|---|---|---|---|---|");
    const row = (name, r) =>
      console.log(`| ${name} | ${r.perSecond.toFixed(0)} | ${r.stored} | ${r.failed} | ${r.postgresMs.toFixed(2)} | ${r.stackMs.toFixed(2)} |`);
    row("with (tsvector column, GIN on search keys, trigram GIN)", withIndex);
    row("without", without);
    const ratio = (a, b) => (a / b).toFixed(2);
    console.log(`| **with / without** | **${ratio(withIndex.perSecond, without.perSecond)}** | | | ${ratio(withIndex.postgresMs, without.postgresMs)} | ${ratio(withIndex.stackMs, without.stackMs)} |`);
    console.log(`\nthroughput with / without as CPU allows it (without / with, all of the stack): ${ratio(without.stackMs, withIndex.stackMs)}`);
  } else if (wantCaptures) {
    log("wrk not found: capture throughput skipped (apt-get install wrk)");
  }
} finally {
  await db.end().catch(() => {});
  await bare.stop();
  await stack.stop();
  if (searchDropped && existsSync(scratch)) rmSync(scratch, { recursive: true, force: true });
}
