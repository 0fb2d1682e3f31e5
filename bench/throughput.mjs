// Captures per second, latency, CPU per request and Postgres round trips per
// API call, side by side in one run on one machine and one Postgres, for:
//   old    the old server's design (aiohttp + asyncpg pool, ../shared/peers/seed_aiohttp)
//   serve  Memo self-hosted: release build on one plain workerd process, PgBouncer (transaction mode)
//   serve-cores  the same on `npm run serve`'s MEMO_WORKERD_PROCESSES workerd processes (default:
//          one per core), each on its own SO_REUSEPORT socket on the port
//   serve-shared  the same processes all accepting from one shared listening socket
//   dev    Memo under `wrangler dev` (direct connections, as wrangler does locally)
//   dev-pooled  Memo under `wrangler dev` with PgBouncer in front of Postgres
//
//   npm run bench:throughput -- [--duration 15] [--connections 10,100] [--targets old,serve,serve-cores,serve-shared,dev-pooled,dev]
//                               [--calls 200] [--seed 3000] [--kinds-connections 10] [--rounds 1]
//
// Every target runs the same wrk script (POST /memory, MemoryLane-shaped
// bodies), and a no-op request (GET of an unknown path: routing, a JSON 404,
// no database) for the cost of the request path alone. CPU is read from /proc
// before and after each wrk run for the runtime's process tree, the pooler and
// Postgres (backends included). Round trips are counted by a proxy in front of
// the database (bench/lib/round-trips.mjs) in a separate phase, so it does
// not slow the throughput runs (`--calls 0` skips that phase). Rate limiting
// is off: the benchmark is one client far above the production limit.
//
// Then, for each Memo target, CPU per request of each kind (no-op, health,
// get, list, search, capture) split by process (under wrangler dev: its Node
// processes, its proxy workerd and the workerd running the worker; PgBouncer;
// Postgres), after `--seed` generated memories
// (bench/search/corpus.mjs) are added to the captures' tenant: gets cycle
// over 100 real ids, searches over the search benchmark's query mix, captures
// are new memories of realistic length (bench/search/capture.lua). From the
// worker's (workerd's) CPU, the Workers Standard bill per million requests.
// Prints Markdown tables.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildWorker } from "../scripts/build-worker.mjs";
import { ensureToolchain, log, root } from "../scripts/lib/toolchain.mjs";
import { commandLine, cpuOfTrees, findAllInTree, postmasterPid } from "./lib/cpu.mjs";
import { startRoundTripCounter } from "./lib/round-trips.mjs";
import { memory, QUERY_MIX, random } from "./search/corpus.mjs";
import { pollUntil } from "../scripts/lib/poll.mjs";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "15" },
    connections: { type: "string", default: "10,100" },
    targets: { type: "string", default: "old,serve,serve-cores,serve-shared,dev-pooled,dev" },
    calls: { type: "string", default: "200" },
    seed: { type: "string", default: "3000" },
    "kinds-connections": { type: "string", default: "10" },
    rounds: { type: "string", default: "1" },
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
const { startWorkerd, workerdProcesses } = await import("../scripts/lib/workerd.mjs");
// `npm run serve`'s number of workerd processes (MEMO_WORKERD_PROCESSES, default one per core).
const CORES = workerdProcesses();
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
  async serve(databaseUrl, scratch, through = async (u) => u, processes = 1, sockets = undefined) {
    const pooler = await startPgbouncer({ databaseUrl, port: await freePort(), scratch: path.join(scratch, "pgbouncer") });
    const worker = await startWorkerd({
      databaseUrl: await through(pooler.url),
      port: await freePort(),
      scratch: path.join(scratch, "workerd"),
      vars: BENCH_VARS,
      processes,
      sockets,
    });
    const stop = async () => {
      await worker.stop();
      await pooler.stop();
    };
    // Each process's own CPU too (`process1`, …), to see how the kernel spreads connections.
    const each = processes > 1 ? Object.fromEntries(worker.pids.map((pid, i) => [`process${i + 1}`, pid])) : {};
    return { baseUrl: worker.baseUrl, cpuRoots: { runtime: worker.pids, pooler: pooler.pid, ...each }, stop };
  },
  "serve-cores"(databaseUrl, scratch, through) {
    return targets.serve(databaseUrl, scratch, through, CORES, "per-process");
  },
  "serve-shared"(databaseUrl, scratch, through) {
    return targets.serve(databaseUrl, scratch, through, CORES, "shared");
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
    // The group leader is wrangler (Node). Under it run two workerd processes:
    // wrangler's proxy on the public port, and the one running the worker
    // (started with the inspector): the isolate Cloudflare would bill.
    const workerds = findAllInTree(worker.pid, "workerd");
    const runsTheWorker = workerds.filter((pid) => commandLine(pid).includes("--inspector-addr"));
    if (runsTheWorker.length !== 1) throw new Error(`expected one workerd with the inspector under wrangler dev, found ${runsTheWorker.length} of ${workerds.length}`);
    const cpuRoots = { runtime: worker.pid, workerd: runsTheWorker[0], proxy: workerds.filter((pid) => pid !== runsTheWorker[0]) };
    return { baseUrl: worker.baseUrl, cpuRoots, stop: worker.stop };
  },
};

/** wrk's summary: requests, requests/s, latency percentiles, non-2xx and socket errors. */
function wrk(url, connections, key, script, env = {}) {
  const args = ["-t", "2", "-c", String(connections), "-d", `${values.duration}s`, "--latency"];
  if (script) args.push("-s", script);
  else if (key) args.push("-H", `Authorization: Bearer ${key}`);
  const result = spawnSync("wrk", [...args, url], {
    encoding: "utf8",
    env: { ...process.env, ...(key ? { MEMO_KEY: key } : {}), ...env },
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
function measured(target, roots, url, connections, script, env) {
  const before = cpuOfTrees(roots);
  const result = wrk(url, connections, target.key, script, env);
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

  // `--rounds` times over every target in turn, so they share the machine's
  // noise; each row is the round of median requests/s.
  const rounds = Number(values.rounds);
  const median = (runs) => [...runs].sort((a, b) => a.rps - b.rps)[Math.floor((runs.length - 1) / 2)];
  const rows = [];
  for (const connections of values.connections.split(",").map(Number)) {
    const runs = Object.fromEntries(chosen.map((name) => [name, { capture: [], noop: [] }]));
    for (let round = 1; round <= rounds; round += 1) {
      for (const name of chosen) {
        const target = running[name];
        const roots = { ...target.cpuRoots, postgres: postgresPid };
        log(`${name}: captures at ${connections} connections (round ${round} of ${rounds})`);
        runs[name].capture.push(measured(target, roots, target.baseUrl, connections, wrkScript));
        log(`${name}: no-op at ${connections} connections`);
        runs[name].noop.push(measured(target, roots, `${target.baseUrl}/bench-no-op`, connections, null));
      }
    }
    for (const name of chosen) {
      const { capture, noop } = runs[name];
      rows.push({ name, connections, capture: median(capture), noop: median(noop), each: capture.map((r) => r.rps), eachNoop: noop.map((r) => r.rps) });
    }
  }
  // CPU per request of each kind, on a realistic data set: the captures'
  // tenant gets `--seed` generated memories (through the first Memo target).
  const kinds = [];
  // --kinds-connections 0 skips this phase.
  const memoTargets = Number(values["kinds-connections"]) > 0 ? chosen.filter((name) => name !== "old") : [];
  if (memoTargets.length) {
    const api = (pathname, init = {}) =>
      fetch(`${running[memoTargets[0]].baseUrl}${pathname}`, {
        ...init,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      });
    const rand = random(23);
    const range = { from: Date.parse("2024-01-01"), to: Date.parse("2026-11-30") };
    const seeded = Number(values.seed);
    log(`adding ${seeded} generated memories`);
    for (let done = 0; done < seeded; done += 100) {
      const items = Array.from({ length: Math.min(100, seeded - done) }, () => {
        const m = memory(rand, range);
        return { content: m.content, tags: m.tags, source: m.source, captured_at: m.created_at };
      });
      const response = await api("/v1/memories/batch", { method: "POST", body: JSON.stringify({ items }) });
      const failed = (await response.json()).results?.filter((r) => r.status === "error") ?? [];
      if (!response.ok || failed.length) throw new Error(`seeding: status ${response.status}, ${JSON.stringify(failed[0])}`);
    }
    const stats = await (await api("/v1/stats")).json();
    log(`the tenant holds ${stats.total} memories`);
    const ids = (await (await api("/v1/memories?limit=100")).json()).items.map((item) => item.id);
    const pathsFile = (name, paths) => {
      const file = path.join(scratch, `${name}.paths`);
      writeFileSync(file, `${paths.join("\n")}\n`);
      return { MEMO_PATHS: file };
    };
    const pathsScript = path.join(root, "bench", "lib", "paths.lua");
    const steps = [
      ["no-op: routing, a JSON 404", "/bench-no-op", null, {}],
      ["health: the isolate's cached database check", "/health", null, {}],
      ["get: one memory by id (100 ids in turn)", "", pathsScript, pathsFile("get", ids.map((id) => `/v1/memories/${id}`))],
      ["list: the newest 20", "/v1/memories?limit=20", null, {}],
      ["search: the search bench's 24 queries in turn, 10 hits", "", pathsScript,
        pathsFile("search", QUERY_MIX.map((q) => `/v1/search?q=${encodeURIComponent(q)}&limit=10`))],
      ["capture: a new memory of ~500 characters", "", path.join(root, "bench", "search", "capture.lua"), null],
    ];
    const connections = Number(values["kinds-connections"]);
    for (const name of memoTargets) {
      const target = running[name];
      const roots = { ...target.cpuRoots, postgres: postgresPid };
      for (const [step, pathname, script, env] of steps) {
        log(`${name}: ${step}`);
        const run = measured(target, roots, `${target.baseUrl}${pathname}`, connections, script, env ?? { MEMO_RUN: `${name}-${process.pid}` });
        kinds.push({ name, step, ...run });
      }
    }
  }
  for (const target of started.splice(0)) await target.stop();

  // Round trips per API call, each target started again behind the counter.
  const calls = Number(values.calls);
  const trips = [];
  // serve-cores and serve-shared make the same calls as serve; --calls 0 skips the phase.
  for (const name of calls > 0 ? chosen.filter((n) => !["serve-cores", "serve-shared"].includes(n)) : []) {
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
    "serve-cores": `memo self-hosted, ${CORES} workerd processes, a socket each (SO_REUSEPORT)`,
    "serve-shared": `memo self-hosted, ${CORES} workerd processes, one shared socket`,
    dev: "memo wrangler dev",
    "dev-pooled": "memo wrangler dev + PgBouncer",
  };
  console.log(`\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model}, load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log(`${values.duration} s per run, wrk -t2; CPU in ms per request from /proc` +
    `${rounds > 1 ? `; each row the median of ${rounds} rounds (requests/s of every round in the last column)` : ""}\n`);
  console.log(`| connections | server | captures/s | p50 ms | p99 ms | non-2xx | errors | runtime CPU ms | pooler CPU ms | Postgres CPU ms | vs old |${rounds > 1 ? " each round |" : ""}`);
  console.log(`|---|---|---|---|---|---|---|---|---|---|---|${rounds > 1 ? "---|" : ""}`);
  const each = (list) => (rounds > 1 ? ` ${list.map((x) => f(x)).join(", ")} |` : "");
  // How the kernel spread the work among several workerd processes: each one's share of their CPU.
  const split = (cpu) => {
    const shares = Object.keys(cpu).filter((k) => k.startsWith("process")).map((k) => cpu[k] / cpu.runtime);
    return shares.length ? ` (per process ${shares.map((x) => `${f(100 * x)}%`).join(" / ")})` : "";
  };
  const runtimeCpu = (name, cpu) =>
    name.startsWith("dev") ? `${f(cpu.runtime, 2)} (worker's workerd ${f(cpu.workerd, 2)}, proxy workerd ${f(cpu.proxy, 2)})` : `${f(cpu.runtime, 2)}${split(cpu)}`;
  for (const { name, connections, capture, each: eachRound } of rows) {
    const old = rows.find((r) => r.name === "old" && r.connections === connections);
    const ratio = old ? f(capture.rps / old.capture.rps, 2) : "";
    const runtime = runtimeCpu(name, capture.cpu);
    console.log(
      `| ${connections} | ${label[name]} | ${f(capture.rps)} | ${f(capture.p50, 1)} | ${f(capture.p99, 1)} | ${capture.non2xx} | ${capture.errors} | ` +
        `${runtime} | ${capture.cpu.pooler === undefined ? "" : f(capture.cpu.pooler, 2)} | ${f(capture.cpu.postgres, 2)} | ${ratio} |${each(eachRound)}`,
    );
  }
  console.log("\nno-op request (GET /bench-no-op: routing and a 404, no database)\n");
  console.log(`| connections | server | requests/s | p50 ms | runtime CPU ms | captures/s ÷ no-op/s |${rounds > 1 ? " each round |" : ""}`);
  console.log(`|---|---|---|---|---|---|${rounds > 1 ? "---|" : ""}`);
  for (const { name, connections, capture, noop, eachNoop } of rows) {
    const runtime = runtimeCpu(name, noop.cpu);
    console.log(`| ${connections} | ${label[name]} | ${f(noop.rps)} | ${f(noop.p50, 1)} | ${runtime} | ${f(capture.rps / noop.rps, 2)} |${each(eachNoop)}`);
  }
  if (kinds.length) {
    console.log(`\nCPU per request by kind, ${values["kinds-connections"]} connections, ms per request from /proc ` +
      "(wrangler dev: wrangler's Node processes and esbuild; its proxy workerd on the public port; the workerd running the worker)\n");
    console.log("| server | request | requests/s | non-2xx | wrangler (Node) | wrangler's proxy workerd | the worker's workerd | PgBouncer | Postgres | total |");
    console.log("|---|---|---|---|---|---|---|---|---|---|");
    for (const { name, step, rps, non2xx, cpu } of kinds) {
      // Under wrangler dev the runtime tree is wrangler's Node process with both workerd under it.
      const dev = name.startsWith("dev");
      const workerd = dev ? cpu.workerd : cpu.runtime;
      const total = cpu.runtime + (cpu.pooler ?? 0) + cpu.postgres;
      console.log(`| ${label[name]} | ${step} | ${f(rps)} | ${non2xx} | ${dev ? f(cpu.runtime - cpu.workerd - cpu.proxy, 2) : ""} | ` +
        `${dev ? f(cpu.proxy, 2) : ""} | ${f(workerd, 2)}${split(cpu)} | ${f(cpu.pooler, 2)} | ${f(cpu.postgres, 2)} | ${f(total, 2)} |`);
    }
    // Workers Standard, https://developers.cloudflare.com/workers/platform/pricing/ (read 2026-12-02):
    // $0.30 per million requests and $0.02 per million CPU milliseconds beyond the
    // monthly allowance (10 million requests, 30 million CPU ms), which is left out.
    const PER_MILLION_REQUESTS = 0.3;
    const PER_MILLION_CPU_MS = 0.02;
    console.log("\nWorkers Standard bill per million requests, from the worker's CPU (workerd's), beyond the included allowance\n");
    console.log("| server | request | workerd CPU ms | requests | CPU: ms × $0.02 | per million |");
    console.log("|---|---|---|---|---|---|");
    for (const { name, step, cpu } of kinds.filter((k) => /^(capture|search|get|list)/.test(k.step) && ["serve", "dev-pooled", "dev"].includes(k.name))) {
      const ms = name.startsWith("dev") ? cpu.workerd : cpu.runtime;
      const cpuCost = ms * PER_MILLION_CPU_MS; // ms per request × 10^6 requests ÷ 10^6 ms × price
      console.log(`| ${label[name]} | ${step.split(":")[0]} | ${f(ms, 2)} | $${PER_MILLION_REQUESTS.toFixed(2)} | ` +
        `${f(ms, 2)} × $0.02 = $${f(cpuCost, 4)} | $${f(PER_MILLION_REQUESTS + cpuCost, 4)} |`);
    }
  }
  if (trips.length) {
    console.log(`\nPostgres round trips per API call (${calls} sequential calls each, counted at the database's door)\n`);
    console.log("| server | call | connections opened per call | round trips per call after connecting | failed |");
    console.log("|---|---|---|---|---|");
    for (const t of trips) {
      console.log(`| ${label[t.name]} | ${t.call} | ${f(t.connections, 2)} | ${f(t.roundTrips, 2)} | ${t.failures} |`);
    }
  }
} finally {
  for (const target of started) await target.stop().catch(() => {});
  await pg.stop();
  rmSync(scratch, { recursive: true, force: true });
}
