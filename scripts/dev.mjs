// `npm run dev`: the service under `wrangler dev` on 127.0.0.1:8787 (PORT
// overrides) backed by an embedded Postgres in .dev/postgres, or by
// DATABASE_URL when set, through PgBouncer in transaction mode as Hyperdrive
// pools in production (MEMO_DEV_POOLER=0 connects directly: a Postgres
// backend per request, about ten times the database CPU per capture).
// MEMO_DATA_DIR moves the cluster, key and wrangler state elsewhere.
// Ctrl-C stops everything it started.
import { ensureToolchain } from "./lib/toolchain.mjs";

ensureToolchain();
const { runLocally } = await import("./lib/local.mjs");
await runLocally({
  folder: process.env.MEMO_DATA_DIR ?? ".dev",
  runtime: "wrangler",
  defaultPort: 8787,
  defaultPgPort: 54329,
  pooled: process.env.MEMO_DEV_POOLER !== "0",
});
