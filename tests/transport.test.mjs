// Transport, headers and logs (issue 18 §7): API answers' security headers,
// Server-Timing for authenticated callers only, Postgres errors logged by
// SQLSTATE without their text, and memo-admin's TLS policy, against a real
// Postgres serving TLS with a self-signed certificate.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { connect, sql } from "./helpers/pg.mjs";
import { startPostgres } from "../scripts/lib/postgres.mjs";
import { freePort, localGet, startWorker } from "../scripts/lib/stack.mjs";
import { root, toolEnv } from "../scripts/lib/toolchain.mjs";
import { Client, spawnApp } from "./helpers/app.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

const CSP = "default-src 'none'; frame-ancestors 'none'";

describe("headers", () => {
  test("every API answer forbids loading and framing; plain http gets no HSTS", async () => {
    const { client } = app.tenant();
    const answers = [
      await client.get("/v1/memories"),
      await client.get("/v1/nothing"),
      await client.post("/v1/memories", { content: "" }),
      await app.anonymous().get("/v1/memories"),
      await app.anonymous().get("/health"),
      await app.anonymous().get("/openapi.json"),
    ];
    for (const r of answers) {
      assert.equal(r.headers.get("content-security-policy"), CSP, `status ${r.status}`);
      // The stack is plain http; `security_headers` (src/router.rs) adds it over https.
      assert.equal(r.headers.get("strict-transport-security"), null);
    }
  });

  describe("over https", () => {
    const stateDir = path.join(root, ".dev", `https-${process.pid}`);
    let worker;
    before(async () => {
      worker = await startWorker({ databaseUrl: app.databaseUrl, port: await freePort(), stateDir, logLevel: "warn", https: true });
    });
    after(async () => {
      await worker?.stop();
      rmSync(stateDir, { recursive: true, force: true });
    });

    test("answers carry Strict-Transport-Security and the same policy", async () => {
      const { key } = app.tenant();
      for (const [route, headers] of [["/health", {}], ["/v1/memories", { authorization: `Bearer ${key}` }], ["/v1/nothing", {}]]) {
        const r = await localGet(`${worker.baseUrl}${route}`, headers);
        assert.equal(r.headers["strict-transport-security"], "max-age=31536000; includeSubDomains", route);
        assert.equal(r.headers["content-security-policy"], CSP, route);
      }
    });
  });

  test("Server-Timing only for a caller whose key is valid", async () => {
    const { client } = app.tenant();
    assert.match((await client.get("/v1/memories")).headers.get("server-timing"), /^db-connect;dur=[\d.]+, db;dur=[\d.]+, db-statements;desc=\d+, total;dur=\d+$/);
    const hidden = [
      await app.anonymous().get("/health"),
      await app.anonymous().get("/v1/memories"),
      await new Client(app.baseUrl, "memo_not-a-real-key-000000000000000000000000000000").get("/v1/stats"),
      // A well-formed key not yet checked: no route, no database.
      await client.get("/v1/no-such-route"),
    ];
    for (const r of hidden) assert.equal(r.headers.get("server-timing"), null, `status ${r.status}`);
  });
});

describe("logs", () => {
  test("a Postgres error is logged by SQLSTATE, never with its text", async () => {
    const marker = `pg-error-text-${Date.now()}`;
    // A Postgres error whose message quotes what the user sent, as a tsquery
    // syntax error quotes the query: raised for this test's marker only.
    await app.sql(`create function test_quote_content() returns trigger language plpgsql as $$
                   begin raise exception 'refused content: %', new.content; end $$`);
    await app.sql(`create trigger test_quote_content before insert on memories for each row
                   when (new.content like '%${marker}%') execute function test_quote_content()`);
    try {
      const { client } = app.tenant();
      const r = await client.post("/v1/memories", { content: `${marker} secret words` });
      assert.equal(r.status, 500);
      assert.ok(!JSON.stringify(r.body).includes(marker));
      const requestId = r.headers.get("x-request-id");
      let line;
      for (let i = 0; i < 50 && !line; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        line = readFileSync(app.logFile, "utf8").split("\n").find((l) => l.includes(requestId));
      }
      assert.ok(line, "the request is logged");
      assert.match(line, /SQLSTATE P0001/);
      assert.ok(!readFileSync(app.logFile, "utf8").includes(marker), "the error's text is never logged");
    } finally {
      await app.sql("drop trigger test_quote_content on memories");
      await app.sql("drop function test_quote_content()");
    }
  });
});

const adminBinary = path.join(root, "target", "debug", "memo-admin");
/** memo-admin with DATABASE_URL=`url`: { status, stdout, stderr }. */
const admin = (url, args) =>
  spawnSync(adminBinary, args, { env: toolEnv({ DATABASE_URL: url }), encoding: "utf8", timeout: 60_000 });

describe("memo-admin transport", () => {
  test("refuses clear text to another host unless sslmode=disable says so", () => {
    for (const url of ["postgres://memo:pw@db.example.invalid:5432/memo", "postgres://memo:pw@db.example.invalid/memo?sslmode=prefer"]) {
      const r = admin(url, ["key", "list"]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /refusing to connect to db\.example\.invalid without TLS/);
    }
    const disabled = admin("postgres://memo:pw@db.example.invalid/memo?sslmode=disable", ["key", "list"]);
    assert.notEqual(disabled.status, 0, "there is no such host");
    assert.doesNotMatch(disabled.stderr, /refusing/, "an explicit sslmode=disable is obeyed");
  });

  test("loopback works without TLS", () => {
    const { name } = app.tenant();
    const r = admin(app.databaseUrl, ["key", "list", "--tenant", name]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`tenant=${name}`));
  });

  test("an export file is readable by its owner only", async () => {
    const { name, client } = app.tenant();
    await client.post("/v1/memories", { content: "exported privately" });
    const dir = mkdtempSync(path.join(tmpdir(), "memo-export-"));
    try {
      const file = path.join(dir, "out.ndjson");
      writeFileSync(file, "", { mode: 0o644 });
      const r = admin(app.databaseUrl, ["export", "--tenant", name, "--output", file]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(readFileSync(file, "utf8"), /exported privately/);
      assert.equal(statSync(file).mode & 0o777, 0o600, "an existing file is narrowed too");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("over TLS to a Postgres with a self-signed certificate", () => {
    const scratch = path.join(root, ".dev", `tls-${process.pid}`);
    let server;
    let url;
    before(async () => {
      mkdirSync(scratch, { recursive: true });
      const file = (name) => path.join(scratch, name);
      const openssl = (...args) => execFileSync("openssl", args, { stdio: "ignore" });
      openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
        "-subj", "/CN=memo test CA", "-keyout", file("ca.key"), "-out", file("ca.pem"),
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
      openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=localhost",
        "-keyout", file("server.key"), "-out", file("server.csr"));
      writeFileSync(file("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
      openssl("x509", "-req", "-in", file("server.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca.key"),
        "-CAcreateserial", "-days", "2", "-extfile", file("ext.cnf"), "-out", file("server.crt"));
      // Postgres reads its key only if the key is its own and private.
      if (process.getuid?.() === 0) {
        const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }));
        chownSync(file("server.key"), uid, -1);
      }
      server = await startPostgres({ dataDir: path.join(scratch, "postgres"), port: await freePort(), durable: false });
      const db = await connect(server.url);
      try {
        await db.query(`alter system set ssl_cert_file = '${file("server.crt")}'`);
        await db.query(`alter system set ssl_key_file = '${file("server.key")}'`);
        await db.query("alter system set ssl = on");
        await db.query("select pg_reload_conf()");
      } finally {
        await db.end();
      }
      // The reload is asynchronous: wait until a new session sees TLS on.
      for (let i = 0; ; i++) {
        const rows = await sql(server.url, "select current_setting('ssl') as ssl");
        if (rows[0].ssl === "on") break;
        assert.ok(i < 100, "Postgres did not turn TLS on");
        await new Promise((r) => setTimeout(r, 100));
      }
      url = server.url.replace("@127.0.0.1:", "@localhost:");
    });
    after(async () => {
      await server?.stop();
      rmSync(scratch, { recursive: true, force: true });
    });

    test("verify-full with the CA connects and works", () => {
      const r = admin(`${url}?sslmode=verify-full&sslrootcert=${encodeURIComponent(path.join(scratch, "ca.pem"))}`, ["migrate"]);
      assert.equal(r.status, 0, r.stderr);
    });

    test("a certificate not signed by a trusted CA is refused", () => {
      const r = admin(`${url}?sslmode=require`, ["key", "list"]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /certificate|UnknownIssuer/i);
    });

    test("asking for TLS from a server without it fails rather than falling back", () => {
      const r = admin(`${app.databaseUrl}?sslmode=require`, ["key", "list"]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /TLS|SSL/i);
    });
  });
});

describe("local Postgres password", () => {
  test("a cluster from before random passwords gets one on its next start", async () => {
    const scratch = path.join(root, ".dev", `legacy-password-${process.pid}`);
    const dataDir = path.join(scratch, "postgres");
    const secret = path.join(scratch, "postgres-password");
    const port = await freePort();
    try {
      // Made as the scripts used to make clusters: the repository's password, no password file.
      let server = await startPostgres({ dataDir, port, durable: false });
      await sql(server.url, "alter role memo password 'memo-local'");
      await server.stop();
      rmSync(secret);

      server = await startPostgres({ dataDir, port, durable: false });
      try {
        const password = readFileSync(secret, "utf8").trim();
        assert.notEqual(password, "memo-local");
        assert.equal(statSync(secret).mode & 0o777, 0o600);
        assert.ok(server.url.includes(`:${password}@`));
        await (await connect(server.url)).end();
        await assert.rejects(connect(server.url.replace(`:${password}@`, ":memo-local@")), /password authentication failed/);
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
