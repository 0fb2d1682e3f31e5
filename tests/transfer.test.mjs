// Export as NDJSON and import back: an export imported into a fresh tenant
// reproduces it, and importing it twice creates nothing new.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, test } from "node:test";
import { memoryLaneCapture, spawnApp } from "./helpers/app.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

async function exportLines(client) {
  const response = await fetch(`${client.baseUrl}/v1/export`, { headers: { authorization: `Bearer ${client.key}` } });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type"), /application\/x-ndjson/);
  const lines = (await response.text()).trim().split("\n").map((l) => JSON.parse(l));
  const end = lines.pop();
  assert.deepEqual(end, { schema: "memo.export/1", end: true, count: lines.length });
  return lines;
}

function importBody(lines) {
  return lines.map((l) => JSON.stringify(l)).join("\n") + "\n";
}

const comparable = ({ id, ...rest }) => rest;
/** Exports without ids, in a stable order (ids differ between tenants and break created_at ties). */
const same = (lines) => lines.map(comparable).sort((a, b) => a.content.localeCompare(b.content));

test("export → import into a new tenant → export gives the same memories", async () => {
  const source = app.tenant();
  // More than one page (100), with conversations, user titles and tags.
  const items = Array.from({ length: 130 }, (_, i) => ({ content: `export item ${i} ${randomUUID()}`, tags: i % 3 ? [] : ["kept"] }));
  for (let i = 0; i < items.length; i += 65) {
    assert.equal((await source.client.post("/v1/memories/batch", { items: items.slice(i, i + 65) })).status, 200);
  }
  const conversation = (await source.client.post("/v1/memories", memoryLaneCapture())).body;
  await source.client.patch(`/v1/memories/${conversation.id}`, { title: "Named by me", tags: ["mine"] });

  const exported = await exportLines(source.client);
  assert.equal(exported.length, 131);
  const line = exported.find((l) => l.title === "Named by me");
  assert.equal(line.title_by_user, true);
  assert.equal(line.tags_by_user, true);
  assert.match(line.conversation_key, /^chatgpt:/);

  const target = app.tenant();
  const body = importBody(exported);
  const imported = await target.client.request("POST", "/v1/import", { body, headers: { "content-type": "application/x-ndjson" } });
  assert.equal(imported.status, 200, JSON.stringify(imported.body).slice(0, 300));
  assert.deepEqual(imported.body.summary, { created: 131, updated: 0, duplicate: 0, failed: 0 });
  const reexported = await exportLines(target.client);
  assert.deepEqual(same(reexported), same(exported));

  const again = await target.client.request("POST", "/v1/import", { body, headers: { "content-type": "application/x-ndjson" } });
  assert.equal(again.body.summary.created, 0);
  assert.equal(await app.countMemories(target.name), 131);
});

test("an import reports each rejected line by number and stores the rest", async () => {
  const { client, name } = app.tenant();
  const body = [
    JSON.stringify({ content: "a plain capture imports too" }),
    "",
    "{not json",
    JSON.stringify({ schema: "memo.export/1", content: "no title", kind: "note" }),
    JSON.stringify({ content: "" }),
    JSON.stringify({ content: "fine again" }),
  ].join("\n");
  const r = await client.request("POST", "/v1/import", { body, headers: { "content-type": "application/x-ndjson" } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.results.map((x) => x.status), ["created", "error", "error", "error", "created"]);
  assert.deepEqual(r.body.results.filter((x) => x.error).map((x) => x.error.field), ["line 3", "line 4: title", "line 5: content"]);
  assert.equal(await app.countMemories(name), 2);
});

test("import is bounded and needs NDJSON", async () => {
  const { client } = app.tenant();
  const json = await client.post("/v1/import", { content: "x" });
  assert.equal(json.status, 415);
  const empty = await client.request("POST", "/v1/import", { body: "\n\n", headers: { "content-type": "application/x-ndjson" } });
  assert.equal(empty.status, 422);
  assert.equal(empty.body.error.field, "body");
});

test("export needs a key and is per tenant", async () => {
  assert.equal((await app.anonymous().get("/v1/export")).status, 401);
  const { client } = app.tenant();
  await client.post("/v1/memories", { content: "only mine" });
  const other = app.tenant();
  assert.deepEqual(await exportLines(other.client), []);
  assert.equal((await exportLines(client)).length, 1);
});

test("memo-admin export and import match the API, and an import resumes where it stopped", async () => {
  const { mkdtempSync, readFileSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const path = await import("node:path");
  const source = app.tenant();
  const items = Array.from({ length: 12 }, (_, i) => ({ content: `admin transfer ${i} ${randomUUID()}` }));
  await source.client.post("/v1/memories/batch", { items });
  const dir = mkdtempSync(path.join(tmpdir(), "memo-export-"));
  const file = path.join(dir, "export.ndjson");
  app.admin(["export", "--tenant", source.name, "--output", file]);
  const fromAdmin = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(fromAdmin.slice(0, -1), await exportLines(source.client));

  // Pretend an earlier run stored the first 5 lines, then stopped.
  const lines = readFileSync(file, "utf8").split("\n");
  const offset = lines.slice(0, 5).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
  writeFileSync(`${file}.import-progress`, `${offset} 5\n`);
  const target = app.tenant();
  app.admin(["import", "--tenant", target.name, file, "--batch", "4"]);
  assert.equal(await app.countMemories(target.name), 7, "only the lines after the checkpoint");
  app.admin(["import", "--tenant", target.name, file]);
  assert.equal(await app.countMemories(target.name), 12, "a full rerun adds the rest and nothing twice");
  assert.deepEqual(same(await exportLines(target.client)), same(fromAdmin.slice(0, -1)));
});
