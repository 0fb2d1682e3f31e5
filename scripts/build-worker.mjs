// The worker's build command (wrangler.toml [build]): the release wasm
// through worker-build, with the tools this project installs, skipped when
// nothing it is built from has changed since the last build.
//
// worker-build keeps the wasm's name section (function names, for stack
// traces and profiles; its size is in BENCHMARKS.md). The release build
// strips it; MEMO_WASM_NAMES=1 keeps it (bench/profile.mjs sets it).
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { inputsDigest, isCurrent, markCurrent } from "./lib/stamp.mjs";
import { ensureToolchain, log, root, run, toolEnv } from "./lib/toolchain.mjs";
import { buildApp } from "./build-app.mjs";

const inputs = ["Cargo.toml", "Cargo.lock", "src", "openapi", "crates/memo-api/Cargo.toml", "crates/memo-api/src", "crates/memo-core/Cargo.toml", "crates/memo-core/src", "crates/memo-core/data"];
const stampFile = path.join(root, "build", ".inputs-sha256");

const keepNames = () => process.env.MEMO_WASM_NAMES === "1";

/** Drops the name and producers sections; the code is left as wasm-opt made it. */
function stripNames(wasm) {
  // The features worker-build enables for its own wasm-opt pass.
  const features = ["mutable-globals", "sign-ext", "nontrapping-float-to-int", "bulk-memory", "multivalue", "reference-types", "exception-handling"];
  const wasmOpt = toolEnv().WASM_OPT_BIN;
  run(wasmOpt, [wasm, "-o", wasm, "--strip-debug", "--strip-producers", ...features.map((f) => `--enable-${f}`)]);
}

export function buildWorker({ force = false } = {}) {
  ensureToolchain();
  // The web app's bundle is small and quick: built every time.
  buildApp();
  const digest = inputsDigest(inputs, keepNames() ? "names" : "stripped");
  const built = existsSync(path.join(root, "build", "index.js")) && isCurrent(stampFile, digest);
  if (built && !force) {
    log("worker build is up to date");
    return;
  }
  log("building the worker (release wasm)");
  run("worker-build", ["--release"]);
  if (!keepNames()) stripNames(path.join(root, "build", "index_bg.wasm"));
  markCurrent(stampFile, digest);
  const wasm = statSync(path.join(root, "build", "index_bg.wasm")).size;
  log(`worker built: build/index_bg.wasm is ${(wasm / 1024).toFixed(0)} KiB`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildWorker({ force: process.argv.includes("--force") });
}
