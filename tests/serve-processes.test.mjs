// `npm run serve` on several cores: MEMO_WORKERD_PROCESSES workerd processes
// accept on the one port, each on a listening socket of its own that the
// launcher bound with SO_REUSEPORT and handed down (no proxy in front), each
// answers requests, and one dying stops the whole stack with a message
// instead of leaving the port served by fewer.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { request } from "node:http";
import { before, describe, test } from "node:test";
import { pollUntil } from "../scripts/lib/poll.mjs";
import { listening, startScript, stopAfterwards } from "./helpers/local-script.mjs";

const PROCESSES = 2;

/** Pids of the processes named `comm` whose parent is `parent`, from /proc. */
function childrenNamed(parent, comm) {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
        return name === comm && Number(fields[1]) === parent ? [Number(pid)] : [];
      } catch {
        return []; // gone meanwhile
      }
    });
}

/** Whether `pid` is a live process (not gone, not a zombie waiting to be reaped). */
function running(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Inodes of the sockets listening on 127.0.0.1:`port` (IPv4), from /proc/net/tcp. */
function listeningInodes(port) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  return readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length > 9 && f[1] === `0100007F:${hexPort}` && f[3] === "0A")
    .map((f) => f[9]);
}

/** The socket inodes a process holds open. */
function socketInodes(pid) {
  return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/)?.[1]].filter(Boolean);
    } catch {
      return [];
    }
  });
}

/** GET on a connection of its own (no keep-alive): the response's x-request-id. */
function requestIdOfFreshConnection(baseUrl, pathname) {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${pathname}`, { agent: false }, (response) => {
      response.resume();
      response.on("end", () => (response.statusCode === 200 ? resolve(response.headers["x-request-id"]) : reject(new Error(`status ${response.statusCode}`))));
    });
    req.on("error", reject);
    req.end();
  });
}

describe(`npm run serve with MEMO_WORKERD_PROCESSES=${PROCESSES}`, () => {
  let started;
  let workerds;
  before(async () => {
    started = await startScript("serve.mjs", { MEMO_WORKERD_PROCESSES: String(PROCESSES) });
    workerds = childrenNamed(started.child.pid, "workerd");
  });
  stopAfterwards(() => started);

  test("runs that many workerd processes, each holding a listening socket of its own on the port", () => {
    assert.equal(workerds.length, PROCESSES, `workerd children of the launcher: ${workerds}\n${started.output}`);
    assert.match(started.output, new RegExp(`workerd: ${PROCESSES} processes on port ${started.ports.web}`));
    const inodes = listeningInodes(started.ports.web);
    assert.equal(inodes.length, PROCESSES, `listening sockets on ${started.ports.web}: ${inodes}`);
    const held = workerds.map((pid) => inodes.filter((inode) => socketInodes(pid).includes(inode)));
    assert.deepEqual(held.map((h) => h.length), workerds.map(() => 1), "each process holds exactly one of them");
    assert.equal(new Set(held.flat()).size, PROCESSES, "no two processes hold the same one");
    const launcher = socketInodes(started.child.pid);
    assert.ok(!inodes.some((inode) => launcher.includes(inode)), "the launcher kept a listening socket (it would accept connections itself)");
  });

  test("every process answers requests: each answer's request id is in that process's own log", async () => {
    const logs = Array.from({ length: PROCESSES }, (_, i) => `${started.scratch}/workerd.${i + 1}.log`);
    const answeredBy = new Map(); // log index -> request ids
    // The kernel hands each new connection to one of the processes waiting
    // on the socket; a few rounds of concurrent fresh connections reach each.
    for (let round = 0; round < 20 && answeredBy.size < PROCESSES; round += 1) {
      const ids = await Promise.all(Array.from({ length: 16 }, () => requestIdOfFreshConnection(started.baseUrl, "/health")));
      const placed = await pollUntil(
        () => {
          const texts = logs.map((file) => readFileSync(file, "utf8"));
          return ids.map((id) => texts.flatMap((text, i) => (text.includes(`"request_id":"${id}"`) ? [i] : [])));
        },
        { waitingFor: "the request log lines", timeoutMs: 10_000, intervalMs: 100, done: (where) => where.every((w) => w.length > 0) },
      );
      placed.forEach((where, n) => {
        assert.equal(where.length, 1, `request ${ids[n]} logged by ${where.length} processes`);
        answeredBy.set(where[0], [...(answeredBy.get(where[0]) ?? []), ids[n]]);
      });
    }
    assert.equal(answeredBy.size, PROCESSES, `answered by processes ${[...answeredBy.keys()].map((i) => i + 1)} only`);
    const health = await started.api("/health");
    assert.deepEqual(await health.json(), { status: "ok", database: "connected" });
  });

  test("a workerd process that dies is reported, and the launcher stops everything it started", async () => {
    process.kill(workerds[0], "SIGKILL");
    const code = await new Promise((resolve) => (started.child.exitCode === null ? started.child.once("exit", resolve) : resolve(started.child.exitCode)));
    assert.equal(code, 1, started.output);
    assert.match(started.output, new RegExp(`workerd process \\d of ${PROCESSES} \\(pid ${workerds[0]}\\) exited \\(SIGKILL\\); stopping`));
    for (const [name, port] of Object.entries(started.ports)) {
      assert.equal(await listening(port), false, `${name} still listens on ${port}`);
    }
    for (const pid of workerds.slice(1)) assert.ok(!running(pid), `workerd ${pid} still runs`);
  });
});
