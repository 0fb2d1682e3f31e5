// Schema fuzzing with schemathesis (from PyPI, pinned, installed on first use
// into the git-ignored .dev/schemathesis virtual environment) against a
// running stack, driven by openapi/openapi.json and openapi/schemathesis.toml.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { log, root, run } from "./toolchain.mjs";

export const SCHEMATHESIS_VERSION = "4.32.5";
const venv = path.join(root, ".dev", "schemathesis");
const st = path.join(venv, "bin", "st");

/** Installs schemathesis at the pinned version unless it is already there. */
export function ensureSchemathesis() {
  const installed = spawnSync(st, ["--version"], { encoding: "utf8" });
  if (installed.status === 0 && installed.stdout.includes(SCHEMATHESIS_VERSION)) return;
  log(`installing schemathesis ${SCHEMATHESIS_VERSION} into .dev/schemathesis (once)`);
  if (!existsSync(path.join(venv, "bin", "pip"))) {
    // Debian's python3 needs the python3-venv package for this.
    run("python3", ["-m", "venv", venv]);
  }
  run(path.join(venv, "bin", "pip"), [
    "install", "--quiet", "--disable-pip-version-check", `schemathesis==${SCHEMATHESIS_VERSION}`,
  ]);
}

/**
 * Runs every check schemathesis has over every operation of the description
 * against `baseUrl` with `apiKey`: zero 5xx, every status, header, content type
 * and body as described, invalid input refused, valid input accepted.
 * `maxExamples` is per operation and phase; `rateLimit` ("540/m") keeps a run
 * under the worker's per-key limiter. Resolves to { passed, generated } with
 * the number of generated requests; the output goes to the terminal.
 * One worker by default: with two threads, CPython 3.11 (the machine's)
 * sometimes fails compiling a module both import at once ("AST constructor
 * recursion depth mismatch"), an error of the fuzzer, not of the API.
 */
export function fuzz({ baseUrl, apiKey, maxExamples, seed = 1, rateLimit, workers = 1 }) {
  ensureSchemathesis();
  const args = [
    "--config-file", path.join(root, "openapi", "schemathesis.toml"),
    "run", path.join(root, "openapi", "openapi.json"),
    "--url", baseUrl,
    "--header", `Authorization: Bearer ${apiKey}`,
    "--checks", "all",
    "--max-examples", String(maxExamples),
    "--seed", String(seed),
    "--workers", String(workers),
    "--no-color",
    ...(rateLimit ? ["--rate-limit", rateLimit] : []),
  ];
  log(`schemathesis: ${maxExamples} examples per operation against ${baseUrl}`);
  return new Promise((resolve, reject) => {
    const child = spawn(st, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const generated = Number(output.match(/(\d+) generated/)?.[1] ?? 0);
      resolve({ passed: code === 0, generated });
    });
  });
}
