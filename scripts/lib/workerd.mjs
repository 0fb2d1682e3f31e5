// The built worker under plain `workerd serve` (npm `workerd`, which wrangler
// installs), without wrangler dev's proxy and dev tooling. The soak measures
// memory here: under wrangler dev the runtime's RSS grows by tens of KB per
// request even for a trivial JavaScript worker, which would hide or fake a
// leak of ours. There is no rate-limit binding here, so the worker runs with
// RATE_LIMIT_ENABLED=false.
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import path from "node:path";
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

/** Starts workerd serving build/ on 127.0.0.1:`port`; resolves to { baseUrl, pid, stop }. */
export async function startWorkerd({ databaseUrl, port, scratch, vars = {}, build, logFile, inspectorPort, timeoutMs = 60_000 }) {
  const configFile = writeWorkerdConfig({ databaseUrl, port, scratch, vars, build });
  // Straight to the file, as for wrangler dev: a pipe through this process
  // would stall the runtime whenever this process is busy.
  const logPath = logFile ?? path.join(scratch, "workerd.log");
  const output = openSync(logPath, "a");
  const inspector = inspectorPort ? ["--inspector-addr", `127.0.0.1:${inspectorPort}`] : [];
  const child = spawn(workerdBinary, ["serve", configFile, "--experimental", ...inspector], {
    cwd: root,
    detached: true,
    stdio: ["ignore", output, output],
  });
  closeSync(output);
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(baseUrl, child, timeoutMs, true);
  } catch (error) {
    await stopGroup(child);
    process.stderr.write(readFileSync(logPath, "utf8").slice(-4000));
    throw error;
  }
  return { baseUrl, pid: child.pid, stop: () => stopGroup(child) };
}
