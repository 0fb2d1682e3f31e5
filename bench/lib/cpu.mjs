// CPU time of process trees from /proc, in milliseconds: a process's own
// user+system time plus what its reaped children used (cutime, cstime), summed
// over the live tree. Taken before and after a run, the difference holds the
// CPU of children that came and went in between, such as the Postgres backend
// of each direct connection.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command may hold spaces and parentheses: split after the last ')'.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // fields[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17.
    const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
    return { ppid: Number(fields[1]), ticks: utime + stime + cutime + cstime, comm: text.slice(text.indexOf("(") + 1, text.lastIndexOf(")")) };
  } catch {
    return null; // gone
  }
}

function processes() {
  const all = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(entry);
    if (s) all.set(Number(entry), s);
  }
  return all;
}

/** CPU ms used so far by the trees under each root pid (or array of pids): { [name]: ms }. */
export function cpuOfTrees(roots) {
  const all = processes();
  const children = new Map();
  for (const [pid, s] of all) {
    if (!children.has(s.ppid)) children.set(s.ppid, []);
    children.get(s.ppid).push(pid);
  }
  const result = {};
  for (const [name, rootPid] of Object.entries(roots)) {
    let ticks = 0;
    const queue = [rootPid].flat().filter((pid) => pid && all.has(pid));
    while (queue.length) {
      const pid = queue.pop();
      ticks += all.get(pid).ticks;
      queue.push(...(children.get(pid) ?? []));
    }
    result[name] = (ticks * 1000) / TICKS_PER_SECOND;
  }
  return result;
}

/** The pids of the processes named `comm` in the tree under `rootPid` (not itself), nearest first. */
export function findAllInTree(rootPid, comm) {
  const all = processes();
  const found = [];
  const queue = [rootPid];
  while (queue.length) {
    const pid = queue.shift();
    if (all.get(pid)?.comm === comm && pid !== rootPid) found.push(pid);
    for (const [child, s] of all) if (s.ppid === pid) queue.push(child);
  }
  return found;
}

/** A process's command line, its arguments joined by spaces ("" once it is gone). */
export function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return "";
  }
}

/** The pid of the Postgres server running on `dataDir`, from its postmaster.pid. */
export function postmasterPid(dataDir) {
  return Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
}
