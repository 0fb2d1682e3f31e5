// The whole local stack, as `npm run dev`, `npm run serve` and the
// integration tests use it: Postgres (embedded, or DATABASE_URL), migrations,
// a tenant and key, and the worker with its Hyperdrive binding pointed at that
// Postgres: under `wrangler dev` (direct connections, as wrangler does
// locally), or under plain workerd behind PgBouncer in transaction mode (the
// topology Hyperdrive gives in production).
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { get as httpGet } from "node:http";
import { get as httpsGet } from "node:https";
import net from "node:net";
import path from "node:path";
import { startPgbouncer } from "./pgbouncer.mjs";
import { startPostgres } from "./postgres.mjs";
import { startWorkerd } from "./workerd.mjs";
import { log, root, run, toolEnv } from "./toolchain.mjs";
import { pollUntil } from "./poll.mjs";

/** A TCP port that is free right now on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const adminBinary = path.join(root, "target", "debug", "memo-admin");

export function buildAdmin() {
  run("cargo", ["build", "--quiet", "-p", "memo-admin"]);
}

/** Runs memo-admin against `databaseUrl`; returns its stdout, trimmed. */
export function admin(databaseUrl, args) {
  const result = spawnSync(adminBinary, args, {
    cwd: root,
    env: toolEnv({ DATABASE_URL: databaseUrl }),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (result.status !== 0) {
    throw new Error(`memo-admin ${args[0]} failed (${result.error?.message ?? `exit ${result.status}`})`);
  }
  return result.stdout.trim();
}

/**
 * GET `url` on this machine: { status, headers }. Over https it accepts
 * wrangler dev's self-signed certificate (`startWorker({ https: true })`).
 */
export function localGet(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const request = (url.startsWith("https:") ? httpsGet : httpGet)(url, { headers, rejectUnauthorized: false }, (response) => {
      response.resume();
      response.on("end", () => resolve({ status: response.statusCode, headers: response.headers }));
    });
    request.on("error", reject);
  });
}

/** Waits until /health answers (200 only, unless `healthy` is false). */
export async function waitForHealth(baseUrl, child, timeoutMs, healthy) {
  const answers = async () => {
    try {
      const { status } = await localGet(`${baseUrl}/health`);
      return status === 200 || !healthy;
    } catch {
      return false; // not listening yet
    }
  };
  await pollUntil(answers, { waitingFor: `the worker at ${baseUrl} to answer /health`, timeoutMs, child });
}

/** Stops a process started with `detached: true`, and its children. */
export function stopGroup(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", resolve);
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      resolve();
    }
    setTimeout(() => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }, 5000).unref();
  });
}

/**
 * Starts `wrangler dev` for the built worker on 127.0.0.1:`port`.
 * `logLevel` is wrangler's `--log-level` (its default, "log", shows the
 * worker's own log lines; "warn" shows neither those nor wrangler's line
 * for each request). `https`: serve https with wrangler's self-signed
 * certificate (read it with `localGet`).
 */
export async function startWorker({
  databaseUrl, port, stateDir, logFile, vars = {}, healthy = true, timeoutMs = 300_000, logLevel, https = false,
}) {
  const inspectorPort = await freePort();
  const args = [
    "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort),
    "--persist-to", stateDir, "--show-interactive-dev-session=false",
    // /__scheduled runs the Cron Trigger's handler (the upkeep) on request.
    "--test-scheduled",
    ...(logLevel ? ["--log-level", logLevel] : []),
    // wrangler's own self-signed certificate.
    ...(https ? ["--local-protocol", "https"] : []),
    ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
  ];
  // The log goes straight to the file: piped through this process, it would
  // stall wrangler (and every request) whenever this process is busy in a
  // synchronous call such as the test runner, once the pipe buffer is full.
  if (logFile) mkdirSync(path.dirname(logFile), { recursive: true });
  const output = logFile ? openSync(logFile, "a") : "inherit";
  const child = spawn(path.join(root, "node_modules", ".bin", "wrangler"), args, {
    cwd: root,
    detached: true,
    env: toolEnv({ CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_DB: databaseUrl }),
    stdio: ["ignore", output, output],
  });
  if (logFile) closeSync(output);
  const baseUrl = `${https ? "https" : "http"}://127.0.0.1:${port}`;
  try {
    await waitForHealth(baseUrl, child, timeoutMs, healthy);
  } catch (error) {
    await stopGroup(child);
    if (logFile) process.stderr.write(readFileSync(logFile, "utf8").slice(-4000));
    throw error;
  }
  // `pid` leads the process group of wrangler and the workerd it runs.
  return { baseUrl, pid: child.pid, stop: () => stopGroup(child) };
}

/**
 * Postgres + migrations + key + worker. `databaseUrl` given: use that
 * Postgres; otherwise start an embedded one in `dataDir` on `pgPort`.
 * `runtime`: "wrangler" (wrangler dev) or "workerd" (plain workerd). With
 * plain workerd, or when `pooled` is set, PgBouncer on `poolerPort` sits
 * between the worker and Postgres, as Hyperdrive's pool does in production.
 * `logLevel`: wrangler dev's (see startWorker). `processes`, `onWorkerExit`:
 * plain workerd's (see startWorkerd).
 */
export async function startStack({
  databaseUrl, dataDir, pgPort, port, stateDir, keyFile, logFile, durable, vars, runtime = "wrangler", poolerPort, pooled = false,
  logLevel, processes, onWorkerExit,
}) {
  const stops = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    let url = databaseUrl;
    if (!url) {
      mkdirSync(path.dirname(dataDir), { recursive: true });
      const pg = await startPostgres({ dataDir, port: pgPort, durable });
      stops.push(pg.stop);
      url = pg.url;
    }
    buildAdmin();
    admin(url, ["migrate"]);
    const apiKey = admin(url, ["dev-key", "--file", keyFile]);
    let poolerUrl, poolerPid;
    if (runtime === "workerd" || pooled) {
      const scratch = path.join(stateDir, "pgbouncer");
      const pooler = await startPgbouncer({ databaseUrl: url, port: poolerPort ?? (await freePort()), scratch });
      stops.push(pooler.stop);
      poolerUrl = pooler.url;
      poolerPid = pooler.pid;
    }
    const workerUrl = poolerUrl ?? url;
    const worker = runtime === "workerd"
      ? await startWorkerd({ databaseUrl: workerUrl, port, scratch: stateDir, vars, logFile, processes, onExit: onWorkerExit })
      : await startWorker({ databaseUrl: workerUrl, port, stateDir, logFile, vars, logLevel });
    stops.push(worker.stop);
    log(`worker (${runtime}) on ${worker.baseUrl}`);
    return {
      baseUrl: worker.baseUrl, databaseUrl: url, poolerUrl, apiKey, workerPid: worker.pid, workerPids: worker.pids ?? [worker.pid],
      workerLogs: worker.logFiles ?? [logFile], poolerPid, stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A throwaway stack in `.dev/<name>-<pid>/` (Postgres data, wrangler state,
 * key and `wrangler.log`) on free ports. `stop({ keep })` removes the folder
 * unless `keep` is set (to inspect a failure).
 */
export async function startScratchStack(name, { durable = false, vars, runtime = "wrangler" } = {}) {
  const scratch = path.join(root, ".dev", `${name}-${process.pid}`);
  const logFile = path.join(scratch, `${runtime}.log`);
  const stack = await startStack({
    dataDir: path.join(scratch, "postgres"),
    pgPort: await freePort(),
    port: await freePort(),
    stateDir: path.join(scratch, "wrangler"),
    keyFile: path.join(scratch, "api-key"),
    logFile,
    durable,
    vars,
    runtime,
  });
  const stop = async ({ keep = false } = {}) => {
    await stack.stop();
    if (!keep) rmSync(scratch, { recursive: true, force: true });
  };
  return { ...stack, scratch, logFile, stop };
}
