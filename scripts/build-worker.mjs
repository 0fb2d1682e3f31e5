// The worker's build command (wrangler.toml [build]): the release wasm
// through worker-build, with the tools this project installs, skipped when
// nothing it is built from has changed since the last build.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ensureToolchain, log, root, run } from "./lib/toolchain.mjs";

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

function inputsDigest() {
  const hash = createHash("sha256");
  for (const entry of inputs) {
    for (const file of files(entry)) hash.update(file).update("\0").update(readFileSync(path.join(root, file)));
  }
  return hash.digest("hex");
}

export function buildWorker({ force = false } = {}) {
  ensureToolchain();
  const digest = inputsDigest();
  const built = existsSync(path.join(root, "build", "index.js")) && existsSync(stampFile)
    && readFileSync(stampFile, "utf8") === digest;
  if (built && !force) {
    log("worker build is up to date");
    return;
  }
  log("building the worker (release wasm)");
  run("worker-build", ["--release"]);
  writeFileSync(stampFile, digest);
  const wasm = statSync(path.join(root, "build", "index_bg.wasm")).size;
  log(`worker built: build/index_bg.wasm is ${(wasm / 1024).toFixed(0)} KiB`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildWorker({ force: process.argv.includes("--force") });
}
