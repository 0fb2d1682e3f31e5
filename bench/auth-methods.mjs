// What each connection path's authentication costs the worker (issue 23;
// README, "Database connection"): the release build on plain workerd,
// capturing through Postgres asking for a cleartext password, Postgres
// asking for SCRAM-SHA-256 (PBKDF2, 4096 rounds of HMAC-SHA-256, in wasm on
// every connect) and PgBouncer asking for MD5 in front of the first. Each
// round drives captures with wrk through each path in turn and reads from
// /proc the CPU per capture of that workerd and of the Postgres behind it.
//
//   node scripts/build-worker.mjs
//   npm run bench:auth-methods -- [--seconds 4] [--rounds 3] [--connections 4]
import { rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ensureToolchain, log, root } from "../scripts/lib/toolchain.mjs";
import { cpuOfTrees, postmasterPid } from "./lib/cpu.mjs";
import { median, wrk } from "./lib/wrk.mjs";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "4" },
    rounds: { type: "string", default: "3" },
    connections: { type: "string", default: "4" },
  },
});

ensureToolchain();
const { admin, buildAdmin, freePort } = await import("../scripts/lib/stack.mjs");
const { startPostgres } = await import("../scripts/lib/postgres.mjs");
const { startWorkerd } = await import("../scripts/lib/workerd.mjs");
const { startPgbouncer } = await import("../scripts/lib/pgbouncer.mjs");

const scratch = path.join(root, ".dev", `bench-auth-methods-${process.pid}`);
const stops = [];
const f = (n, d = 3) => (Number.isFinite(n) ? n.toFixed(d) : "n/a");

try {
  buildAdmin();
  const clusters = {};
  for (const authMethod of ["password", "scram-sha-256"]) {
    const dataDir = path.join(scratch, authMethod, "postgres");
    const server = await startPostgres({ dataDir, port: await freePort(), durable: false, authMethod });
    stops.push(server.stop);
    admin(server.url, ["migrate"]);
    const key = admin(server.url, ["dev-key", "--file", path.join(scratch, authMethod, "api-key")]);
    clusters[authMethod] = { url: server.url, dataDir, key };
  }
  const pooler = await startPgbouncer({ databaseUrl: clusters.password.url, port: await freePort(), scratch: path.join(scratch, "pgbouncer") });
  stops.push(pooler.stop);
  const paths = [
    { name: "Postgres, cleartext password", cluster: clusters.password, url: clusters.password.url },
    { name: "Postgres, SCRAM-SHA-256", cluster: clusters["scram-sha-256"], url: clusters["scram-sha-256"].url },
    { name: "PgBouncer, MD5", cluster: clusters.password, url: pooler.url, pooler: pooler.pid },
  ];
  for (const [index, p] of paths.entries()) {
    p.worker = await startWorkerd({ databaseUrl: p.url, port: await freePort(), scratch: path.join(scratch, `workerd-${index}`) });
    stops.push(p.worker.stop);
    p.runs = [];
  }
  const options = (p) => ({ connections: values.connections, seconds: values.seconds, script: path.join(root, "bench", "search", "capture.lua"), key: p.cluster.key });
  log("warming up each");
  for (const p of paths) wrk(p.worker.baseUrl, { ...options(p), seconds: 1 });

  for (let round = 1; round <= Number(values.rounds); round += 1) {
    for (const p of paths.map((_, i) => paths[(i + round) % paths.length])) {
      const roots = { workerd: p.worker.pid, postgres: postmasterPid(p.cluster.dataDir), pgbouncer: p.pooler };
      const before = cpuOfTrees(roots);
      const run = wrk(p.worker.baseUrl, options(p));
      const after = cpuOfTrees(roots);
      const perCapture = Object.fromEntries(Object.keys(roots).map((r) => [r, (after[r] - before[r]) / run.requests]));
      log(`round ${round} ${p.name}: ${run.requests} captures, workerd ${f(perCapture.workerd)} ms, Postgres ${f(perCapture.postgres)} ms`);
      p.runs.push({ ...run, ...perCapture });
    }
  }

  const load = (await import("node:os")).loadavg().map((l) => l.toFixed(2)).join(" ");
  console.log(`\n${values.rounds} rounds of ${values.seconds} s, wrk -t2 -c${values.connections}, capture.lua; load average at the end ${load}\n`);
  console.log("| path | captures/s | workerd CPU ms / capture | PgBouncer CPU ms | Postgres CPU ms | non-2xx | workerd vs cleartext |");
  console.log("|---|---|---|---|---|---|---|");
  const m = (runs, field) => median(runs.map((r) => r[field]));
  for (const { name, runs, pooler: pooled } of paths) {
    const non2xx = runs.reduce((sum, r) => sum + r.non2xx, 0);
    const ratio = m(runs, "workerd") / m(paths[0].runs, "workerd");
    console.log(`| ${name} | ${f(m(runs, "rps"), 0)} | ${f(m(runs, "workerd"))} | ${pooled ? f(m(runs, "pgbouncer")) : ""} | ${f(m(runs, "postgres"))} | ${non2xx} | ${f(ratio, 2)} |`);
  }
} finally {
  for (const stop of stops.reverse()) await stop();
  rmSync(scratch, { recursive: true, force: true });
}
