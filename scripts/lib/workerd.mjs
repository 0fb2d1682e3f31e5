// The built worker under plain `workerd serve` (npm `workerd`, which wrangler
// installs), without wrangler dev's proxy and dev tooling. The soak measures
// memory here: under wrangler dev the runtime's RSS grows by tens of KB per
// request even for a trivial JavaScript worker, which would hide or fake a
// leak of ours. There is no rate-limit binding here, so the worker runs with
// RATE_LIMIT_ENABLED=false.
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { pollUntil } from "./poll.mjs";
import { writeSecret } from "./postgres.mjs";
import { root } from "./toolchain.mjs";
import { stopGroup, waitForHealth } from "./stack.mjs";

/** The [vars] of wrangler.toml: the deployment's defaults. */
function wranglerVars() {
  const toml = readFileSync(path.join(root, "wrangler.toml"), "utf8");
  const section = toml.split(/^\[vars\]$/m)[1]?.split(/^\[/m)[0] ?? "";
  return Object.fromEntries([...section.matchAll(/^([A-Z_]+)\s*=\s*"([^"]*)"/gm)].map((m) => [m[1], m[2]]));
}

const capnpString = (text) => JSON.stringify(text);

/** wrangler.toml's `[assets] directory`: the web app's files. */
const assetsDir = path.join(root, readFileSync(path.join(root, "wrangler.toml"), "utf8").match(/^\[assets\]\ndirectory = "([^"]+)"/m)[1]);

/**
 * Writes the workerd configuration serving `build` (the worker's build/
 * folder, or a copy of another build's) on 127.0.0.1:`port` into
 * `scratch`, the Hyperdrive binding pointed at `databaseUrl`; returns its path.
 */
export function writeWorkerdConfig({ databaseUrl, port, scratch, vars = {}, build = path.join(root, "build") }) {
  mkdirSync(scratch, { recursive: true });
  const pg = new URL(databaseUrl);
  const bindings = Object.entries({ ...wranglerVars(), ...vars, RATE_LIMIT_ENABLED: "false" })
    .map(([name, value]) => `(name = ${capnpString(name)}, text = ${capnpString(value)})`);
  bindings.push(
    `(name = "DB", hyperdrive = (designator = "pg", database = ${capnpString(pg.pathname.slice(1))}, ` +
      `user = ${capnpString(decodeURIComponent(pg.username))}, password = ${capnpString(decodeURIComponent(pg.password))}, scheme = "postgresql"))`,
  );
  const compatibilityDate = readFileSync(path.join(root, "wrangler.toml"), "utf8").match(/compatibility_date = "([^"]+)"/)[1];
  // `embed` paths are relative to the configuration file.
  const built = (file) => path.relative(scratch, path.join(build, file));
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "memo", worker = (
      modules = [
        (name = "index.js", esModule = embed ${capnpString(built("index.js"))}),
        (name = "index_bg.wasm", wasm = embed ${capnpString(built("index_bg.wasm"))}),
      ],
      compatibilityDate = ${capnpString(compatibilityDate)},
      bindings = [${bindings.join(", ")}],
    )),
    (name = "pg", external = (address = ${capnpString(`${pg.hostname}:${pg.port}`)}, tcp = ())),
    # The web app's files, as wrangler.toml [assets] serves them (scripts/lib/workerd-front.js).
    (name = "front", worker = (
      modules = [(name = "front.js", esModule = embed ${capnpString(path.relative(scratch, path.join(root, "scripts", "lib", "workerd-front.js")))})],
      compatibilityDate = ${capnpString(compatibilityDate)},
      bindings = [
        (name = "API", service = "memo"),
        (name = "ASSETS", service = "assets"),
        (name = "HEADERS", text = embed ${capnpString(path.relative(scratch, path.join(assetsDir, "_headers")))}),
      ],
    )),
    (name = "assets", disk = (path = ${capnpString(assetsDir)}, writable = false)),
  ],
  sockets = [(name = "http", address = ${capnpString(`127.0.0.1:${port}`)}, http = (), service = "front")],
);
`;
  const configFile = path.join(scratch, "config.capnp");
  // It holds the database password.
  writeSecret(configFile, config);
  return configFile;
}

export const workerdBinary = path.join(root, "node_modules", ".bin", "workerd");

/**
 * How many workerd processes `npm run serve` runs: MEMO_WORKERD_PROCESSES,
 * by default one per core (workerd runs its isolate on one thread).
 */
export function workerdProcesses(env = process.env) {
  const raw = env.MEMO_WORKERD_PROCESSES;
  if (raw === undefined || raw === "") return os.availableParallelism();
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1 || count > 256) {
    throw new Error(`MEMO_WORKERD_PROCESSES must be a whole number from 1 to 256, got ${JSON.stringify(raw)}`);
  }
  return count;
}

/**
 * Opens the listening sockets on 127.0.0.1:`port` and, before this process's
 * event loop could accept a connection on them, hands them to the children
 * `spawnAll(fds)` starts (each inherits a copy of its own), then closes this
 * process's copies: the children alone accept. `count` sockets bound with
 * SO_REUSEPORT (the kernel spreads new connections over them by a hash of
 * their addresses), or one socket (`count` 1) the children all accept from.
 * Resolves to what `spawnAll` returned.
 */
export async function listenForChildren(port, count, spawnAll) {
  const servers = Array.from({ length: count }, () => net.createServer());
  try {
    // All bound at once; binding and 'listening' happen in process.nextTick
    // callbacks (the host is an address), so neither they nor the spawning
    // after them leave a turn of the event loop in which this process could
    // accept a connection.
    await Promise.all(
      servers.map((server) => new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen({ port, host: "127.0.0.1", backlog: 4096, reusePort: count > 1 }, resolve);
      })),
    );
    // Node has no public accessor for a server's descriptor; its handle's
    // `fd` is the one POSIX platforms have exposed for years.
    const fds = servers.map((server) => server._handle?.fd);
    if (!fds.every((fd) => Number.isInteger(fd) && fd >= 0)) throw new Error("this Node cannot hand its listening sockets to workerd");
    return spawnAll(fds);
  } finally {
    for (const server of servers) server.close();
  }
}

/** Whether this Node binds with SO_REUSEPORT (`listen({ reusePort })`: Node 22.12 and 23.1 on). */
function nodeHasReusePort() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 12);
}

/** Each process's log: `logPath` for one process; `workerd.1.log`, `workerd.2.log`, … beside it for several. */
const processLog = (logPath, index, processes) =>
  processes === 1 ? logPath : logPath.replace(/(\.log)?$/, `.${index + 1}$1`);

/**
 * Starts `processes` workerd processes serving `build` (default build/) on 127.0.0.1:`port`, each
 * on its own listening socket bound with SO_REUSEPORT (`sockets` "per-process",
 * Node ≥ 22.12), or all on one socket (`sockets` "shared": whichever process
 * wakes first accepts, which leaves connections opened in a burst, a
 * client's keep-alive pool, mostly on one process; BENCHMARKS.md issue 23).
 * Resolves once every one listens and /health answers 200
 * through the port, to { baseUrl, pid, pids, logFiles, stop }. A process that
 * exits after that and before `stop()` is reported to `onExit({ index, pid, code, signal })`
 * (by default: a line on stderr).
 */
export async function startWorkerd({
  databaseUrl, port, scratch, vars = {}, build, logFile, inspectorPort, timeoutMs = 60_000, processes = 1, sockets = "per-process", onExit,
}) {
  if (inspectorPort && processes > 1) throw new Error("the inspector attaches to one workerd process: start one");
  const configFile = writeWorkerdConfig({ databaseUrl, port, scratch, vars, build });
  // Straight to the file, as for wrangler dev: a pipe through this process
  // would stall the runtime whenever this process is busy.
  const logPath = logFile ?? path.join(scratch, "workerd.log");
  const logFiles = Array.from({ length: processes }, (_, index) => processLog(logPath, index, processes));
  const inspector = inspectorPort ? ["--inspector-addr", `127.0.0.1:${inspectorPort}`] : [];
  const listening = new Set();
  // Exits are reported once all have started (startup throws instead) and until stop().
  let watching = false;
  const reportExit = onExit ?? (({ index, pid, code, signal }) =>
    process.stderr.write(`workerd process ${index + 1} (pid ${pid}) exited (${signal ?? `code ${code}`})\n`));
  const perProcess = sockets === "per-process" && processes > 1 && nodeHasReusePort();
  if (sockets === "per-process" && processes > 1 && !perProcess) {
    process.stderr.write(`Node ${process.versions.node} cannot bind with SO_REUSEPORT: the ${processes} workerd processes share one socket\n`);
  }
  const children = await listenForChildren(port, perProcess ? processes : 1, (fds) =>
    logFiles.map((file, index) => {
      // fd 3: its listening socket (config socket "http"); fd 4: the control
      // pipe, on which it says when it listens.
      const fd = fds[index % fds.length];
      const output = openSync(file, "a");
      const child = spawn(workerdBinary, ["serve", configFile, "--experimental", "--socket-fd", "http=3", "--control-fd", "4", ...inspector], {
        cwd: root,
        detached: true,
        stdio: ["ignore", output, output, fd, "pipe"],
      });
      closeSync(output);
      let control = "";
      child.stdio[4].on("data", (chunk) => {
        control += chunk;
        if (control.includes('"event":"listen"')) listening.add(index);
      });
      child.stdio[4].unref?.();
      child.once("exit", (code, signal) => {
        if (watching) reportExit({ index, pid: child.pid, code, signal });
      });
      return child;
    }),
  );
  const stop = () => {
    watching = false;
    return Promise.all(children.map(stopGroup));
  };
  // pollUntil's view of the group: it fails as soon as any process has exited.
  const anyExited = {
    get exitCode() {
      const gone = children.find((c) => c.exitCode !== null || c.signalCode !== null);
      return gone ? (gone.exitCode ?? gone.signalCode) : null;
    },
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await pollUntil(() => listening.size === processes, {
      waitingFor: `${processes} workerd process(es) to listen on ${port}`, timeoutMs, intervalMs: 50, child: anyExited,
    });
    await waitForHealth(baseUrl, anyExited, timeoutMs, true);
  } catch (error) {
    await stop();
    for (const file of logFiles) process.stderr.write(readFileSync(file, "utf8").slice(-4000));
    throw error;
  }
  watching = true;
  return { baseUrl, pid: children[0].pid, pids: children.map((c) => c.pid), logFiles, stop };
}
