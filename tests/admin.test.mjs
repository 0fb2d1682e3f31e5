// memo-admin as a user's script would run it: every failure exits non-zero
// with a message on stderr, so `set -e` scripts and CI stop there.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { before, test } from "node:test";
import { root, toolEnv } from "../scripts/lib/toolchain.mjs";
import { spawnApp } from "./helpers/app.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

function memoAdmin(args, databaseUrl = app.databaseUrl) {
  return spawnSync(path.join(root, "target", "debug", "memo-admin"), args, {
    cwd: root,
    env: toolEnv({ DATABASE_URL: databaseUrl }),
    encoding: "utf8",
  });
}

test("every failure of memo-admin exits non-zero and says why", () => {
  const { name } = app.tenant();
  for (const [args, why] of [
    [["key", "revoke", "memo_nomatch"], /no active key/],
    [["key", "create", "--tenant", `no-such-tenant-${Date.now()}`], /./],
    [["export", "--tenant", `no-such-tenant-${Date.now()}`], /no tenant/],
    [["import", "--tenant", name, path.join(root, "no-such-file.ndjson")], /./],
    [["no-such-command"], /./],
  ]) {
    const result = memoAdmin(args);
    assert.notEqual(result.status, 0, `memo-admin ${args.join(" ")} exited 0: ${result.stdout}`);
    assert.match(result.stderr, why, args.join(" "));
  }
  const unreachable = memoAdmin(["key", "list"], "postgres://memo:x@127.0.0.1:9/memo");
  assert.notEqual(unreachable.status, 0);
});

test("revoking a key that was revoked already is a failure too", () => {
  const { name } = app.tenant();
  const prefix = app.admin(["key", "list", "--tenant", name]).split("…")[0];
  assert.equal(memoAdmin(["key", "revoke", prefix]).status, 0);
  const again = memoAdmin(["key", "revoke", prefix]);
  assert.notEqual(again.status, 0);
  assert.match(again.stderr, /no active key/);
});
