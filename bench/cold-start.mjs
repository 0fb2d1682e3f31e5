// Cold start of the worker: how long compiling and instantiating the release
// wasm takes, measured two ways.
//   1. In V8 (Node 22, the engine workerd embeds): WebAssembly.compile of
//      build/index_bg.wasm, and instantiation with the glue's imports stubbed.
//   2. End to end under plain workerd: from spawning `workerd serve` to the
//      first answered request, for Memo and for a one-line JavaScript worker
//      (the runtime's own start), so the difference is what Memo's module adds.
//
//   npm run bench:cold-start -- [--runs 7]
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { parseArgs } from "node:util";
import { buildWorker } from "../scripts/build-worker.mjs";
import { ensureToolchain, root } from "../scripts/lib/toolchain.mjs";

const { values } = parseArgs({ options: { runs: { type: "string", default: "7" } } });
const runs = Number(values.runs);
ensureToolchain();
const { freePort, stopGroup } = await import("../scripts/lib/stack.mjs");
const { workerdBinary, writeWorkerdConfig } = await import("../scripts/lib/workerd.mjs");
buildWorker();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const wasm = readFileSync(path.join(root, "build", "index_bg.wasm"));

// 1. V8 alone.
const compileMs = [];
const instantiateMs = [];
for (let i = 0; i < runs; i += 1) {
  let t = performance.now();
  const module = await WebAssembly.compile(wasm);
  compileMs.push(performance.now() - t);
  const imports = {};
  for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
    imports[from] ??= {};
    imports[from][name] = kind === "function" ? () => {} : kind === "tag" ? new WebAssembly.Tag({ parameters: ["externref"] }) : undefined;
  }
  t = performance.now();
  try {
    new WebAssembly.Instance(module, imports);
  } catch {
    // An import of another kind than stubbed: the compile figure stands alone.
  }
  instantiateMs.push(performance.now() - t);
}

// 2. workerd, spawn to first answer.
const scratch = path.join(root, ".dev", `bench-cold-start-${process.pid}`);
async function firstAnswer(configFile, url) {
  const t = performance.now();
  const child = spawn(workerdBinary, ["serve", configFile, "--experimental"], { detached: true, stdio: "ignore" });
  try {
    for (;;) {
      try {
        await (await fetch(url)).arrayBuffer();
        return performance.now() - t;
      } catch {
        if (child.exitCode !== null) throw new Error("workerd exited");
        await new Promise((r) => setTimeout(r, 2));
      }
    }
  } finally {
    await stopGroup(child);
  }
}
try {
  const port = await freePort();
  // No database is needed: the no-op path never connects.
  const memoConfig = writeWorkerdConfig({ databaseUrl: "postgres://memo:x@127.0.0.1:9/memo", port, scratch });
  const trivialConfig = path.join(scratch, "trivial.capnp");
  writeFileSync(path.join(scratch, "trivial.js"), 'export default { fetch() { return new Response("{}", { status: 404 }); } };\n');
  writeFileSync(
    trivialConfig,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "w", worker = (modules = [(name = "trivial.js", esModule = embed "trivial.js")], compatibilityDate = "2025-01-01"))],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "w")],
);
`,
  );
  const url = `http://127.0.0.1:${port}/bench-no-op`;
  const memo = [];
  const trivial = [];
  for (let i = 0; i < runs; i += 1) {
    memo.push(await firstAnswer(memoConfig, url));
    trivial.push(await firstAnswer(trivialConfig, url));
  }
  const f = (n) => n.toFixed(1);
  console.log(`\nrelease wasm: ${wasm.length} bytes, ${gzipSync(wasm, { level: 9 }).length} gzip -9; median of ${runs} runs\n`);
  console.log("| step | median ms | min ms | max ms |");
  console.log("|---|---|---|---|");
  const row = (label, xs) => console.log(`| ${label} | ${f(median(xs))} | ${f(Math.min(...xs))} | ${f(Math.max(...xs))} |`);
  row("V8 WebAssembly.compile", compileMs);
  row("V8 instantiate (imports stubbed)", instantiateMs);
  row("workerd spawn → first answer, Memo", memo);
  row("workerd spawn → first answer, one-line JS worker", trivial);
  console.log(`\nMemo's module adds ${f(median(memo) - median(trivial))} ms to the runtime's own start (medians).`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
