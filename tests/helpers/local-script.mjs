// Starting `npm run serve` / `npm run dev` (scripts/serve.mjs, scripts/dev.mjs)
// as a user does, in a scratch folder on free ports, for the tests of those
// scripts.
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { after } from "node:test";
import { pollUntil } from "../../scripts/lib/poll.mjs";
import { freePort } from "../../scripts/lib/stack.mjs";
import { root, toolEnv } from "../../scripts/lib/toolchain.mjs";

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export const listening = (port) =>
  new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });

/**
 * Starts `scripts/<script>` with its folder and ports overridden (and `env`);
 * resolves once it prints that Ctrl-C stops it.
 */
export async function startScript(script, env = {}) {
  const scratch = path.join(root, ".dev", `${path.basename(script, ".mjs")}-test-${process.pid}`);
  const ports = { web: await freePort(), pg: await freePort(), pooler: await freePort() };
  const child = spawn("node", [path.join(root, "scripts", script)], {
    cwd: root,
    env: toolEnv({ MEMO_DATA_DIR: scratch, PORT: String(ports.web), PG_PORT: String(ports.pg), POOLER_PORT: String(ports.pooler), ...env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const started = { child, ports, scratch, output: "", baseUrl: `http://127.0.0.1:${ports.web}` };
  child.stdout.on("data", (d) => (started.output += d));
  child.stderr.on("data", (d) => (started.output += d));
  try {
    await pollUntil(() => started.output.includes("Ctrl-C stops"), {
      waitingFor: `${script} to start`,
      timeoutMs: 300_000,
      child,
      detail: () => `:\n${started.output}`,
    });
  } catch (error) {
    // Ctrl-C, as a user would, rather than leave it running.
    if (child.exitCode === null) {
      child.kill("SIGINT");
      await new Promise((resolve) => {
        child.once("exit", resolve);
        setTimeout(resolve, 20_000).unref();
      });
    }
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
  const key = readFileSync(path.join(scratch, "api-key"), "utf8").trim();
  started.api = (pathname, init = {}) =>
    fetch(`${started.baseUrl}${pathname}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...init.headers },
    });
  return started;
}

/** After the suite: kills the script if it still runs and removes its folder. */
export function stopAfterwards(get) {
  after(() => {
    const started = get();
    if (!started) return;
    if (started.child.exitCode === null) started.child.kill("SIGKILL");
    rmSync(started.scratch, { recursive: true, force: true });
  });
}
