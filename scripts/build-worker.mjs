// The worker's build command (wrangler.toml [build]): the release wasm
// through worker-build, with the tools this project installs, skipped when
// nothing it is built from has changed since the last build.
//
// worker-build keeps the wasm's name section (function names, for stack
// traces and profiles): about 60 KB of the gzipped upload. The release build
// strips it; MEMO_WASM_NAMES=1 keeps it (bench/profile.mjs sets it).
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ensureToolchain, log, root, run, toolEnv } from "./lib/toolchain.mjs";
import { buildApp } from "./build-app.mjs";

const inputs = ["Cargo.toml", "Cargo.lock", "src", "openapi", "crates/memo-core/Cargo.toml", "crates/memo-core/src", "crates/memo-core/data"];
const stampFile = path.join(root, "build", ".inputs-sha256");

function* files(entry) {
  const full = path.join(root, entry);
  if (!existsSync(full)) return;
  if (statSync(full).isDirectory()) {
    for (const child of readdirSync(full).sort()) yield* files(path.join(entry, child));
  } else {
    yield entry;
  }
}

const keepNames = () => process.env.MEMO_WASM_NAMES === "1";

function inputsDigest() {
  const hash = createHash("sha256").update(keepNames() ? "names\0" : "stripped\0");
  for (const entry of inputs) {
    for (const file of files(entry)) hash.update(file).update("\0").update(readFileSync(path.join(root, file)));
  }
  return hash.digest("hex");
}

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
  const digest = inputsDigest();
  const built = existsSync(path.join(root, "build", "index.js")) && existsSync(stampFile)
    && readFileSync(stampFile, "utf8") === digest;
  if (built && !force) {
    log("worker build is up to date");
    return;
  }
  log("building the worker (release wasm)");
  run("worker-build", ["--release"]);
  if (!keepNames()) stripNames(path.join(root, "build", "index_bg.wasm"));
  writeFileSync(stampFile, digest);
  const wasm = statSync(path.join(root, "build", "index_bg.wasm")).size;
  log(`worker built: build/index_bg.wasm is ${(wasm / 1024).toFixed(0)} KiB`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildWorker({ force: process.argv.includes("--force") });
}
