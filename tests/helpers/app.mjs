// spawnApp(): the running stack the integration tests drive over real HTTP.
//
// Under `npm test` the runner starts one stack (embedded Postgres, migrations,
// `wrangler dev`) and passes it in MEMO_TEST_* variables; a test file run on
// its own (`node --test tests/x.test.mjs`) starts its own. Every test gets
// fresh tenants, so tests never see each other's data.
import { buildAdmin, startScratchStack } from "../../scripts/lib/stack.mjs";
import { ensureToolchain } from "../../scripts/lib/toolchain.mjs";
import { after } from "node:test";
import { TEST_VARS } from "./config.mjs";
import { App } from "./client.mjs";

export { App, Client } from "./client.mjs";
export { memoryLaneCapture } from "./captures.mjs";

let shared;
/** Stops the stack this file started, if it started one. */
let stopOwnStack = async () => {};
// Registered at import, so it belongs to the whole test file: registered from
// inside a `before` hook it would run as soon as that hook ends.
after(() => stopOwnStack());

async function stack() {
  if (process.env.MEMO_TEST_BASE_URL) {
    return {
      baseUrl: process.env.MEMO_TEST_BASE_URL,
      databaseUrl: process.env.MEMO_TEST_DATABASE_URL,
      logFile: process.env.MEMO_TEST_LOG_FILE,
    };
  }
  ensureToolchain();
  const started = await startScratchStack("test", { vars: TEST_VARS });
  stopOwnStack = started.stop;
  return started;
}

export async function spawnApp() {
  shared ??= stack().then((s) => {
    buildAdmin();
    return new App(s);
  });
  return shared;
}
