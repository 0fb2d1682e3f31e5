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
import { Tally, captureBody, describeConnections, postgresConnections, runAsScript, scenarioStack, settle, sleep, storedMemories, tenants } from "./lib.mjs";

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

/**
 * A capture whose statement outlives its cancel (issue 18 §6): a trigger on
 * one tenant's memories sleeps past DB_QUERY_TIMEOUT_MS the first time it
 * fires and swallows the cancel, so the statement goes on to the end after
 * the worker answered 503. The capture was sent with an Idempotency-Key:
 * the write must not count unless its answer is recorded with it, so the
 * retry creates the memory once (201), and the retry after that replays it.
 * With the claim released while the statement still ran, the first attempt's
 * write would commit on its own and the retry would capture it a second time.
 *
 *   node -e 'import("./tests/reliability/slow-db.mjs").then(m => m.runCancelIgnored()).then(r => console.log(r))'
 */
export async function runCancelIgnored() {
  const stack = await scenarioStack("slow-db-cancel", {
    vars: { DB_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS), DB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS) },
  });
  const [tenant] = tenants(stack.app, 1);
  const [{ id: tenantId }] = await stack.app.sql("select id::text from tenants where name = $1", [tenant.name]);
  const name = `slow_once_${randomUUID().replaceAll("-", "")}`;
  try {
    await stack.app.sql(`create sequence ${name}`);
    await stack.app.sql(`create function ${name}() returns trigger language plpgsql as $$
      begin
        if nextval('${name}') = 1 then
          begin
            perform pg_sleep(${(QUERY_TIMEOUT_MS + 1000) / 1000});
          exception when query_canceled then
            perform pg_sleep(${(QUERY_TIMEOUT_MS + 1000) / 1000});
          end;
        end if;
        return new;
      end $$`);
    await stack.app.sql(`create trigger ${name} before insert on memories for each row
      when (new.tenant_id = '${tenantId}') execute function ${name}()`);
    const headers = { "idempotency-key": `cancel-ignored-${randomUUID()}` };
    const body = captureBody(randomUUID());
    const first = await tenant.client.post("/v1/memories", body, { headers });
    // Long enough for the statement the worker gave up on to have ended.
    await sleep(2 * (QUERY_TIMEOUT_MS + 1000));
    const retry = await tenant.client.post("/v1/memories", body, { headers });
    const replay = await tenant.client.post("/v1/memories", body, { headers });
    const [stored] = await stack.app.sql(
      "select count(*)::int as rows, coalesce(max(capture_count), 0)::int as captures from memories where tenant_id = $1",
      [tenantId],
    );
    const figures = {
      scenario: "slow-db-cancel-ignored",
      first: first.status,
      retry: retry.status,
      replay: replay.status,
      replayed: replay.headers.get("idempotent-replayed"),
      rows: stored.rows,
      capture_count: stored.captures,
    };
    const problems = [];
    if (first.status !== 503) problems.push(`the capture whose statement outlived its cancel got ${first.status}, not 503`);
    if (retry.status !== 201) problems.push(`its retry got ${retry.status} ${JSON.stringify(retry.body)}, not 201: the first attempt's write counted`);
    if (stored.rows !== 1 || stored.captures !== 1) problems.push(`stored ${stored.rows} memories with capture_count ${stored.captures}; one capture was sent`);
    if (replay.status !== retry.status || figures.replayed !== "true") problems.push(`the second retry was not a replay: ${replay.status}`);
    return { figures, problems };
  } finally {
    await stack.app.sql(`drop trigger if exists ${name} on memories`).catch(() => {});
    await stack.app.sql(`drop function if exists ${name}()`).catch(() => {});
    await stack.app.sql(`drop sequence if exists ${name}`).catch(() => {});
    await stack.stop();
  }
}
