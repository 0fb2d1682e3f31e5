// wrk runs for the benches, and the median they are summarised by.
import { spawnSync } from "node:child_process";

let runs = 0;

/**
 * One wrk run of `seconds` with `connections` against `url` through the Lua
 * `script`, which reads the key from MEMO_KEY and makes its requests unique
 * with MEMO_RUN; resolves to { requests, rps, non2xx }.
 */
export function wrk(url, { connections, seconds, script, key }) {
  runs += 1;
  const args = ["-t", "2", "-c", String(connections), "-d", `${seconds}s`, "-s", script, url];
  const out = spawnSync("wrk", args, {
    encoding: "utf8",
    env: { ...process.env, MEMO_KEY: key, MEMO_RUN: `${process.pid}-${runs}` },
  }).stdout;
  return {
    requests: Number(out.match(/(\d+) requests in/)?.[1] ?? NaN),
    rps: Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? NaN),
    non2xx: Number(out.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? 0),
  };
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
