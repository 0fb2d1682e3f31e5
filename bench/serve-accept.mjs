// Which workerd process accepts which connection, for `npm run serve`'s two
// ways of putting several processes behind one port (scripts/lib/workerd.mjs
// listenForChildren): one socket per process bound with SO_REUSEPORT, or one
// socket they all accept from. Each round opens `--connections` connections
// at once (as a client's keep-alive pool or wrk does), answers a request on
// each (Memo's no-op route: routing and a JSON 404, no database), and counts
// from /proc which process holds each connection.
//
//   npm run bench:serve-accept -- [--processes 2] [--connections 10] [--rounds 15]
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildWorker } from "../scripts/build-worker.mjs";
import { ensureToolchain, root } from "../scripts/lib/toolchain.mjs";

const { values } = parseArgs({
  options: {
    processes: { type: "string", default: "2" },
    connections: { type: "string", default: "10" },
    rounds: { type: "string", default: "15" },
  },
});
ensureToolchain();
const { freePort, stopGroup } = await import("../scripts/lib/stack.mjs");
const { listenForChildren, workerdBinary, writeWorkerdConfig } = await import("../scripts/lib/workerd.mjs");
const processes = Number(values.processes);
buildWorker();

const scratch = path.join(root, ".dev", `bench-serve-accept-${process.pid}`);
// No database is needed: the no-op path never connects. The socket's
// address is replaced by the inherited sockets (--socket-fd).
const config = writeWorkerdConfig({ databaseUrl: "postgres://memo:x@127.0.0.1:9/memo", port: 9, scratch });

const socketInodes = (pid) =>
  new Set(readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/)?.[1]].filter(Boolean);
    } catch {
      return [];
    }
  }));

const hexPort = (port) => `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;

/** The server ends (inodes) of the established connections from `clientPorts` to 127.0.0.1:`port`, from /proc/net/tcp. */
function established(port, clientPorts) {
  const remotes = new Set(clientPorts.map(hexPort));
  return readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[1] === hexPort(port) && remotes.has(f[2]) && f[3] === "01")
    .map((f) => f[9]);
}

async function measure(sockets) {
  const port = await freePort();
  const children = await listenForChildren(port, sockets === "shared" ? 1 : processes, (fds) =>
    Array.from({ length: processes }, (_, i) =>
      spawn(workerdBinary, ["serve", config, "--experimental", "--socket-fd", "http=3"], { detached: true, stdio: ["ignore", "ignore", "ignore", fds[i % fds.length]] })),
  );
  try {
    await new Promise((resolve) => setTimeout(resolve, 2000)); // every process up
    const spreads = [];
    for (let round = 0; round < Number(values.rounds); round += 1) {
      const connections = await Promise.all(Array.from({ length: Number(values.connections) }, () =>
        new Promise((resolve, reject) => {
          const c = net.connect(port, "127.0.0.1", () => resolve(c));
          c.on("error", reject);
        })));
      await Promise.all(connections.map((c) => new Promise((resolve) => {
        c.once("data", resolve);
        c.write("GET /bench-no-op HTTP/1.1\r\nHost: bench\r\n\r\n");
      })));
      const open = established(port, connections.map((c) => c.localPort));
      spreads.push(children.map((child) => {
        const held = socketInodes(child.pid);
        return open.filter((inode) => held.has(inode)).length;
      }));
      for (const c of connections) c.destroy();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return spreads;
  } finally {
    await Promise.all(children.map(stopGroup));
  }
}

try {
  console.log(`${processes} workerd processes, ${values.connections} connections opened at once, ${values.rounds} rounds\n`);
  console.log("| sockets | connections per process, each round | rounds with every connection on one process |");
  console.log("|---|---|---|");
  for (const [sockets, label] of [["per-process", "a socket each (SO_REUSEPORT)"], ["shared", "one shared socket"]]) {
    const spreads = await measure(sockets);
    const lopsided = spreads.filter((s) => s.filter((n) => n > 0).length === 1).length;
    console.log(`| ${label} | ${spreads.map((s) => s.join("/")).join(", ")} | ${lopsided} of ${spreads.length} |`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
