// Slow database: another session holds an exclusive lock on `memories`, so
// every statement of the worker waits past DB_QUERY_TIMEOUT_MS. Each request
// gets a JSON 503 with Retry-After in bounded time; the statements it gave up
// on do not stay behind in Postgres (connections back to the baseline while
// the lock is still held) and do not complete later (a capture answered 503
// is never stored); once the lock is gone, captures succeed.
//
//   node tests/reliability/slow-db.mjs      (full: 100 requests)
import { randomUUID } from "node:crypto";
import { connect } from "../helpers/pg.mjs";
import { Tally, captureBody, describeConnections, postgresConnections, runAsScript, scenarioStack, settle, storedMemories, tenants } from "./lib.mjs";

const QUERY_TIMEOUT_MS = 1000;
const CONNECT_TIMEOUT_MS = 3000;
const HANG_MS = QUERY_TIMEOUT_MS + CONNECT_TIMEOUT_MS + 10_000;
/** How long the worker may take to get rid of statements it gave up on. */
const CLEANUP_MS = 5000;

export async function run({ requests = 100 } = {}) {
  const stack = await scenarioStack("slow-db", {
    vars: { DB_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS), DB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS) },
  });
  let locker;
  try {
    const pool = tenants(stack.app, 5);
    const seeded = await pool[0].client.post("/v1/memories", captureBody(randomUUID()));
    const baseline = await postgresConnections(stack.app);

    locker = await connect(stack.databaseUrl);
    await locker.query("begin");
    await locker.query("lock table memories in access exclusive mode");
    const calls = [
      ["POST", "/v1/memories"], ["GET", "/v1/memories"], ["GET", `/v1/memories/${seeded.body.id}`],
      ["GET", "/v1/search?q=postgres"], ["GET", "/v1/stats"], ["POST", "/memory"], ["GET", "/memories"],
    ];
    const tally = new Tally();
    const started = Date.now();
    await Promise.all(
      Array.from({ length: requests }, (_, i) => {
        const [method, path] = calls[i % calls.length];
        const json = method === "POST" ? captureBody(randomUUID()) : undefined;
        return tally.send(pool[i % pool.length].client, method, path, { json, hangMs: HANG_MS });
      }),
    );
    const answeredMs = Date.now() - started;
    // The locker's own connection is not the worker's.
    const leftWhileLocked = await settle(async () => (await postgresConnections(stack.app)) - 1, baseline, CLEANUP_MS);
    await locker.query("rollback");
    await locker.end();
    const leftAfter = await settle(() => postgresConnections(stack.app), baseline, CLEANUP_MS);
    const stored = await storedMemories(stack.app, pool);
    const recovered = await pool[1].client.post("/v1/memories", captureBody(randomUUID()));

    const figures = {
      scenario: "slow-db",
      requests,
      query_timeout_ms: QUERY_TIMEOUT_MS,
      all_answered_ms: answeredMs,
      ...tally.summary(),
      connections_baseline: baseline,
      worker_connections_left_while_locked: Math.max(0, leftWhileLocked - baseline),
      connections_after_unlock: leftAfter,
      captures_stored_after_503: stored.rows - 1,
    };
    const problems = tally.problems();
    if (tally.count((s) => s !== 503) > 0) problems.push(`answers other than 503 while the table was locked: ${JSON.stringify(tally.statuses)}`);
    if (leftWhileLocked > baseline) problems.push(`${leftWhileLocked - baseline} connections of abandoned statements still open ${CLEANUP_MS} ms after the answers`);
    if (leftAfter > baseline) {
      problems.push(`connections did not return to the baseline (${baseline}) after the lock: ${leftAfter}`);
      problems.push(`connections: ${JSON.stringify(await describeConnections(stack.app))}`);
      await new Promise((r) => setTimeout(r, 1000));
      problems.push(`a second later: ${JSON.stringify(await describeConnections(stack.app))}`);
    }
    if (stored.rows !== 1) problems.push(`${stored.rows - 1} captures answered 503 were stored once the lock was released`);
    if (recovered.status !== 201) problems.push(`a capture after the lock was released got ${recovered.status}`);
    return { figures, problems };
  } finally {
    await locker?.end().catch(() => {});
    await stack.stop();
  }
}

await runAsScript(import.meta.url, run, JSON.parse(process.env.SCENARIO_OPTIONS ?? "{}"));
