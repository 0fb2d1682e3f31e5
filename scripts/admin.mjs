// `npm run admin -- <args>`: memo-admin against DATABASE_URL, or against the
// embedded development Postgres: the running one if `npm run dev` is up,
// otherwise started for the command and stopped after it.
import net from "node:net";
import path from "node:path";
import { ensureToolchain, root } from "./lib/toolchain.mjs";

function listening(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

ensureToolchain();
// Only now are the npm packages these modules import sure to be installed.
const { admin, buildAdmin } = await import("./lib/stack.mjs");
const { localUrl, startPostgres } = await import("./lib/postgres.mjs");
buildAdmin();
const pgPort = Number(process.env.PG_PORT ?? 54329);
let url = process.env.DATABASE_URL;
let stop = async () => {};
const dataDir = path.join(root, ".dev", "postgres");
if (!url && (await listening(pgPort))) {
  url = localUrl(pgPort, dataDir);
} else if (!url) {
  const pg = await startPostgres({ dataDir, port: pgPort });
  url = pg.url;
  stop = pg.stop;
}
let failed = false;
try {
  const out = admin(url, process.argv.slice(2));
  if (out) console.log(out);
} catch {
  failed = true; // memo-admin has said why
} finally {
  await stop();
}
// Set after stopping Postgres: stopping the embedded one reset an exit code
// set before, and a failed command exited 0.
process.exit(failed ? 1 : 0);
