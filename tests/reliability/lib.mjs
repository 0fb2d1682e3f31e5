// What the reliability scenarios share: a stack whose Postgres and worker
// they control, a pool of tenants, closed-loop load, and the figures they
// report (statuses, latencies, workerd memory, Postgres connections).
//
// A scenario module exports `run(options)`, resolving to
// { figures, problems }: `problems` lists every broken promise in words and
// is empty when the scenario passed. Run as a script it does the full
// version and prints its figures; tests/reliability/*.test.mjs run the short
// versions inside `npm test`.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildWorker } from "../../scripts/build-worker.mjs";
import { admin, buildAdmin, freePort, startWorker } from "../../scripts/lib/stack.mjs";
import { startWorkerd } from "../../scripts/lib/workerd.mjs";
import { startPostgres } from "../../scripts/lib/postgres.mjs";
import { ensureToolchain, log, root } from "../../scripts/lib/toolchain.mjs";
import { pollUntil, sleep } from "../../scripts/lib/poll.mjs";
import { memoryLaneCapture } from "../helpers/captures.mjs";
import { App } from "../helpers/client.mjs";

/**
 * A worker on a free port with `vars`, over the database of the running
 * `npm test` stack, or over its own embedded Postgres when `ownPostgres` is
 * set or no stack is running. The worker runs under `wrangler dev`, or under
 * plain workerd when `plainWorkerd` is set (see scripts/lib/workerd.mjs), with
 * its V8 inspector on a free port when `inspector` is set too.
 * Returns { app, baseUrl, databaseUrl, workerPid, inspectorPort, postgres: { stop, start } | null, stop }.
 */
export async function scenarioStack(name, { vars = {}, ownPostgres = false, databaseUrl, plainWorkerd = false, inspector = false } = {}) {
  ensureToolchain();
  buildWorker();
  buildAdmin();
  const scratch = path.join(root, ".dev", `reliability-${name}-${process.pid}`);
  const stops = [];
  let postgres = null;
  databaseUrl ??= ownPostgres ? undefined : process.env.MEMO_TEST_DATABASE_URL;
  if (!databaseUrl) {
    const dataDir = path.join(scratch, "postgres");
    const port = await freePort();
    let running = await startPostgres({ dataDir, port, durable: false });
    databaseUrl = running.url;
    postgres = {
      stop: async () => {
        await running?.stop();
        running = null;
      },
      start: async () => {
        running = await startPostgres({ dataDir, port, durable: false });
      },
    };
    stops.push(() => postgres.stop());
    admin(databaseUrl, ["migrate"]);
  }
  const port = await freePort();
  const inspectorPort = plainWorkerd && inspector ? await freePort() : undefined;
  const worker = plainWorkerd
    ? await startWorkerd({ databaseUrl, port, scratch: path.join(scratch, "workerd"), vars, inspectorPort })
    : await startWorker({ databaseUrl, port, stateDir: path.join(scratch, "wrangler"), logFile: path.join(scratch, "wrangler.log"), vars });
  stops.push(worker.stop);
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
    // MEMO_KEEP_SCRATCH=1 keeps wrangler.log for a look at the worker's side.
    if (!process.env.MEMO_KEEP_SCRATCH) rmSync(scratch, { recursive: true, force: true });
  };
  return { app: new App({ baseUrl: worker.baseUrl, databaseUrl }), baseUrl: worker.baseUrl, databaseUrl, workerPid: worker.pid, inspectorPort, postgres, stop };
}

/** `count` fresh tenants with a key each: [{ name, key, client }]. */
export function tenants(app, count) {
  return Array.from({ length: count }, () => app.tenant());
}

/** Memories stored for these tenants, with completeness checks. */
export async function storedMemories(app, tenantList) {
  const [row] = await app.sql(
    `select count(*)::int as rows,
            count(*) filter (where m.title = '' or m.kind is null or m.search is null or m.content = '')::int as partial
     from memories m join tenants t on t.id = m.tenant_id where t.name = any($1)`,
    [tenantList.map((t) => t.name)],
  );
  return row;
}

/** Ids of these tenants' memories. */
export async function storedIds(app, tenantList) {
  const rows = await app.sql(
    "select m.id::text from memories m join tenants t on t.id = m.tenant_id where t.name = any($1)",
    [tenantList.map((t) => t.name)],
  );
  return new Set(rows.map((r) => r.id));
}

/** Client connections Postgres holds right now, not counting the one asking. */
export async function postgresConnections(app) {
  const [row] = await app.sql(
    "select count(*)::int as n from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()",
  );
  return row.n;
}

/**
 * The client connections Postgres holds, for a failure message: who holds
 * each (the process owning its client port) and what it waits for.
 */
export async function describeConnections(app) {
  const rows = await app.sql(
    `select pid, client_port, state, wait_event_type, wait_event, now() - query_start as running,
            regexp_replace(right(query, 160), '\\s+', ' ', 'g') as query
     from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()`,
  );
  const sockets = (spawnSync("ss", ["-tanpH"], { encoding: "utf8" }).stdout ?? "").split("\n");
  const proc = (pid, file) => {
    try {
      return readFileSync(`/proc/${pid}/${file}`, "utf8");
    } catch {
      return "";
    }
  };
  return rows.map((r) => {
    // The client's end: the socket whose local address has the client port.
    const client = sockets.find((line) => line.split(/\s+/)[3]?.endsWith(`:${r.client_port}`)) ?? "";
    const stat = proc(r.pid, "stat").slice(proc(r.pid, "stat").lastIndexOf(")") + 2).split(" ");
    return {
      ...r,
      running: `${r.running?.seconds ?? 0} s`,
      client_end: client ? `${client.split(/\s+/)[0]} ${client.match(/users:\(\("([^"]+)",pid=(\d+)/)?.slice(1).join(" pid ") ?? ""}` : "closed",
      backend: { state: stat[0], cpu_ticks: Number(stat[11]) + Number(stat[12]), wchan: proc(r.pid, "wchan") },
    };
  });
}

/** Polls until `probe()` is at most `target`, or `timeoutMs` passes; resolves to the last value. */
export async function settle(probe, target, timeoutMs) {
  return pollUntil(probe, { waitingFor: `at most ${target}`, timeoutMs, done: (value) => value <= target, onTimeout: (value) => value });
}

/** The workerd processes of a process group: their pids. */
export function workerdPids(processGroup) {
  const pids = [];
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the parenthesised command: state, ppid, pgrp, ...
      const [command, rest] = [stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), stat.slice(stat.lastIndexOf(")") + 2)];
      if (command.startsWith("workerd") && Number(rest.split(" ")[2]) === processGroup) pids.push(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** A `/proc/PID/status` figure in kB (VmRSS, VmHWM) summed over the workerd processes, in bytes. */
function workerdStatus(processGroup, field) {
  let total = 0;
  for (const pid of workerdPids(processGroup)) {
    try {
      const value = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`${field}:\\s+(\\d+) kB`));
      total += Number(value?.[1] ?? 0) * 1024;
    } catch {
      // the process ended while we looked
    }
  }
  return total;
}

/** Resident memory of the workerd processes in a process group, in bytes. */
export function workerdRss(processGroup) {
  return workerdStatus(processGroup, "VmRSS");
}

/** The peak resident memory of the workerd processes since `resetWorkerdPeak`, in bytes. */
export function workerdPeakRss(processGroup) {
  return workerdStatus(processGroup, "VmHWM");
}

/** Starts measuring the workerd processes' peak resident memory afresh (Linux's clear_refs 5). */
export function resetWorkerdPeak(processGroup) {
  for (const pid of workerdPids(processGroup)) writeFileSync(`/proc/${pid}/clear_refs`, "5");
}

export { sleep };

/** Statuses, latencies and broken answers of many requests. */
export class Tally {
  constructor() {
    this.statuses = {};
    this.latencies = [];
    this.hung = 0;
    this.networkErrors = 0;
    /** Answers that are not what the API promises: 5xx other than a clean 503, non-JSON errors, 503 without Retry-After. */
    this.broken = [];
  }

  /** Sends one request through `client` and records how it went; resolves to the response or null. */
  async send(client, method, pathAndQuery, { json, hangMs = 30_000 } = {}) {
    const started = performance.now();
    try {
      const response = await client.request(method, pathAndQuery, { json, signal: AbortSignal.timeout(hangMs) });
      this.record(response, performance.now() - started, `${method} ${pathAndQuery.split("?")[0]}`);
      return response;
    } catch (error) {
      if (error.name === "TimeoutError") this.hung++;
      else this.networkErrors++;
      return null;
    }
  }

  record(response, ms, what) {
    this.statuses[response.status] = (this.statuses[response.status] ?? 0) + 1;
    this.latencies.push(ms);
    const error = response.body?.error;
    if (response.status >= 400 && response.status !== 204 && typeof error?.code !== "string") {
      this.broken.push(`${what}: ${response.status} without a JSON error body`);
    } else if (response.status >= 500 && !(response.status === 503 && error.code === "database_unavailable")) {
      this.broken.push(`${what}: ${response.status} ${error.code}`);
    } else if ((response.status === 503 || response.status === 429) && !/^\d+$/.test(response.headers.get("retry-after") ?? "")) {
      this.broken.push(`${what}: ${response.status} without Retry-After`);
    }
  }

  get total() {
    return this.latencies.length + this.hung + this.networkErrors;
  }

  count(predicate) {
    return Object.entries(this.statuses).filter(([status]) => predicate(Number(status))).reduce((n, [, c]) => n + c, 0);
  }

  /** Latency at quantile `q` (0..1), in ms. */
  quantile(q) {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]) : 0;
  }

  /** Figures for a report, and every broken promise. */
  summary() {
    return {
      requests: this.total,
      statuses: this.statuses,
      p50_ms: this.quantile(0.5),
      p99_ms: this.quantile(0.99),
      max_ms: this.quantile(1),
      hung: this.hung,
      network_errors: this.networkErrors,
    };
  }

  problems() {
    const problems = [...new Set(this.broken)].slice(0, 10);
    if (this.count((s) => s >= 500 && s !== 503) > 0) problems.push(`${this.count((s) => s >= 500 && s !== 503)} answers were 5xx other than 503`);
    if (this.hung) problems.push(`${this.hung} requests hung (no answer in time)`);
    if (this.networkErrors) problems.push(`${this.networkErrors} requests failed at the network level`);
    return problems;
  }
}

/**
 * Closed-loop load: `clients` loops, each calling `step(clientIndex,
 * iteration)` until `stop()` is true (checked between steps) or it has run
 * `iterations` steps.
 */
export async function closedLoop({ clients, stop = () => false, iterations = Infinity, step }) {
  await Promise.all(
    Array.from({ length: clients }, async (_, clientIndex) => {
      for (let i = 0; i < iterations && !stop(); i++) await step(clientIndex, i);
    }),
  );
}

/** A capture body unique to one request, so stored rows can be matched to answers. */
export function captureBody(label) {
  return memoryLaneCapture({
    id: label,
    source: "reliability",
    content: `Human: reliability check ${label}: how does Postgres handle ${label}?\nAssistant: it answers, eventually.`,
  });
}

/**
 * Runs a scenario module as a script: its full version with `options`,
 * printing the figures as JSON; exit 1 when it found problems.
 */
export async function runAsScript(moduleUrl, run, options) {
  if (process.argv[1] !== fileURLToPath(moduleUrl)) return;
  const { figures, problems } = await run(options);
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  for (const problem of problems) log(`PROBLEM: ${problem}`);
  log(problems.length ? `${problems.length} problems` : "passed");
  process.exit(problems.length ? 1 : 0);
}
