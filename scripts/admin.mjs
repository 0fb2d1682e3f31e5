// `npm run admin -- <args>`: memo-admin against DATABASE_URL, or against the
// embedded development Postgres (started for the command if not running).
import path from "node:path";
import { admin, buildAdmin } from "./lib/stack.mjs";
import { startPostgres } from "./lib/postgres.mjs";
import { ensureToolchain, root } from "./lib/toolchain.mjs";

ensureToolchain();
buildAdmin();
let url = process.env.DATABASE_URL;
let stop = async () => {};
if (!url) {
  const pg = await startPostgres({ dataDir: path.join(root, ".dev", "postgres"), port: Number(process.env.PG_PORT ?? 54329) });
  url = pg.url;
  stop = pg.stop;
}
try {
  const out = admin(url, process.argv.slice(2));
  if (out) console.log(out);
} finally {
  await stop();
}
