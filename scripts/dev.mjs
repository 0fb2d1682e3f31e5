// `npm run dev`: the service on 127.0.0.1:8787 (PORT overrides) backed by an
// embedded Postgres in .dev/postgres, or by DATABASE_URL when set. Ctrl-C
// stops everything it started.
import path from "node:path";
import { buildWorker } from "./build-worker.mjs";
import { ensureToolchain, log, root } from "./lib/toolchain.mjs";

ensureToolchain();
// Only now are the npm packages these modules import sure to be installed.
const { startStack } = await import("./lib/stack.mjs");
buildWorker();
const dev = path.join(root, ".dev");
const keyFile = path.join(dev, "api-key");
const stack = await startStack({
  databaseUrl: process.env.DATABASE_URL,
  dataDir: path.join(dev, "postgres"),
  pgPort: Number(process.env.PG_PORT ?? 54329),
  port: Number(process.env.PORT ?? 8787),
  stateDir: path.join(dev, "wrangler"),
  keyFile,
});
log(`database: ${process.env.DATABASE_URL ? "DATABASE_URL" : `embedded Postgres (${stack.databaseUrl.replace(/:[^:@/]+@/, ":***@")})`}`);
log(`API key (also in .dev/api-key): ${stack.apiKey}`);
log(`try: curl -H "Authorization: Bearer $(cat .dev/api-key)" ${stack.baseUrl}/v1/memories`);
log("Ctrl-C stops the worker and Postgres");

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log("stopping");
    await stack.stop();
    process.exit(0);
  });
}
