// `npm run fuzz`: schemathesis against a throwaway stack (embedded Postgres +
// wrangler dev on free ports) with a valid API key, at least 1,000 generated
// requests (FUZZ_MAX_EXAMPLES per operation and phase, default 60). The
// per-key rate limiter is switched off for this stack (RATE_LIMIT_ENABLED=false):
// one key sends far more than 600 requests a minute here.
import path from "node:path";
import { buildWorker } from "./build-worker.mjs";
import { ensureToolchain, log, root } from "./lib/toolchain.mjs";

const MIN_REQUESTS = 1000;

ensureToolchain();
const { startScratchStack } = await import("./lib/stack.mjs");
const { ensureSchemathesis, fuzz } = await import("./lib/fuzz.mjs");
ensureSchemathesis();
buildWorker();

const stack = await startScratchStack("fuzz", { vars: { RATE_LIMIT_ENABLED: "false" } });
let ok = false;
try {
  const { passed, generated } = await fuzz({
    baseUrl: stack.baseUrl,
    apiKey: stack.apiKey,
    maxExamples: Number(process.env.FUZZ_MAX_EXAMPLES ?? 60),
    seed: Number(process.env.FUZZ_SEED ?? Date.now() % 100000),
  });
  log(`schemathesis generated ${generated} requests: ${passed ? "no failures" : "FAILURES (see above)"}`);
  if (generated < MIN_REQUESTS) log(`fewer than ${MIN_REQUESTS} requests: raise FUZZ_MAX_EXAMPLES`);
  ok = passed && generated >= MIN_REQUESTS;
} finally {
  await stack.stop({ keep: !ok });
  if (!ok) log(`kept ${path.relative(root, stack.scratch)} (wrangler.log) for inspection`);
}
process.exit(ok ? 0 : 1);
