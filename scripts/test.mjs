// `npm test`: native unit and property tests, the release wasm build, the
// browser build of memo-core with its Node tests, then the integration tests
// against the real stack (embedded Postgres + wrangler dev) on free ports.
// `npm test -- tests/search.test.mjs …` runs only the integration test files
// named, without the schema fuzzing and the reliability scenarios.
//
// A step whose inputs have not changed since it last passed is skipped (the
// native tests, the worker's release build, the browser build of memo-core):
// stamps of their input files' contents, in target/.stamps, build/ and
// crates/memo-core-wasm/pkg/. MEMO_TEST_FORCE=1 runs every step.
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { TEST_VARS } from "../tests/helpers/config.mjs";
import { buildWorker } from "./build-worker.mjs";
import { inputsDigest, isCurrent, markCurrent } from "./lib/stamp.mjs";
import { ensureToolchain, log, root, run, runAsync, toolEnv } from "./lib/toolchain.mjs";

ensureToolchain();
// Only now are the npm packages these modules import sure to be installed.
const { startScratchStack } = await import("./lib/stack.mjs");

const force = process.env.MEMO_TEST_FORCE === "1";

/** Runs `step` unless `inputs` are as they were when it last passed. */
function unlessUnchanged(name, stampFile, inputs, step) {
  const digest = inputsDigest(inputs);
  if (!force && isCurrent(stampFile, digest)) {
    log(`${name}: inputs unchanged since it last passed, skipped`);
    return;
  }
  step();
  markCurrent(stampFile, digest);
}

const rustInputs = ["Cargo.toml", "Cargo.lock", "rustfmt.toml", "src", "crates", "migrations", "examples", "openapi"];
unlessUnchanged("native tests", path.join(root, "target", ".stamps", "native-tests"), rustInputs, () => {
  log("native tests: cargo test --workspace");
  run("cargo", ["test", "--workspace", "--quiet"]);
});

buildWorker({ force });

const coreWasm = path.join(root, "crates", "memo-core-wasm");
const coreWasmTests = path.join(coreWasm, "tests");
if (existsSync(path.join(coreWasm, "build.mjs"))) {
  const inputs = ["Cargo.toml", "Cargo.lock", "crates/memo-core", "crates/memo-core-wasm/Cargo.toml", "crates/memo-core-wasm/src", "crates/memo-core-wasm/build.mjs"];
  unlessUnchanged("browser build of memo-core", path.join(coreWasm, "pkg", ".inputs-sha256"), inputs, () => {
    log("browser build of memo-core");
    run("node", [path.join(coreWasm, "build.mjs")]);
  });
}

log("starting the stack: embedded Postgres, migrations, wrangler dev");
const stack = await startScratchStack("test-run", { vars: TEST_VARS });

const only = process.argv.slice(2);
let failed = false;
try {
  const files = only.length ? only : [
    ...readdirSync(path.join(root, "tests")).filter((f) => f.endsWith(".test.mjs")).map((f) => path.join("tests", f)),
    ...(existsSync(coreWasmTests)
      ? readdirSync(coreWasmTests).filter((f) => f.endsWith(".test.mjs")).map((f) => path.join(coreWasmTests, f))
      : []),
  ];
  log(`integration tests: ${files.length} files against ${stack.baseUrl}`);
  const stackEnv = toolEnv({
    MEMO_TEST_BASE_URL: stack.baseUrl,
    MEMO_TEST_DATABASE_URL: stack.databaseUrl,
    MEMO_TEST_LOG_FILE: stack.logFile,
  });
  // Asynchronously: this process hosts the stack's Postgres and must keep
  // reading its log while the tests run.
  await runAsync("node", ["--test", "--test-reporter=spec", ...files], { env: stackEnv });

  if (!only.length) {
    // ---- Reliability (issue 8), after the integration tests, on the same stack ----
    // Schema fuzzing with the stack's development key, paced under the per-key
    // rate limiter; the full run is `npm run fuzz`.
    const { fuzz } = await import("./lib/fuzz.mjs");
    const fuzzed = await fuzz({ baseUrl: stack.baseUrl, apiKey: stack.apiKey, maxExamples: 5, rateLimit: "540/m" });
    if (!fuzzed.passed) throw new Error(`schemathesis reported failures (${fuzzed.generated} requests)`);
    log(`schemathesis: ${fuzzed.generated} generated requests, no failures`);
    // Short fault, load and soak scenarios, one at a time: each starts its own
    // worker (and, for the outage, its own Postgres) beside this stack.
    log("reliability scenarios (short versions)");
    await runAsync("node", ["--test", "--test-concurrency=1", "--test-reporter=spec", path.join("tests", "reliability", "short.test.mjs")], {
      env: stackEnv,
    });
  }
} catch (error) {
  failed = true;
  log(error.message);
} finally {
  await stack.stop({ keep: failed });
  if (failed) log(`kept ${path.relative(root, stack.scratch)} (wrangler.log) for inspection`);
}
process.exit(failed ? 1 : 0);
