// Installs what the project needs and is missing, and is quick when it is
// all there: npm packages, the wasm32 target, and the wasm-bindgen CLI and
// worker-build at the versions the build requires.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = path.join(root, "node_modules", ".bin");
const cargoBin = path.join(process.env.CARGO_HOME ?? path.join(homedir(), ".cargo"), "bin");

/** Environment for child processes: project binaries (Node 22, wrangler) first. */
export function toolEnv(extra = {}) {
  return {
    ...process.env,
    PATH: [bin, cargoBin, process.env.PATH].join(path.delimiter),
    WRANGLER_SEND_METRICS: "false",
    // Always this checkout's own target folder: a target folder shared by
    // two checkouts (git worktrees) shares build/index_bg.wasm's source
    // artifact and the memo-admin binary too, and one overwrites the other.
    CARGO_TARGET_DIR: path.join(root, "target"),
    // worker-build would otherwise download these from the internet.
    WASM_BINDGEN_BIN: path.join(cargoBin, "wasm-bindgen"),
    WASM_OPT_BIN: path.join(bin, "wasm-opt"),
    ESBUILD_BIN: path.join(bin, "esbuild"),
    ...extra,
  };
}

export function log(message) {
  process.stderr.write(`\x1b[36m[memo]\x1b[0m ${message}\n`);
}

/** Runs a command in the project root, inheriting output; throws on failure. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: toolEnv(), ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (${result.signal ?? `exit ${result.status}`})`);
  }
}

/**
 * `run` without blocking this process: use it while this process hosts
 * servers (an embedded Postgres writes its log to a socket this process must
 * keep reading, or its backends block on a full buffer).
 */
export function runAsync(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: "inherit", env: toolEnv(), ...options });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(" ")} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

function output(command, args) {
  try {
    return execFileSync(command, args, { cwd: root, env: toolEnv(), encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return "";
  }
}

function ensureNodeModules() {
  const stamp = path.join(root, "node_modules", ".package-lock.json");
  const lock = path.join(root, "package-lock.json");
  const fresh = existsSync(stamp) && existsSync(path.join(bin, "wrangler"))
    && statSync(stamp).mtimeMs >= statSync(lock).mtimeMs;
  if (fresh) return;
  log("installing npm packages (wrangler, Node 22, embedded Postgres, wasm-opt, esbuild)");
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"]);
}

/** The version of a package pinned in Cargo.lock. */
function lockedVersion(name) {
  const lock = readFileSync(path.join(root, "Cargo.lock"), "utf8");
  const match = lock.match(new RegExp(`name = "${name}"\\nversion = "([^"]+)"`));
  if (!match) throw new Error(`${name} is not in Cargo.lock`);
  return match[1];
}

function ensureCargoTool(crate, binary, version, versionOutput) {
  if (output(path.join(cargoBin, binary), ["--version"]).includes(versionOutput)) return;
  log(`installing ${crate} ${version} (a few minutes, once)`);
  run("cargo", ["install", crate, "--version", version]);
}

function ensureRust() {
  if (!output("rustup", ["target", "list", "--installed"]).includes("wasm32-unknown-unknown")) {
    log("adding the wasm32-unknown-unknown target");
    run("rustup", ["target", "add", "wasm32-unknown-unknown"]);
  }
  // The CLI must match the wasm-bindgen crate exactly.
  const bindgen = lockedVersion("wasm-bindgen");
  ensureCargoTool("wasm-bindgen-cli", "wasm-bindgen", bindgen, bindgen);
  // worker-build must share the worker crate's major.minor; use its exact version.
  const worker = lockedVersion("worker");
  ensureCargoTool("worker-build", "worker-build", worker, worker);
}

/** Everything needed to build, run and test. */
export function ensureToolchain() {
  ensureNodeModules();
  ensureRust();
}
