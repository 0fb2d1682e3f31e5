// `npm run serve`: Memo on one's own server, without a Cloudflare account.
// The release build runs on plain workerd (127.0.0.1:8080, PORT overrides);
// its Hyperdrive binding points at PgBouncer in transaction mode in front of
// Postgres, the topology Hyperdrive gives in production. Postgres is an
// embedded cluster in .serve/postgres (durable; MEMO_DATA_DIR moves the
// folder), or DATABASE_URL when set. Ctrl-C stops everything it started.
import { ensureToolchain } from "./lib/toolchain.mjs";

ensureToolchain();
const { ensurePgbouncer } = await import("./lib/pgbouncer.mjs");
ensurePgbouncer();
const { runLocally } = await import("./lib/local.mjs");
await runLocally({ folder: process.env.MEMO_DATA_DIR ?? ".serve", runtime: "workerd", defaultPort: 8080, defaultPgPort: 54339 });
