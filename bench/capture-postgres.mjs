// Where a capture's Postgres CPU goes (issue 23), self-hosted: plain workerd,
// PgBouncer, one durable embedded Postgres with pg_stat_statements and
// per-function statistics on.
//
//   npm run bench:capture-pg -- [--seconds 6] [--rounds 3] [--connections 10] [--variants shipped,no-quota-triggers,no-tag-count-triggers,no-new-triggers] [--baseline 0019]
//
// 1. Variants side by side: each round runs every variant in turn (wrk,
//    `bench/search/capture.lua`, a new conversation per request), so they
//    share the machine's noise; CPU per capture of Postgres (backends
//    included), PgBouncer and workerd is read from /proc. A variant changes
//    the database between runs (triggers off, a function replaced) and is
//    undone after its run. Medians over the rounds. `--baseline 00NN` adds
//    the variant `baseline`: a second database in the same cluster made by
//    the migrations up to 00NN only, captured through its own workerd (same
//    build) and the same PgBouncer; it measures a migration that changes
//    tables, which a candidate (functions only) cannot. The baseline must
//    serve this build's statements: since migration 0020 the worker calls
//    memo_capture_tenant, so `--baseline` takes 0020 or later (the 0019
//    comparison in BENCHMARKS.md ran before the worker's statement changed).
// 2. A profile run as shipped: pg_stat_statements (planning and execution,
//    nested statements included) and pg_stat_user_functions (self time of
//    every function, trigger functions included), per capture. Before it,
//    one more run of each variant, sampled every 20 ms: what the backends
//    running a statement wait for (pg_stat_activity), so a row lock's share
//    of their time shows.
// 3. One capture through the worker with auto_explain on: EXPLAIN (ANALYZE,
//    BUFFERS) of the worker's statement and of the statements inside
//    memo_capture_memories and its triggers; then that statement planned
//    (EXPLAIN (GENERIC_PLAN)) as sent and without the key check's `touch`.
// 4. What each expression a new row computes costs, evaluated over 2,000
//    copies of a captured row in one backend (the search document, the
//    search keys, the trigram text, the content hash).
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildWorker } from "../scripts/build-worker.mjs";
import { ensureToolchain, log, root } from "../scripts/lib/toolchain.mjs";
import { cpuOfTrees, postmasterPid } from "./lib/cpu.mjs";
import { median, wrk as runWrk } from "./lib/wrk.mjs";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "6" },
    rounds: { type: "string", default: "3" },
    connections: { type: "string", default: "10" },
    variants: { type: "string", default: "shipped,no-quota-triggers,no-tag-count-triggers,no-new-triggers" },
    // Another wrk script: the old design's post_memory.lua re-captures the
    // same conversations, unchanged, on every run after the first.
    script: { type: "string", default: "bench/search/capture.lua" },
    baseline: { type: "string", default: "" },
  },
});

const QUOTA_TRIGGERS = ["memories_usage_insert", "memories_usage_update", "memories_usage_delete"];
const TAG_TRIGGERS = ["memories_tag_counts_insert", "memories_tag_counts_update", "memories_tag_counts_delete"];
const triggers = (verb, names) => `alter table memories ${names.map((n) => `${verb} trigger ${n}`).join(", ")}`;

/** Each variant: SQL that makes it and SQL that undoes it. */
const VARIANTS = {
  shipped: { make: [], undo: [] },
  "no-quota-triggers": { make: [triggers("disable", QUOTA_TRIGGERS)], undo: [triggers("enable", QUOTA_TRIGGERS)] },
  "no-tag-count-triggers": { make: [triggers("disable", TAG_TRIGGERS)], undo: [triggers("enable", TAG_TRIGGERS)] },
  "no-new-triggers": {
    make: [triggers("disable", [...QUOTA_TRIGGERS, ...TAG_TRIGGERS])],
    undo: [triggers("enable", [...QUOTA_TRIGGERS, ...TAG_TRIGGERS])],
  },
  // The key check without its `touch` CTE cannot be made in the database:
  // that is a worker build (measured with bench/throughput.mjs).
};
// A candidate migration (MEMO_BENCH_CANDIDATE=migrations/00NN_x.sql) is a
// variant too: its functions replace the shipped ones for its runs. Undoing
// it restores the shipped definitions, so a candidate may only create or
// replace functions (not rename or drop them).
const candidate = process.env.MEMO_BENCH_CANDIDATE;
if (candidate) VARIANTS.candidate = { make: [readFileSync(path.resolve(root, candidate), "utf8")], undo: "restore" };

ensureToolchain();
const { admin, buildAdmin, freePort } = await import("../scripts/lib/stack.mjs");
const { startPostgres } = await import("../scripts/lib/postgres.mjs");
const { startWorkerd } = await import("../scripts/lib/workerd.mjs");
const { ensurePgbouncer, startPgbouncer } = await import("../scripts/lib/pgbouncer.mjs");
const pg = (await import("pg")).default;
const { readdirSync } = await import("node:fs");
ensurePgbouncer();
buildWorker();

const wrkScript = path.resolve(root, values.script);
const scratch = path.join(root, ".dev", `bench-capture-pg-${process.pid}`);
const dataDir = path.join(scratch, "postgres");
// The server's log, kept while a capture is explained.
let serverLog = null;
const server = await startPostgres({
  dataDir,
  port: await freePort(),
  durable: true,
  onLog: (line) => serverLog?.push(String(line)),
  flags: [
    "-c", "shared_preload_libraries=pg_stat_statements,auto_explain",
    "-c", "pg_stat_statements.track=all",
    "-c", "pg_stat_statements.track_planning=on",
    "-c", "track_functions=all",
  ],
});
const stops = [server.stop];
const wrk = (url, key) => runWrk(url, { connections: values.connections, seconds: values.seconds, script: wrkScript, key });
const f = (n, d = 3) => (Number.isFinite(n) ? n.toFixed(d) : "n/a");

try {
  buildAdmin();
  admin(server.url, ["migrate"]);
  const key = admin(server.url, ["dev-key", "--file", path.join(scratch, "api-key")]);
  const db = new pg.Client({ connectionString: server.url });
  await db.connect();
  stops.push(() => db.end());
  await db.query("create extension if not exists pg_stat_statements");
  const pooler = await startPgbouncer({ databaseUrl: server.url, port: await freePort(), scratch: path.join(scratch, "pgbouncer") });
  stops.push(pooler.stop);
  const worker = await startWorkerd({ databaseUrl: pooler.url, port: await freePort(), scratch: path.join(scratch, "workerd") });
  stops.push(worker.stop);
  const url = worker.baseUrl;
  const roots = { workerd: worker.pid, pgbouncer: pooler.pid, postgres: postmasterPid(dataDir) };
  const targets = { shipped: { url, key, roots } };
  if (values.baseline) {
    // The migrations up to --baseline, as files, each in one transaction.
    await db.query("create database memo_baseline");
    const baselineUrl = Object.assign(new URL(server.url), { pathname: "/memo_baseline" }).href;
    const base = new pg.Client({ connectionString: baselineUrl });
    await base.connect();
    const files = readdirSync(path.join(root, "migrations")).filter((f) => /^\d{4}_.*\.sql$/.test(f) && f.slice(0, 4) <= values.baseline).sort();
    for (const file of files) await base.query(`begin; ${readFileSync(path.join(root, "migrations", file), "utf8")}; commit`);
    await base.end();
    log(`baseline database: ${files.at(-1)}`);
    const baseKey = admin(baselineUrl, ["dev-key", "--file", path.join(scratch, "api-key-baseline")]);
    const baseWorker = await startWorkerd({
      databaseUrl: Object.assign(new URL(pooler.url), { pathname: "/memo_baseline" }).href,
      port: await freePort(),
      scratch: path.join(scratch, "workerd-baseline"),
    });
    stops.push(baseWorker.stop);
    targets.baseline = { url: baseWorker.baseUrl, key: baseKey, roots: { ...roots, workerd: baseWorker.pid } };
    VARIANTS.baseline = { make: [], undo: [], target: "baseline" };
    log("warming up the baseline");
    wrk(baseWorker.baseUrl, baseKey);
  }

  // Every function's definition, to undo a candidate's replacements.
  const definitions = async () =>
    (await db.query(`select p.oid, pg_get_functiondef(p.oid) as def from pg_proc p
                     join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public' and p.prokind = 'f'`)).rows;
  const shippedDefinitions = await definitions();

  log("warming up");
  wrk(url, key);

  // 1. Variants side by side.
  /** Makes variant `name`; resolves to the target its runs capture through. */
  async function make(name) {
    const variant = VARIANTS[name];
    if (!variant) throw new Error(`unknown variant ${name}`);
    for (const sql of variant.make) await db.query(sql);
    return targets[variant.target ?? "shipped"];
  }
  async function undo(name) {
    const variant = VARIANTS[name];
    if (variant.undo === "restore") {
      const now = new Map((await definitions()).map((d) => [d.oid, d.def]));
      for (const d of shippedDefinitions) if (now.get(d.oid) !== d.def) await db.query(d.def);
    } else {
      for (const sql of variant.undo) await db.query(sql);
    }
  }
  const chosen = values.variants.split(",").concat(candidate ? ["candidate"] : [], values.baseline ? ["baseline"] : []);
  const results = Object.fromEntries(chosen.map((v) => [v, []]));
  for (let round = 1; round <= Number(values.rounds); round += 1) {
    for (const name of chosen) {
      const target = await make(name);
      const before = cpuOfTrees(target.roots);
      const run = wrk(target.url, target.key);
      const after = cpuOfTrees(target.roots);
      await undo(name);
      const perCapture = Object.fromEntries(Object.keys(roots).map((r) => [r, (after[r] - before[r]) / run.requests]));
      log(`round ${round} ${name}: ${f(run.rps, 0)} captures/s, Postgres ${f(perCapture.postgres)} ms, workerd ${f(perCapture.workerd)} ms`);
      results[name].push({ ...run, ...perCapture });
    }
  }

  // 1b. What the busy backends wait for, in one more run of each variant
  // (not timed): sampled every 20 ms by another process (its own backend
  // left out), so a row lock's share of their time shows.
  async function sampledRun(target) {
    const sampler = spawn(process.execPath, ["--input-type=module", "-e", `
      import pg from "pg";
      const db = new pg.Client({ connectionString: process.env.MEMO_SAMPLE_URL });
      await db.connect();
      const seen = {};
      let samples = 0;
      // Exits at once: ending the client first would fail the query in flight.
      process.on("SIGTERM", () => { console.log(JSON.stringify({ samples, seen })); process.exit(0); });
      for (;;) {
        const r = await db.query(\`select coalesce(wait_event_type || ':' || wait_event, 'on CPU') as what, count(*)::int as n
                                    from pg_stat_activity where backend_type = 'client backend' and state = 'active'
                                    and pid <> pg_backend_pid() group by 1\`);
        samples += 1;
        for (const row of r.rows) seen[row.what] = (seen[row.what] ?? 0) + row.n;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }`], { cwd: root, env: { ...process.env, MEMO_SAMPLE_URL: server.url }, stdio: ["ignore", "pipe", "inherit"] });
    let sampled = "";
    sampler.stdout.on("data", (d) => { sampled += d; });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const run = wrk(target.url, target.key);
    const exited = new Promise((resolve) => sampler.on("exit", resolve));
    sampler.kill("SIGTERM");
    await exited;
    return { run, ...JSON.parse(sampled || '{"samples":0,"seen":{}}') };
  }
  const waits = {};
  for (const name of chosen) {
    waits[name] = await sampledRun(await make(name));
    await undo(name);
  }

  // 2. A profile run as shipped.
  await db.query("select pg_stat_statements_reset()");
  await db.query("select pg_stat_reset()");
  const before = cpuOfTrees(roots);
  const profiled = wrk(url, key);
  const after = cpuOfTrees(roots);
  const pgCpu = (after.postgres - before.postgres) / profiled.requests;
  // The statistics collector's counters are flushed by each backend when idle.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const statements = (
    await db.query(`select toplevel, calls, total_plan_time, total_exec_time, shared_blks_hit, shared_blks_read,
                           shared_blks_dirtied, wal_records, regexp_replace(left(query, 400), '\\s+', ' ', 'g') as query
                    from pg_stat_statements
                    where query not ilike '%pg_stat%' and query not ilike 'explain%'
                    order by total_plan_time + total_exec_time desc limit 14`)
  ).rows;
  const functions = (
    await db.query(`select funcname, calls, total_time, self_time from pg_stat_user_functions
                    order by self_time desc limit 20`)
  ).rows;

  // 3. Captures through the worker with auto_explain on (server-wide, so the
  // pooler's connections have it): the worker's own statement, and the ones
  // inside memo_capture_memories and its triggers, with EXPLAIN (ANALYZE,
  // BUFFERS) output in the server's log.
  const explainSettings = ["log_min_duration = 0", "log_analyze = on", "log_buffers = on", "log_triggers = on",
    "log_nested_statements = on", "log_timing = on"];
  for (const setting of explainSettings) await db.query(`alter system set auto_explain.${setting}`);
  await db.query("select pg_reload_conf()");
  await new Promise((resolve) => setTimeout(resolve, 500));
  const capture = (n) =>
    fetch(`${url}/memory`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        content: `Human: Autovacuum on our Postgres 16 cluster falls behind after the nightly import explain-${n}; the orders table bloats and queries on created_at slow down. Should I lower autovacuum_vacuum_scale_factor for that table or run VACUUM ANALYZE after the import?\nAssistant: Set a per-table scale factor of 0.01 and a cost limit of 2000, and run ANALYZE at the end of the import job so the planner sees the new rows.`,
        source: "chatgpt-extension-v2",
        metadata: { platform: "ChatGPT", url: `https://chatgpt.com/c/explain-${n}`, conversation_id: `explain-${n}`, captureMethod: "manual", messageCount: 2 },
      }),
    }).then((r) => r.arrayBuffer());
  await capture(1);
  await capture(2);
  await new Promise((resolve) => setTimeout(resolve, 300));
  serverLog = [];
  await capture(3);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const explained = serverLog.join("\n");
  serverLog = null;
  for (const setting of explainSettings) await db.query(`alter system reset auto_explain.${setting.split(" ")[0]}`);
  await db.query("select pg_reload_conf()");

  // 3b. Planning the worker's statement (its text from the log above), as
  // sent and without the key check's `touch` CTE: EXPLAIN (GENERIC_PLAN)
  // plans it without running it, 200 times each, alternating.
  const topLevel = [...explained.matchAll(/Query Text: ((?:with caller as \(\s*select k\.id|\s*select u\.\* from memo_capture_tenant)[\s\S]*?)\n\s*Query Parameters:/g)].pop()?.[1];
  const planning = {};
  if (topLevel) {
    const untouched = topLevel.replace(/\s*touch as \(\s*update api_keys[\s\S]*?'5 minutes'\)\)\s*,?/, " ");
    const plans = { "as sent": topLevel };
    if (untouched !== topLevel) plans["without touch"] = untouched.replace(/\)\s+,\s*limited/, "), limited");
    for (const name of Object.keys(plans)) planning[name] = [];
    for (let i = 0; i < 200; i += 1) {
      for (const [name, text] of Object.entries(plans)) {
        const r = await db.query(`explain (generic_plan, summary on, format json) ${text}`);
        planning[name].push(r.rows[0]["QUERY PLAN"][0]["Planning Time"]);
      }
    }
  }

  // 4. Expression costs over copies of a captured row.
  await db.query(`create temp table rows_copy as
                  select m.tenant_id, m.created_at, m.kind, m.source, m.title, m.tags, m.content || ' ' || g as content,
                         m.metadata, m.search
                  from (select * from memories order by created_at desc limit 1) m, generate_series(1, 2000) g`);
  const timed = async (expression) => {
    const sample = [];
    for (let i = 0; i < 3; i += 1) {
      const t = await db.query(`explain (analyze, timing off, summary on, format json) select sum(${expression}) from rows_copy`);
      sample.push(t.rows[0]["QUERY PLAN"][0]["Execution Time"]);
    }
    return median(sample) / 2000;
  };
  const baseline = await timed("length(content)");
  const expressions = [
    ["search document: memo_search_document(title, tags, content)", "length(memo_search_document(title, tags, content))"],
    ["  of which memo_cjk_spaced(content), once", "length(memo_cjk_spaced(content))"],
    ["  of which to_tsvector('memo_stem', content)", "length(to_tsvector('memo_stem', content))"],
    ["  of which to_tsvector('memo_exact', content)", "length(to_tsvector('memo_exact', content))"],
    ["search keys: memo_search_keys(..., search)", "length(memo_search_keys(tenant_id, created_at, kind, source, tags, search))"],
    ["trigram text: memo_fuzzy_text(title, tags)", "length(memo_fuzzy_text(title, tags))"],
    ["trigrams of it: show_trgm(memo_fuzzy_text(...))", "cardinality(show_trgm(memo_fuzzy_text(title, tags)))"],
    ["content hash: memo_content_hash(content)", "length(memo_content_hash(content))"],
    ["quota bytes: memo_memory_bytes(content, title, metadata)", "memo_memory_bytes(content, title, metadata)"],
  ];
  const costs = [];
  for (const [label, expression] of expressions) costs.push([label, (await timed(expression)) - baseline]);

  // 5. Postgres CPU per capture from one backend, free of the worker's and
  // the machine's noise: unnamed statements, planned each time as the
  // worker's are, alternating in blocks; the backend's CPU read from /proc;
  // each capture a new note with 7 tags. The worker's statement before
  // migration 0020 (the `authed!` CTEs around memo_capture_memories)
  // against what it sends now (memo_capture_tenant), as shipped; and each
  // variant made in this database (not `baseline`) with the statement as
  // sent now.
  const BEFORE_0020 = `with caller as (
      select k.id as key_id, k.tenant_id, k.last_used_at from api_keys k where k.key_hash = $1 and k.revoked_at is null),
    touch as (
      update api_keys set last_used_at = now()
      where id = (select key_id from caller) and (last_used_at is null or last_used_at < now() - interval '5 minutes'))
    , limited as (select caller.tenant_id from caller where memo_quota_defaults($19, $20))
    select u.* from limited as caller cross join lateral memo_capture_memories(
      caller.tenant_id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) u`;
  const AFTER_0020 = `select u.* from memo_capture_tenant($1, $19, $20) as caller(tenant_id) cross join lateral
      memo_capture_memories(caller.tenant_id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) u`;
  const forms = { "shipped, before 0020: authed! CTEs": [BEFORE_0020, "shipped"], "shipped": [AFTER_0020, "shipped"] };
  for (const name of chosen) if (name !== "shipped" && !VARIANTS[name].target) forms[name] = [AFTER_0020, name];
  const one = (x) => (x === null ? "{NULL}" : `{"${String(x).replace(/[\\"]/g, (c) => `\\${c}`)}"}`);
  const keyHash = (await db.query("select key_hash from api_keys where revoked_at is null limit 1")).rows[0].key_hash;
  const backendPid = (await db.query("select pg_backend_pid() as pid")).rows[0].pid;
  const backendMs = () => {
    const fields = readFileSync(`/proc/${backendPid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  const statementCpu = Object.fromEntries(Object.keys(forms).map((name) => [name, { ms: 0, n: 0 }]));
  let note = 0;
  for (let block = 0; block < 6; block += 1) {
    for (const [name, [text, variant]] of Object.entries(forms)) {
      await make(variant);
      const start = backendMs();
      for (let i = 0; i < 150; i += 1) {
        note += 1;
        const content = `Statement form note ${process.pid}-${note}: autovacuum, indexes and the planner's estimates after a bulk import.`;
        const r = await db.query(text, [keyHash, "{0}", one(content), one(`Note ${note}`), "{f}", "{f}", one("note"), one("bench"),
          "{NULL}", one(JSON.stringify(["postgres", "bench", "autovacuum", "indexes", "planner", "import", "chatgpt"])), one("[]"),
          one("{}"), one(new Date().toISOString()), "{NULL}",
          "{NULL}", "{NULL}", "{1}", false, 1000000, 10737418240]);
        if (r.rows.length !== 1) throw new Error(`${name}: ${r.rows.length} rows`);
      }
      statementCpu[name].ms += backendMs() - start;
      statementCpu[name].n += 150;
      await undo(variant);
    }
  }

  // Report.
  console.log(`\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model}, load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log(`${values.seconds} s per run, wrk -t2 -c${values.connections}, ${values.script}, ${values.rounds} rounds; medians\n`);
  console.log("| variant | captures/s | Postgres CPU ms / capture | PgBouncer CPU ms | workerd CPU ms | Postgres vs shipped |");
  console.log("|---|---|---|---|---|---|");
  const shippedPg = results.shipped ? median(results.shipped.map((r) => r.postgres)) : NaN;
  for (const [name, rs] of Object.entries(results)) {
    const pgMs = median(rs.map((r) => r.postgres));
    console.log(`| ${name} | ${f(median(rs.map((r) => r.rps)), 0)} | ${f(pgMs)} | ${f(median(rs.map((r) => r.pgbouncer)))} | ` +
      `${f(median(rs.map((r) => r.workerd)))} | ${f(pgMs / shippedPg, 2)} |`);
  }
  console.log(`\nprofile run (shipped): ${profiled.requests} captures, ${profiled.non2xx} non-2xx, Postgres CPU ${f(pgCpu)} ms per capture\n`);
  // Both views time the wall clock: waiting for a row lock counts.
  console.log("times below are wall time (a wait for a row lock counts), per capture\n");
  console.log("| statement (pg_stat_statements, track=all) | top level | calls / capture | plan ms | exec ms |");
  console.log("|---|---|---|---|---|");
  for (const s of statements) {
    console.log(`| \`${s.query.slice(0, 140).replace(/\|/g, "\\|")}\` | ${s.toplevel} | ${f(s.calls / profiled.requests, 2)} | ` +
      `${f(s.total_plan_time / profiled.requests)} | ${f(s.total_exec_time / profiled.requests)} |`);
  }
  console.log("\nwhat the backends running a statement were doing: one more run of each variant, sampled every 20 ms\n");
  console.log("| variant | captures/s | samples | busy backends (mean) | waiting for a lock | on CPU | other waits |");
  console.log("|---|---|---|---|---|---|---|");
  for (const [name, w] of Object.entries(waits)) {
    const busy = Object.values(w.seen).reduce((a, b) => a + b, 0);
    const lock = Object.entries(w.seen).filter(([what]) => what.startsWith("Lock:")).reduce((a, [, n]) => a + n, 0);
    const cpu = w.seen["on CPU"] ?? 0;
    const other = Object.entries(w.seen).filter(([what]) => !what.startsWith("Lock:") && what !== "on CPU")
      .sort((a, b) => b[1] - a[1]).slice(0, 3).map(([what, n]) => `${what} ${f((100 * n) / busy, 1)}%`).join(", ");
    console.log(`| ${name} | ${f(w.run.rps, 0)} | ${w.samples} | ${f(busy / w.samples, 2)} | ${f((100 * lock) / busy, 1)}% | ` +
      `${f((100 * cpu) / busy, 1)}% | ${other} |`);
  }
  console.log("\n| function (pg_stat_user_functions) | calls / capture | total ms | self ms |");
  console.log("|---|---|---|---|");
  for (const fn of functions.filter((fn) => fn.calls > 0 && !fn.funcname.startsWith("pg_stat"))) {
    console.log(`| ${fn.funcname} | ${f(fn.calls / profiled.requests, 2)} | ${f(fn.total_time / profiled.requests)} | ` +
      `${f(fn.self_time / profiled.requests)} |`);
  }
  console.log("\nwhat a new row's expressions cost (2,000 copies of a captured row, one backend, median of 3)\n");
  console.log("| expression | ms per row | share of Postgres CPU per capture |");
  console.log("|---|---|---|");
  for (const [label, ms] of costs) console.log(`| ${label} | ${f(ms, 4)} | ${f((100 * ms) / pgCpu, 1)}% |`);
  console.log("\nplanning the worker's capture statement (EXPLAIN (GENERIC_PLAN), 200 times each, median)\n");
  console.log("| statement | planning ms |");
  console.log("|---|---|");
  for (const [name, times] of Object.entries(planning)) console.log(`| ${name} | ${f(median(times), 4)} |`);
  console.log("\none backend capturing directly, unnamed statements (CPU of the backend from /proc)\n");
  console.log("| variant | captures | backend CPU ms / capture | vs shipped |");
  console.log("|---|---|---|---|");
  const shippedDirect = statementCpu.shipped.ms / statementCpu.shipped.n;
  for (const [name, c] of Object.entries(statementCpu)) console.log(`| ${name} | ${c.n} | ${f(c.ms / c.n)} | ${f(c.ms / c.n / shippedDirect, 2)} |`);
  console.log(`\nauto_explain (analyze, buffers, triggers, nested statements) of one capture (a new conversation):\n\n${explained}\n`);
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  rmSync(scratch, { recursive: true, force: true });
}
