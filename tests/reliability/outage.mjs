// Database outage: Postgres stops (fast shutdown) in the middle of a capture
// load and comes back. Every request in flight or arriving gets an answer in
// bounded time: 201, or a JSON 503 with Retry-After; none hangs, none is a
// 500; every stored row is complete and was answered 201; once Postgres
// accepts connections again, captures succeed within 5 s without restarting
// the worker.
//
//   node tests/reliability/outage.mjs      (full: 50 clients, 10 s down)
import { randomUUID } from "node:crypto";
import { Tally, captureBody, closedLoop, runAsScript, scenarioStack, sleep, storedIds, storedMemories, tenants } from "./lib.mjs";

const CONNECT_TIMEOUT_MS = 3000;
const QUERY_TIMEOUT_MS = 5000;
/** An answer later than this counts as a hang: both timeouts plus slack for a loaded machine. */
const HANG_MS = CONNECT_TIMEOUT_MS + QUERY_TIMEOUT_MS + 10_000;
const RECOVERY_MS = 5000;

export async function run({ clients = 50, warmSeconds = 3, downSeconds = 10, afterSeconds = 8 } = {}) {
  const stack = await scenarioStack("outage", {
    ownPostgres: true,
    vars: {
      DB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      DB_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
      RETRY_AFTER_SECONDS: "2",
    },
  });
  try {
    // Ten keys keep each under the per-key rate limit (600/min).
    const pool = tenants(stack.app, 10);
    // One tally per phase, so each phase's latencies can be read apart.
    const tallies = { before: new Tally(), down: new Tally(), after: new Tally() };
    const created = new Set();
    const phase = { name: "before", upAt: null, firstCreatedAfterUp: null };
    let stopping = false;
    const load = closedLoop({
      clients,
      stop: () => stopping,
      step: async (c) => {
        const started = Date.now();
        const startedIn = phase.name;
        const response = await tallies[startedIn].send(pool[c % pool.length].client, "POST", "/v1/memories", {
          json: captureBody(randomUUID()),
          hangMs: HANG_MS,
        });
        if (response?.status === 201) {
          created.add(response.body.id);
          if (startedIn === "after" && phase.firstCreatedAfterUp === null && started >= phase.upAt) {
            phase.firstCreatedAfterUp = Date.now() - phase.upAt;
          }
        }
        if (response?.status === 503) await sleep(100); // a polite client backs off a little
      },
    });
    await sleep(warmSeconds * 1000);
    phase.name = "down";
    const downAt = Date.now();
    await stack.postgres.stop();
    const stoppedMs = Date.now() - downAt;
    await sleep(downSeconds * 1000);
    await stack.postgres.start();
    phase.upAt = Date.now();
    phase.name = "after";
    await sleep(afterSeconds * 1000);
    stopping = true;
    await load;

    const stored = await storedMemories(stack.app, pool);
    const ids = await storedIds(stack.app, pool);
    const answeredButMissing = [...created].filter((id) => !ids.has(id)).length;
    const storedButNot201 = [...ids].filter((id) => !created.has(id)).length;
    const figures = {
      scenario: "outage",
      clients,
      down_seconds: downSeconds,
      postgres_stop_ms: stoppedMs,
      before: tallies.before.summary(),
      down: tallies.down.summary(),
      after: tallies.after.summary(),
      first_capture_after_restart_ms: phase.firstCreatedAfterUp,
      rows_stored: stored.rows,
      answered_201: created.size,
      partial_rows: stored.partial,
      stored_but_not_answered_201: storedButNot201,
    };
    const problems = Object.values(tallies).flatMap((t) => t.problems());
    if (!(tallies.down.count((s) => s === 503) > 0)) problems.push("no request saw the outage (no 503 while Postgres was down)");
    for (const [name, tally] of Object.entries(tallies)) {
      if (tally.count((s) => ![201, 429, 503].includes(s)) > 0) problems.push(`${name}: answers other than 201/429/503: ${JSON.stringify(tally.statuses)}`);
    }
    if (phase.firstCreatedAfterUp === null || phase.firstCreatedAfterUp > RECOVERY_MS) {
      problems.push(`captures did not succeed within ${RECOVERY_MS} ms of Postgres returning (${phase.firstCreatedAfterUp} ms)`);
    }
    if (stored.partial) problems.push(`${stored.partial} partial rows`);
    if (answeredButMissing) problems.push(`${answeredButMissing} captures answered 201 are not stored`);
    if (storedButNot201) problems.push(`${storedButNot201} stored rows were not answered 201 (client saw a failure for a stored capture)`);
    return { figures, problems };
  } finally {
    await stack.stop();
  }
}

await runAsScript(import.meta.url, run, JSON.parse(process.env.SCENARIO_OPTIONS ?? "{}"));
