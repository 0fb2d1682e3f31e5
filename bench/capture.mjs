// Capture throughput, side by side in one run on one machine: Memo under
// `wrangler dev` and the old server's design (aiohttp + asyncpg pool,
// ../shared/peers/seed_aiohttp), both on the same embedded Postgres, both
// driven by the same wrk script (POST /memory, MemoryLane-shaped bodies).
//
//   node bench/capture.mjs [--duration 15] [--connections 10,100]
//
// Needs wrk (Debian package `wrk`); installs aiohttp and asyncpg with pip if
// missing. Prints a Markdown table with captures/s, latency and ratios.
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildWorker } from "../scripts/build-worker.mjs";
import { ensureToolchain, log, root } from "../scripts/lib/toolchain.mjs";

const { values } = parseArgs({
  options: { duration: { type: "string", default: "15" }, connections: { type: "string", default: "10,100" } },
});
const peer = path.resolve(root, "..", "shared", "peers", "seed_aiohttp");
const wrkScript = path.join(peer, "post_memory.lua");

function need(command, hint) {
  if (spawnSync("sh", ["-c", `command -v ${command}`]).status !== 0) throw new Error(`${command} is missing: ${hint}`);
}

function ensurePython() {
  const probe = spawnSync("python3", ["-c", "import aiohttp, asyncpg"]);
  if (probe.status === 0) return;
  log("installing aiohttp and asyncpg for the reference server");
  const install = spawnSync("python3", ["-m", "pip", "install", "--quiet", "aiohttp", "asyncpg"], { stdio: "inherit" });
  if (install.status !== 0) throw new Error("pip install aiohttp asyncpg failed");
}

async function waitForPort(url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${url} did not answer`);
}

/** wrk's summary: requests/s, latency percentiles, non-2xx and socket errors. */
function wrk(url, connections, key) {
  const result = spawnSync(
    "wrk",
    ["-t", "2", "-c", String(connections), "-d", `${values.duration}s`, "--latency", "-s", wrkScript, url],
    { encoding: "utf8", env: { ...process.env, ...(key ? { MEMO_KEY: key } : {}) } },
  );
  const out = result.stdout;
  const number = (re) => Number(out.match(re)?.[1] ?? NaN);
  const ms = (label) => {
    const m = out.match(new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`));
    if (!m) return NaN;
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
  };
  return {
    rps: number(/Requests\/sec:\s+([\d.]+)/),
    p50: ms("50"),
    p99: ms("99"),
    non2xx: number(/Non-2xx or 3xx responses:\s+(\d+)/) || 0,
    errors: (out.match(/Socket errors: (.*)/)?.[1] ?? "none").trim(),
  };
}

need("wrk", "apt-get install wrk");
ensureToolchain();
// Only now are the npm packages these modules import sure to be installed.
const { freePort, startScratchStack } = await import("../scripts/lib/stack.mjs");
ensurePython();
buildWorker();

const stack = await startScratchStack("bench", { durable: true });
const seedPort = await freePort();
const seed = spawn("python3", [path.join(peer, "server.py")], {
  env: { ...process.env, PGURL: stack.databaseUrl, PORT: String(seedPort) },
  stdio: "ignore",
});
try {
  await waitForPort(`http://127.0.0.1:${seedPort}/`);
  const rows = [];
  for (const connections of values.connections.split(",").map(Number)) {
    const memo = wrk(`${stack.baseUrl}`, connections, stack.apiKey);
    const old = wrk(`http://127.0.0.1:${seedPort}`, connections, null);
    rows.push({ connections, memo, old });
  }
  const f = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : "n/a");
  console.log(`\ncaptures (POST /memory), ${values.duration} s per run, wrk -t2\n`);
  console.log("| connections | server | captures/s | p50 ms | p99 ms | non-2xx | socket errors |");
  console.log("|---|---|---|---|---|---|---|");
  for (const { connections, memo, old } of rows) {
    for (const [name, r] of [["memo (wrangler dev)", memo], ["old aiohttp+asyncpg", old]]) {
      console.log(`| ${connections} | ${name} | ${f(r.rps)} | ${f(r.p50, 1)} | ${f(r.p99, 1)} | ${r.non2xx} | ${r.errors} |`);
    }
    console.log(`| ${connections} | **ratio memo/old** | **${f(memo.rps / old.rps, 2)}** | | | | |`);
  }
} finally {
  seed.kill("SIGTERM");
  await stack.stop();
}
