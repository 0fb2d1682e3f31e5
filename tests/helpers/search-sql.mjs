// The worker's search statements, printed by `cargo run --example search_sql`
// (examples/search_sql.rs), for the search tests that run them in Postgres.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { root, toolEnv } from "../../scripts/lib/toolchain.mjs";

/** The worker's search statement, bindings and parameter types for each query string. */
export function searchSql(queryStrings) {
  const result = spawnSync("cargo", ["run", "--quiet", "--example", "search_sql", "--", ...queryStrings], {
    cwd: root, env: toolEnv(), encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 24,
  });
  assert.equal(result.status, 0, "cargo run --example search_sql");
  return JSON.parse(result.stdout);
}
