// The worker's database connection through each path a deployment gives it
// (issue 23; README, "Database connection"): Postgres directly asking for a
// cleartext password, Postgres directly asking for SCRAM-SHA-256, and
// PgBouncer asking for MD5 (as `npm run serve` runs it). Each worker is the
// release build on plain workerd. Then what happens when the server asks for
// something the worker cannot do, or refuses the password: a bounded answer
// and a log line that names the cause, never the password.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { pollUntil } from "../scripts/lib/poll.mjs";
import { startPgbouncer } from "../scripts/lib/pgbouncer.mjs";
import { startPostgres } from "../scripts/lib/postgres.mjs";
import { admin, freePort } from "../scripts/lib/stack.mjs";
import { root } from "../scripts/lib/toolchain.mjs";
import { startWorkerd } from "../scripts/lib/workerd.mjs";
import { App, spawnApp } from "./helpers/app.mjs";
import { sql } from "./helpers/pg.mjs";

const scratch = path.join(root, ".dev", `db-auth-${process.pid}`);
const dir = (name) => path.join(scratch, name);
const stops = [];
after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  rmSync(scratch, { recursive: true, force: true });
});

/** `url` with another user and password. */
function as(url, user, password) {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}

/**
 * What the server at `url` first asks its user to authenticate with, read off
 * the wire: "cleartext", "md5", or "SASL " and the mechanisms it offers.
 */
function askedMethod(url) {
  const { hostname, port, username, pathname } = new URL(url);
  const params = Buffer.from(`user\0${decodeURIComponent(username)}\0database\0${pathname.slice(1)}\0\0`);
  const header = Buffer.alloc(8);
  header.writeInt32BE(8 + params.length);
  header.writeInt32BE(3 << 16, 4); // protocol 3.0
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(Buffer.concat([header, params])));
    socket.setTimeout(10_000, () => socket.destroy(new Error("no answer to the startup message")));
    socket.on("error", reject);
    let data = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (data.length < 5 || data.length < 1 + data.readInt32BE(1)) return;
      socket.destroy();
      const body = data.subarray(5, 1 + data.readInt32BE(1));
      if (data[0] !== "R".charCodeAt(0)) return reject(new Error(`not an authentication request: ${body}`));
      const code = body.readInt32BE(0);
      const names = { 0: "trust", 3: "cleartext", 5: "md5", 7: "GSS", 9: "SSPI", 10: "SASL" };
      const mechanisms = code === 10 ? body.subarray(4).toString().split("\0").filter(Boolean) : [];
      resolve([names[code] ?? `code ${code}`, ...mechanisms].join(" "));
    });
  });
}

/** Starts workerd on `databaseUrl`; its log is `<name>/workerd.log`. */
async function worker(name, databaseUrl) {
  const started = await startWorkerd({ databaseUrl, port: await freePort(), scratch: dir(name) });
  stops.push(started.stop);
  return { ...started, logFile: path.join(dir(name), "workerd.log") };
}

/** The log line of the request whose answer was `response`. */
async function logLine(logFile, response) {
  const id = response.headers.get("x-request-id");
  const find = () => readFileSync(logFile, "utf8").split("\n").find((line) => line.includes(id));
  return pollUntil(find, { waitingFor: `the log line of request ${id}`, timeoutMs: 10_000 });
}

/** Captures, gets and searches a memory through `client`. */
async function roundTrip(client) {
  const word = `quokka${randomBytes(4).toString("hex")}`;
  const created = await client.post("/v1/memories", { content: `Notes on the ${word} colony near the harbour.` });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const got = await client.get(`/v1/memories/${created.body.id}`);
  assert.equal(got.status, 200);
  assert.match(got.body.content, new RegExp(word));
  const found = await client.get(`/v1/search?q=${word}`);
  assert.equal(found.status, 200);
  assert.deepEqual(found.body.items.map((item) => item.id), [created.body.id]);
}

/**
 * The answer and log line of a capture whose connection fails: bounded (the
 * fetch gives up long after DB_CONNECT_TIMEOUT_MS), with none of `secrets`,
 * and the worker still up.
 */
async function failedCapture(client, logFile, secrets) {
  const response = await client.post("/v1/memories", { content: "never stored" }, { signal: AbortSignal.timeout(30_000) });
  const line = await logLine(logFile, response);
  const log = readFileSync(logFile, "utf8");
  for (const secret of secrets) {
    assert.ok(!log.includes(secret), "a password is never logged");
    assert.ok(!JSON.stringify(response.body).includes(secret), "nor answered");
  }
  assert.equal((await client.get("/v1/no-such-route")).status, 404, "the worker goes on answering");
  return { response, line };
}

let app; // the shared test stack: its Postgres asks for "password"
let scram; // the address of the cluster made with scram-sha-256
let scramLog = "";
let paths;
before(async () => {
  app = await spawnApp();
  const server = await startPostgres({
    dataDir: dir("postgres"),
    port: await freePort(),
    durable: false,
    authMethod: "scram-sha-256",
    flags: [
      // Postgres 18 logs which method each connection authenticated with.
      "-c", "log_connections=authentication",
      // Needed for an `oauth` line in pg_hba.conf to load (see below); never
      // loaded, since the worker never gets as far as sending a token.
      "-c", "oauth_validator_libraries=memo_test_validator",
    ],
    onLog: (line) => (scramLog += line),
  });
  stops.push(server.stop);
  scram = server.url;
  admin(scram, ["migrate"]);
  const pooler = await startPgbouncer({ databaseUrl: scram, port: await freePort(), scratch: dir("pgbouncer") });
  stops.push(pooler.stop);
  const [direct, directScram, pooled] = await Promise.all([
    worker("password", app.databaseUrl),
    worker("scram", scram),
    worker("pgbouncer", pooler.url),
  ]);
  paths = [
    { name: "Postgres asking for a cleartext password", url: app.databaseUrl, asks: "cleartext", worker: direct, databaseUrl: app.databaseUrl },
    { name: "Postgres asking for SCRAM-SHA-256", url: scram, asks: "SASL SCRAM-SHA-256", worker: directScram, databaseUrl: scram },
    { name: "PgBouncer asking for MD5", url: pooler.url, asks: "md5", worker: pooled, databaseUrl: scram },
  ];
});

describe("each connection path", () => {
  test("each server asks for the method its path is named after", async () => {
    for (const { name, url, asks } of paths) assert.equal(await askedMethod(url), asks, name);
    const rules = await sql(app.databaseUrl, "select distinct auth_method from pg_hba_file_rules where type = 'host'");
    assert.deepEqual(rules.map((r) => r.auth_method), ["password"], "the test stack's Postgres");
    assert.match(readFileSync(dir("pgbouncer/pgbouncer.ini"), "utf8"), /^auth_type = md5$/m);
  });

  test("the worker captures, gets and searches through each", async () => {
    for (const { name, worker, databaseUrl } of paths) {
      const { client } = new App({ baseUrl: worker.baseUrl, databaseUrl }).tenant();
      await roundTrip(client).catch((error) => assert.fail(`${name}: ${error.message}`));
    }
    // Every login the SCRAM cluster saw, the worker's and PgBouncer's
    // (which sits in front of it) among them, used SCRAM.
    assert.match(scramLog, /connection authenticated: identity="memo" method=scram-sha-256/);
    assert.doesNotMatch(scramLog, /method=(?!scram-sha-256)/);
  });
});

describe("when the server will not let the worker in", () => {
  // A role of the SCRAM cluster the tests take away from the worker after it
  // has started (workerd starts only once the database answers /health).
  const role = "memo_misfit";
  const [first, second] = [randomBytes(18).toString("base64url"), randomBytes(18).toString("base64url")];
  let misfit;
  let pooler;
  let pooled;
  before(async () => {
    await sql(scram, `create role ${role} login password '${first}' in role memo`);
    pooler = await startPgbouncer({ databaseUrl: scram, port: await freePort(), scratch: dir("pgbouncer-rotated") });
    stops.push(pooler.stop);
    [misfit, pooled] = await Promise.all([worker("misfit", as(scram, role, first)), worker("pooled-misfit", pooler.url)]);
  });

  test("a password Postgres refuses: a logged 500 naming its SQLSTATE", async () => {
    // Rotated on the server, not in the binding.
    await sql(scram, `alter role ${role} password '${second}'`);
    const { client } = new App({ baseUrl: misfit.baseUrl, databaseUrl: scram }).tenant();
    const { response, line } = await failedCapture(client, misfit.logFile, [first, second]);
    assert.equal(response.status, 500);
    assert.deepEqual(response.body, { error: { code: "internal_error", message: "internal error" } });
    assert.match(JSON.parse(line).detail, /SQLSTATE 28P01: password authentication failed for user "memo_misfit"/);
  });

  test("a method the worker cannot do (OAUTHBEARER): a logged 500 naming it", async () => {
    // Postgres 18's `oauth` method: the server offers SASL with OAUTHBEARER only.
    const hba = (await sql(scram, "select current_setting('hba_file') as file"))[0].file;
    const line = `host all ${role} 127.0.0.1/32 oauth issuer="https://issuer.memo.test" scope="openid"\n`;
    writeFileSync(hba, line + readFileSync(hba, "utf8"));
    await sql(scram, "select pg_reload_conf()");
    const offered = () => askedMethod(as(scram, role, second));
    await pollUntil(offered, { waitingFor: "the oauth line to load", timeoutMs: 10_000, done: (m) => m === "SASL OAUTHBEARER" });
    const { client } = new App({ baseUrl: misfit.baseUrl, databaseUrl: scram }).tenant();
    const { response, line: logged } = await failedCapture(client, misfit.logFile, [first, second]);
    assert.equal(response.status, 500);
    assert.equal(response.body.error.code, "internal_error");
    assert.match(JSON.parse(logged).detail, /authentication error: unsupported SASL mechanism/);
  });

  test("a password PgBouncer refuses: 503, as PgBouncer's SQLSTATE says, the log naming the cause", async () => {
    // Rotated in the pooler's userlist (reloaded on SIGHUP), not in the binding.
    writeFileSync(dir("pgbouncer-rotated/userlist.txt"), `"memo" "${second}"\n`);
    process.kill(pooler.pid, "SIGHUP");
    const refused = () => sql(pooler.url, "select 1").then(() => false, () => true);
    await pollUntil(refused, { waitingFor: "PgBouncer to reload its userlist", timeoutMs: 10_000 });
    const { client } = new App({ baseUrl: pooled.baseUrl, databaseUrl: scram }).tenant();
    const binding = decodeURIComponent(new URL(pooler.url).password);
    const { response, line } = await failedCapture(client, pooled.logFile, [binding, second]);
    // PgBouncer sends 08P01 for every refusal, a full pool's as well.
    assert.equal(response.status, 503);
    assert.equal(response.body.error.code, "database_unavailable");
    assert.ok(response.headers.get("retry-after"));
    assert.match(JSON.parse(line).detail, /SQLSTATE 08P01: password authentication failed/);
  });
});
