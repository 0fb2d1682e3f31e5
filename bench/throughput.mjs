// Captures per second, latency, CPU per request and Postgres round trips per
// API call, side by side in one run on one machine and one Postgres, for:
//   old    the old server's design (aiohttp + asyncpg pool, ../shared/peers/seed_aiohttp)
//   serve  Memo self-hosted: release build on plain workerd, PgBouncer (transaction mode)
//   dev    Memo under `wrangler dev` (direct connections, as wrangler does locally)
//   dev-pooled  Memo under `wrangler dev` with PgBouncer in front of Postgres
//
//   npm run bench:throughput -- [--duration 15] [--connections 10,100] [--targets old,serve,dev-pooled,dev] [--calls 200]
//
// Every target runs the same wrk script (POST /memory, MemoryLane-shaped
// bodies), and a no-op request (GET of an unknown path: routing, a JSON 404,
// no database) for the cost of the request path alone. CPU is read from /proc
// before and after each wrk run for the runtime's process tree, the pooler and
// Postgres (backends included). Round trips are counted by a proxy in front of
// the database (bench/lib/round-trips.mjs) in a separate phase, so it does
// not slow the throughput runs. Rate limiting is off: the benchmark is one
// client far above the production limit. Prints Markdown tables.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildWorker } from "../scripts/build-worker.mjs";
import { ensureToolchain, log, root } from "../scripts/lib/toolchain.mjs";
import { cpuOfTrees, findInTree, postmasterPid } from "./lib/cpu.mjs";
import { startRoundTripCounter } from "./lib/round-trips.mjs";
import { pollUntil } from "../scripts/lib/poll.mjs";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "15" },
    connections: { type: "string", default: "10,100" },
    targets: { type: "string", default: "old,serve,dev-pooled,dev" },
    calls: { type: "string", default: "200" },
  },
});
// The old server's re-creation sits beside the checkout; SEED_AIOHTTP_DIR moves it.
const peer = path.resolve(root, process.env.SEED_AIOHTTP_DIR ?? "../shared/peers/seed_aiohttp");
const wrkScript = path.join(peer, "post_memory.lua");
const BENCH_VARS = { RATE_LIMIT_ENABLED: "false" };

function need(command, hint) {
  if (spawnSync("sh", ["-c", `command -v ${command}`]).status !== 0) throw new Error(`${command} is missing: ${hint}`);
}

function ensurePython() {
  if (spawnSync("python3", ["-c", "import aiohttp, asyncpg"]).status === 0) return;
  log("installing aiohttp and asyncpg for the reference server");
  const install = spawnSync("python3", ["-m", "pip", "install", "--quiet", "aiohttp", "asyncpg"], { stdio: "inherit" });
  if (install.status !== 0) throw new Error("pip install aiohttp asyncpg failed");
}

need("wrk", "apt-get install wrk");
ensureToolchain();
// Only now are the npm packages these modules import sure to be installed.
const { admin, buildAdmin, freePort, startWorker, stopGroup } = await import("../scripts/lib/stack.mjs");
const { startPostgres } = await import("../scripts/lib/postgres.mjs");
const { startWorkerd } = await import("../scripts/lib/workerd.mjs");
const { ensurePgbouncer, startPgbouncer } = await import("../scripts/lib/pgbouncer.mjs");
ensurePython();
ensurePgbouncer();
buildWorker();

async function waitForAnswer(url, child, logFile, timeoutMs = 60_000) {
  const answers = () => fetch(url).then(() => true, () => false);
  const detail = () => `:\n${readFileSync(logFile, "utf8").slice(-3000)}`;
  await pollUntil(answers, { waitingFor: `${url} to answer`, timeoutMs, intervalMs: 200, child, detail });
}

/**
 * How each target starts. `through(url)` maps the database address the
 * runtime is given (the round-trip phase puts its counting proxy there).
 * Each resolves to { baseUrl, key, cpuRoots: { runtime, pooler? }, stop }.
 */
const targets = {
  async old(databaseUrl, scratch, through = async (u) => u) {
    const port = await freePort();
    mkdirSync(scratch, { recursive: true });
    const logFile = path.join(scratch, "server.log");
    const output = openSync(logFile, "a");
    const child = spawn("python3", [path.join(peer, "server.py")], {
      detached: true,
      env: { ...process.env, PGURL: await through(databaseUrl), PORT: String(port) },
      stdio: ["ignore", output, output],
    });
    closeSync(output);
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitForAnswer(`${baseUrl}/`, child, logFile);
    return { baseUrl, key: null, cpuRoots: { runtime: child.pid }, stop: () => stopGroup(child) };
  },
  async serve(databaseUrl, scratch, through = async (u) => u) {
    const pooler = await startPgbouncer({ databaseUrl, port: await freePort(), scratch: path.join(scratch, "pgbouncer") });
    const worker = await startWorkerd({
      databaseUrl: await through(pooler.url),
      port: await freePort(),
      scratch: path.join(scratch, "workerd"),
      vars: BENCH_VARS,
    });
    const stop = async () => {
      await worker.stop();
      await pooler.stop();
    };
    return { baseUrl: worker.baseUrl, cpuRoots: { runtime: worker.pid, pooler: pooler.pid }, stop };
  },
  async "dev-pooled"(databaseUrl, scratch, through) {
    const pooler = await startPgbouncer({ databaseUrl, port: await freePort(), scratch: path.join(scratch, "pgbouncer") });
    const dev = await targets.dev(pooler.url, scratch, through);
    const stop = async () => {
      await dev.stop();
      await pooler.stop();
    };
    return { ...dev, cpuRoots: { ...dev.cpuRoots, pooler: pooler.pid }, stop };
  },
  async dev(databaseUrl, scratch, through = async (u) => u) {
    const worker = await startWorker({
      databaseUrl: await through(databaseUrl),
      port: await freePort(),
      stateDir: path.join(scratch, "wrangler"),
      logFile: path.join(scratch, "wrangler.log"),
      vars: BENCH_VARS,
    });
    // The group leader is wrangler (Node); workerd runs under it.
    return { baseUrl: worker.baseUrl, cpuRoots: { runtime: worker.pid, workerd: findInTree(worker.pid, "workerd") }, stop: worker.stop };
  },
};

/** wrk's summary: requests, requests/s, latency percentiles, non-2xx and socket errors. */
function wrk(url, connections, key, script) {
  const args = ["-t", "2", "-c", String(connections), "-d", `${values.duration}s`, "--latency"];
  if (script) args.push("-s", script);
  else if (key) args.push("-H", `Authorization: Bearer ${key}`);
  const result = spawnSync("wrk", [...args, url], {
    encoding: "utf8",
    env: { ...process.env, ...(key ? { MEMO_KEY: key } : {}) },
  });
  const out = result.stdout;
  const number = (re) => Number(out.match(re)?.[1] ?? NaN);
  const ms = (label) => {
    const m = out.match(new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`));
    return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]] : NaN;
  };
  return {
    requests: number(/(\d+) requests in/),
    rps: number(/Requests\/sec:\s+([\d.]+)/),
    p50: ms("50"),
    p99: ms("99"),
    non2xx: number(/Non-2xx or 3xx responses:\s+(\d+)/) || 0,
    errors: (out.match(/Socket errors: (.*)/)?.[1] ?? "none").trim(),
  };
}

/** One wrk run with the CPU of every process tree involved, per request. */
function measured(target, roots, url, connections, script) {
  const before = cpuOfTrees(roots);
  const result = wrk(url, connections, target.key, script);
  const after = cpuOfTrees(roots);
  const cpu = Object.fromEntries(Object.keys(roots).map((name) => [name, (after[name] - before[name]) / result.requests]));
  return { ...result, cpu };
}

const scratch = path.join(root, ".dev", `bench-throughput-${process.pid}`);
const dataDir = path.join(scratch, "postgres");
// Durable, like a real deployment: commits wait for the disk.
const pg = await startPostgres({ dataDir, port: await freePort(), durable: true });
const started = [];
try {
  buildAdmin();
  admin(pg.url, ["migrate"]);
  const key = admin(pg.url, ["dev-key", "--file", path.join(scratch, "api-key")]);
  const postgresPid = postmasterPid(dataDir);
  const chosen = values.targets.split(",");

  const running = {};
  for (const name of chosen) {
    log(`starting ${name}`);
    const target = await targets[name](pg.url, path.join(scratch, name));
    target.key = name === "old" ? null : key;
    started.push(target);
    running[name] = target;
  }

  const rows = [];
  for (const connections of values.connections.split(",").map(Number)) {
    for (const name of chosen) {
      const target = running[name];
      const roots = { ...target.cpuRoots, postgres: postgresPid };
      log(`${name}: captures at ${connections} connections`);
      const capture = measured(target, roots, target.baseUrl, connections, wrkScript);
      log(`${name}: no-op at ${connections} connections`);
      const noop = measured(target, roots, `${target.baseUrl}/bench-no-op`, connections, null);
      rows.push({ name, connections, capture, noop });
    }
  }
  // Where the CPU of a request goes, self-hosted: each route adds a step.
  const routes = [];
  if (running.serve) {
    const target = running.serve;
    const roots = { ...target.cpuRoots, postgres: postgresPid };
    const steps = [
      ["no-op: routing, a JSON 404", "/bench-no-op", null],
      ["health: + connect, `select 1`", "/health", null],
      ["get: + authenticated read of one memory", "/v1/memories/00000000-0000-4000-8000-000000000000", null],
      ["list: + 20 memories as JSON", "/v1/memories?limit=20", null],
      ["search: + full-text search, 10 hits", "/v1/search?q=asyncpg%20pool&limit=10", null],
      ["capture: + parse, title and tags, upsert", "", wrkScript],
    ];
    for (const [step, pathname, script] of steps) {
      log(`serve: ${step}`);
      routes.push({ step, ...measured(target, roots, `${target.baseUrl}${pathname}`, 10, script) });
    }
  }
  for (const target of started.splice(0)) await target.stop();

  // Round trips per API call, each target started again behind the counter.
  const calls = Number(values.calls);
  const trips = [];
  for (const name of chosen) {
    let counter;
    const through = async (url) => {
      counter = await startRoundTripCounter(url);
      return counter.url;
    };
    const target = await targets[name](pg.url, path.join(scratch, `${name}-counted`), through);
    target.key = name === "old" ? null : key;
    started.push(target);
    const headers = target.key ? { authorization: `Bearer ${target.key}` } : {};
    const apiCalls = {
      "capture (POST /memory)": (i) =>
        fetch(`${target.baseUrl}/memory`, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify({ content: `Human: round trip ${i}?\nAssistant: one.`, source: "chatgpt-extension-v2", metadata: { conversation_id: `rt-${name}-${i}` } }),
        }),
      "search (GET /search?q=)": () => fetch(`${target.baseUrl}/search?q=asyncpg`, { headers }),
      ...(name === "old"
        ? {}
        : {
            "search (GET /v1/search)": () => fetch(`${target.baseUrl}/v1/search?q=pool%20error`, { headers }),
            "list (GET /v1/memories)": () => fetch(`${target.baseUrl}/v1/memories?limit=20`, { headers }),
          }),
    };
    for (const [call, send] of Object.entries(apiCalls)) {
      await (await send(-1)).arrayBuffer(); // warm: the old server's pool connects lazily
      counter.reset();
      let failures = 0;
      for (let i = 0; i < calls; i += 1) {
        const response = await send(i);
        await response.arrayBuffer();
        if (!response.ok) failures += 1;
      }
      const c = counter.counts();
      trips.push({ name, call, connections: c.connections / calls, roundTrips: c.roundTrips / calls, failures });
    }
    await started.pop().stop();
    await counter.close();
  }

  const f = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : "n/a");
  const label = {
    old: "old aiohttp+asyncpg",
    serve: "memo self-hosted (workerd+PgBouncer)",
    dev: "memo wrangler dev",
    "dev-pooled": "memo wrangler dev + PgBouncer",
  };
  console.log(`\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model}, load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log(`${values.duration} s per run, wrk -t2; CPU in ms per request from /proc\n`);
  console.log("| connections | server | captures/s | p50 ms | p99 ms | non-2xx | errors | runtime CPU ms | pooler CPU ms | Postgres CPU ms | vs old |");
  console.log("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const { name, connections, capture } of rows) {
    const old = rows.find((r) => r.name === "old" && r.connections === connections);
    const ratio = old ? f(capture.rps / old.capture.rps, 2) : "";
    const runtime = name.startsWith("dev") ? `${f(capture.cpu.runtime, 2)} (workerd ${f(capture.cpu.workerd, 2)})` : f(capture.cpu.runtime, 2);
    console.log(
      `| ${connections} | ${label[name]} | ${f(capture.rps)} | ${f(capture.p50, 1)} | ${f(capture.p99, 1)} | ${capture.non2xx} | ${capture.errors} | ` +
        `${runtime} | ${capture.cpu.pooler === undefined ? "" : f(capture.cpu.pooler, 2)} | ${f(capture.cpu.postgres, 2)} | ${ratio} |`,
    );
  }
  console.log("\nno-op request (GET /bench-no-op: routing and a 404, no database)\n");
  console.log("| connections | server | requests/s | p50 ms | runtime CPU ms | captures/s ÷ no-op/s |");
  console.log("|---|---|---|---|---|---|");
  for (const { name, connections, capture, noop } of rows) {
    const runtime = name.startsWith("dev") ? `${f(noop.cpu.runtime, 2)} (workerd ${f(noop.cpu.workerd, 2)})` : f(noop.cpu.runtime, 2);
    console.log(`| ${connections} | ${label[name]} | ${f(noop.rps)} | ${f(noop.p50, 1)} | ${runtime} | ${f(capture.rps / noop.rps, 2)} |`);
  }
  if (routes.length) {
    console.log("\nwhere a request's CPU goes, self-hosted, 10 connections (each row adds a step to the one above)\n");
    console.log("| route | requests/s | non-2xx | workerd CPU ms | PgBouncer CPU ms | Postgres CPU ms |");
    console.log("|---|---|---|---|---|---|");
    for (const r of routes) {
      console.log(`| ${r.step} | ${f(r.rps)} | ${r.non2xx} | ${f(r.cpu.runtime, 2)} | ${f(r.cpu.pooler, 2)} | ${f(r.cpu.postgres, 2)} |`);
    }
  }
  console.log(`\nPostgres round trips per API call (${calls} sequential calls each, counted at the database's door)\n`);
  console.log("| server | call | connections opened per call | round trips per call after connecting | failed |");
  console.log("|---|---|---|---|---|");
  for (const t of trips) {
    console.log(`| ${label[t.name]} | ${t.call} | ${f(t.connections, 2)} | ${f(t.roundTrips, 2)} | ${t.failures} |`);
  }
} finally {
  for (const target of started) await target.stop().catch(() => {});
  await pg.stop();
  rmSync(scratch, { recursive: true, force: true });
}
