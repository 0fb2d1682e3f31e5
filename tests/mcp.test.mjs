// /mcp: Memo as an MCP server, driven by the official MCP TypeScript SDK
// client over Streamable HTTP (as Claude Code or Cursor would), plus raw HTTP
// for what the SDK hides: statuses, headers, malformed messages, batches.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { InitializeResultSchema } from "@modelcontextprotocol/sdk/types.js";
import Ajv from "ajv";
import { Client as HttpClient, spawnApp } from "./helpers/app.mjs";
import { CORS_TEST_ORIGINS } from "./helpers/config.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

const LATEST = "2025-11-25";
const TOOLS = ["memo_save", "memo_search", "memo_get", "memo_recent", "memo_update", "memo_delete", "memo_stats"];

function transport(key) {
  const headers = key ? { Authorization: `Bearer ${key}` } : {};
  return new StreamableHTTPClientTransport(new URL(`${app.baseUrl}/mcp`), { requestInit: { headers } });
}

/** An SDK client connected (initialize + notifications/initialized) with `key`. */
async function connect(key) {
  const client = new Client({ name: "memo-integration-test", version: "1.0.0" });
  await client.connect(transport(key));
  return client;
}

/** Calls a tool; returns { text, data, isError }. */
async function call(client, name, args = {}) {
  const result = await client.callTool({ name, arguments: args });
  assert.equal(result.content.length, 1);
  assert.equal(result.content[0].type, "text");
  return { text: result.content[0].text, data: result.structuredContent, isError: result.isError === true };
}

/** A tool error that names `field`. */
async function assertBadArgument(client, name, args, field) {
  const result = await call(client, name, args);
  assert.equal(result.isError, true, `${name} ${JSON.stringify(args)} should fail: ${result.text}`);
  assert.equal(result.data, undefined);
  assert.ok(result.text.includes(`\`${field}\``), `${name}: ${result.text} should name ${field}`);
}

/** The SDK's error for an HTTP 401. */
const unauthorized = (error) => error.code === 401 || /\b401\b/.test(error.message);

/** A raw POST /mcp. */
function post(key, message, headers = {}) {
  return new HttpClient(app.baseUrl, key).request("POST", "/mcp", {
    body: typeof message === "string" ? message : JSON.stringify(message),
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
  });
}

const initialize = (protocolVersion, id = 1) => ({
  jsonrpc: "2.0",
  id,
  method: "initialize",
  params: { protocolVersion, capabilities: {}, clientInfo: { name: "raw", version: "0" } },
});

describe("the SDK client", () => {
  test("initializes: latest version, capabilities, instructions on when to save and search", async () => {
    const { key } = app.tenant();
    const client = await connect(key);
    assert.equal(client.getServerVersion().name, "memo");
    const capabilities = client.getServerCapabilities();
    assert.ok(capabilities.tools && capabilities.resources);
    const instructions = client.getInstructions();
    assert.match(instructions, /memo_search/);
    assert.match(instructions, /Save when/);
    assert.deepEqual(await client.ping(), {});
    await client.close();
  });

  test("lists every tool with valid input and output JSON Schemas and annotations", async () => {
    const client = await connect(app.tenant().key);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name), TOOLS);
    const ajv = new Ajv({ strict: true, allErrors: true });
    for (const tool of tools) {
      for (const schema of [tool.inputSchema, tool.outputSchema]) {
        assert.equal(schema.type, "object", tool.name);
        assert.ok(ajv.validateSchema(schema), `${tool.name}: ${ajv.errorsText()}`);
        ajv.compile(schema);
      }
      assert.ok(tool.description.length > 20, tool.name);
      for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint"]) {
        assert.equal(typeof tool.annotations[hint], "boolean", `${tool.name} ${hint}`);
      }
    }
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    assert.equal(byName.memo_delete.annotations.destructiveHint, true);
    for (const name of ["memo_search", "memo_get", "memo_recent", "memo_stats"]) {
      assert.equal(byName[name].annotations.readOnlyHint, true, name);
    }
    assert.equal(byName.memo_save.annotations.readOnlyHint, false);
    assert.deepEqual(byName.memo_save.inputSchema.required, ["content"]);
    await client.close();
  });

  test("save → search → get → update → recent → stats → delete, each answer matching its output schema", async () => {
    const { key, client: rest } = app.tenant();
    const client = await connect(key);
    await client.listTools(); // so the SDK checks structuredContent against each outputSchema
    const content = "Decision: we pin the wrangler version because 4.12 broke Hyperdrive bindings in local dev.";
    const saved = await call(client, "memo_save", { content, tags: ["Tooling", "wrangler"], conversation_id: "conv-42" });
    assert.equal(saved.isError, false, saved.text);
    assert.equal(saved.data.status, "created");
    const id = saved.data.memory.id;
    assert.deepEqual(saved.data.memory.tags.slice(0, 2), ["tooling", "wrangler"]);
    assert.equal(saved.data.memory.source, "mcp");
    assert.equal(saved.data.memory.content_length, content.length);
    assert.match(saved.text, new RegExp(id));
    const repeated = await call(client, "memo_save", { content, conversation_id: "conv-42" });
    assert.deepEqual([repeated.data.status, repeated.data.memory.id], ["duplicate", id]);

    const found = await call(client, "memo_search", { query: "hyperdrive bindings" });
    assert.equal(found.data.items[0].id, id);
    assert.match(found.data.items[0].snippet, /\*\*Hyperdrive\*\*/);
    assert.equal(found.data.items[0].content, undefined, "search items carry no content");
    assert.match(found.text, /1\. "/);
    const filtered = await call(client, "memo_search", { query: "hyperdrive", tags: ["tooling"], limit: 5 });
    assert.deepEqual(filtered.data.items.map((i) => i.id), [id]);

    const got = await call(client, "memo_get", { id });
    assert.equal(got.data.content, content);
    assert.equal(got.data.next_offset, null);
    assert.ok(got.text.includes(content));

    const updated = await call(client, "memo_update", { id, title: "Why wrangler is pinned", tags: ["decisions"] });
    assert.equal(updated.isError, false, updated.text);
    assert.equal(updated.data.memory.title, "Why wrangler is pinned");
    assert.deepEqual(updated.data.memory.tags, ["decisions"]);
    assert.equal((await rest.get(`/v1/memories/${id}`)).body.title, "Why wrangler is pinned", "REST sees the update");

    await call(client, "memo_save", { content: "A second, newer note about lunch.", tags: ["food"] });
    const recent = await call(client, "memo_recent", { limit: 1 });
    assert.equal(recent.data.items.length, 1);
    assert.ok(recent.data.next_cursor);
    const older = await call(client, "memo_recent", { limit: 1, cursor: recent.data.next_cursor });
    assert.equal(older.data.items[0].id, id);
    const tagged = await call(client, "memo_recent", { tags: ["decisions"] });
    assert.deepEqual(tagged.data.items.map((i) => i.id), [id]);

    const stats = await call(client, "memo_stats");
    assert.equal(stats.data.total, 2);
    assert.equal(stats.data.by_source.mcp, 2);
    assert.match(stats.text, /2 memories/);

    const deleted = await call(client, "memo_delete", { id });
    assert.deepEqual(deleted.data, { id, deleted: true });
    assert.equal((await rest.get(`/v1/memories/${id}`)).status, 404);
    const again = await call(client, "memo_delete", { id });
    assert.equal(again.isError, true);
    assert.match(again.text, /No memory with this id/);
    await client.close();
  });

  test("memo_get returns long content in bounded parts that add up to the whole", async () => {
    const { key, client: rest } = app.tenant();
    const content = Array.from({ length: 12_000 }, (_, i) => `line ${i} ü`).join("\n"); // > 50,000 characters
    const { body: memory } = await rest.post("/v1/memories", { content });
    const client = await connect(key);
    let offset = 0;
    let parts = "";
    let calls = 0;
    do {
      const part = await call(client, "memo_get", { id: memory.id, offset });
      assert.ok(part.data.content.length <= 50_000);
      parts += part.data.content;
      offset = part.data.next_offset;
      calls += 1;
    } while (offset !== null);
    assert.equal(parts, content);
    assert.ok(calls >= 3, `${calls} calls`);
    await assertBadArgument(client, "memo_get", { id: memory.id, offset: content.length + 5 }, "offset");
    await client.close();
  });

  test("resources: list, templates and read memo://memories/{id}", async () => {
    const { key, client: rest } = app.tenant();
    const { body: memory } = await rest.post("/v1/memories", { content: "Resource body text", title: "As a resource" });
    const client = await connect(key);
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate), ["memo://memories/{id}"]);
    const { resources } = await client.listResources();
    assert.deepEqual(resources.map((r) => [r.uri, r.title]), [[`memo://memories/${memory.id}`, "As a resource"]]);
    const read = await client.readResource({ uri: resources[0].uri });
    assert.deepEqual(read.contents, [{ uri: resources[0].uri, mimeType: "text/plain", text: "Resource body text" }]);
    await assert.rejects(client.readResource({ uri: "memo://memories/00000000-0000-0000-0000-000000000000" }), /-32002/);
    await assert.rejects(client.readResource({ uri: "https://example.com/x" }), /-32002/);
    await client.close();
  });

  test("two tenants never see each other's memories", async () => {
    const alice = app.tenant();
    const bob = app.tenant();
    const a = await connect(alice.key);
    const b = await connect(bob.key);
    const saved = await call(a, "memo_save", { content: "Alice's private plan: the zebra project launches in March." });
    const id = saved.data.memory.id;
    assert.deepEqual((await call(b, "memo_search", { query: "zebra project" })).data.items, []);
    assert.deepEqual((await call(b, "memo_recent")).data.items, []);
    assert.equal((await call(b, "memo_stats")).data.total, 0);
    assert.equal((await call(b, "memo_get", { id })).isError, true);
    assert.equal((await call(b, "memo_update", { id, title: "stolen" })).isError, true);
    assert.equal((await call(b, "memo_delete", { id })).isError, true);
    assert.deepEqual((await b.listResources()).resources, []);
    await assert.rejects(b.readResource({ uri: `memo://memories/${id}` }), /-32002/);
    const still = await call(a, "memo_get", { id });
    assert.equal(still.data.memory.title, saved.data.memory.title);
    assert.equal(await app.countMemories(bob.name), 0);
    await a.close();
    await b.close();
  });

  test("a missing, unknown or revoked key is refused with 401", async () => {
    for (const key of [null, "memo_not-a-real-key"]) {
      await assert.rejects(connect(key), unauthorized, String(key));
    }
    const { key, name } = app.tenant();
    const client = await connect(key);
    const listed = app.admin(["key", "list", "--tenant", name]);
    app.admin(["key", "revoke", listed.split("…")[0]]);
    await assert.rejects(client.callTool({ name: "memo_recent", arguments: {} }), unauthorized);
    await assert.rejects(client.listTools(), unauthorized, "a method that reads no memories still checks the key");
    await assert.rejects(connect(key), unauthorized);
  });

  test("bad arguments for each tool are tool errors naming the argument", async () => {
    const { key, name } = app.tenant();
    const client = await connect(key);
    const nobody = "00000000-0000-0000-0000-000000000000";
    await assertBadArgument(client, "memo_save", { content: "" }, "content");
    await assertBadArgument(client, "memo_save", { title: "no content" }, "content");
    await assertBadArgument(client, "memo_save", { content: "x", tags: ["ok", "!!!"] }, "tags[1]");
    await assertBadArgument(client, "memo_save", { content: "x", url: "ftp://nope" }, "url");
    await assertBadArgument(client, "memo_save", { content: "x", colour: "red" }, "colour");
    await assertBadArgument(client, "memo_search", { query: "x", limit: 0 }, "limit");
    await assertBadArgument(client, "memo_search", { query: "x".repeat(600) }, "query");
    await assertBadArgument(client, "memo_search", { query: "x", kind: "poem" }, "kind");
    await assertBadArgument(client, "memo_search", { query: "x", after: "last week" }, "after");
    await assertBadArgument(client, "memo_search", { query: "x", tags: [3] }, "tags[0]");
    await assertBadArgument(client, "memo_get", {}, "id");
    await assertBadArgument(client, "memo_get", { id: "not-an-id" }, "id");
    await assertBadArgument(client, "memo_get", { id: nobody, offset: -1 }, "offset");
    await assertBadArgument(client, "memo_recent", { limit: 1000 }, "limit");
    await assertBadArgument(client, "memo_recent", { cursor: "garbage!" }, "cursor");
    await assertBadArgument(client, "memo_update", { id: nobody }, "title");
    await assertBadArgument(client, "memo_update", { id: nobody, title: " " }, "title");
    await assertBadArgument(client, "memo_update", { id: nobody, tags: "one" }, "tags");
    await assertBadArgument(client, "memo_update", { id: nobody, content: "x" }, "content");
    await assertBadArgument(client, "memo_delete", { id: 5 }, "id");
    await assertBadArgument(client, "memo_stats", { extra: true }, "extra");
    await assert.rejects(client.callTool({ name: "memo_nope", arguments: {} }), /-32602/);
    assert.equal(await app.countMemories(name), 0, "nothing was written");
    await client.close();
  });

  test("oversize content is a tool error naming content and the limit; nothing is stored", async () => {
    const { key, name } = app.tenant();
    const client = await connect(key);
    const result = await call(client, "memo_save", { content: "x".repeat(512 * 1024 + 1) });
    assert.equal(result.isError, true);
    assert.match(result.text, /`content`.*MAX_CONTENT_BYTES/);
    assert.equal(await app.countMemories(name), 0);
    await client.close();
  });

  test("protocol versions: an old one is kept, an unknown one gets the latest", async () => {
    const client = await connect(app.tenant().key);
    const initializeWith = (protocolVersion) =>
      client.request(
        { method: "initialize", params: { protocolVersion, capabilities: {}, clientInfo: { name: "t", version: "0" } } },
        InitializeResultSchema,
      );
    assert.equal((await initializeWith("2025-03-26")).protocolVersion, "2025-03-26");
    assert.equal((await initializeWith("2025-06-18")).protocolVersion, "2025-06-18");
    assert.equal((await initializeWith("2024-11-05")).protocolVersion, LATEST);
    assert.equal((await initializeWith("2031-01-01")).protocolVersion, LATEST);
    await client.close();
  });

  test("a notification and a 2025-03-26 batch through the SDK's transport", async () => {
    const { key } = app.tenant();
    const client = await connect(key);
    await client.notification({ method: "notifications/initialized" });
    await client.close();

    // No MCP-Protocol-Version header: the server takes 2025-03-26, which has batches.
    const raw = transport(key);
    const received = [];
    raw.onmessage = (message) => received.push(message);
    await raw.start();
    await raw.send([
      { jsonrpc: "2.0", id: "a", method: "tools/call", params: { name: "memo_save", arguments: { content: "batched note" } } },
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", id: "b", method: "tools/call", params: { name: "memo_search", arguments: { query: "batched" } } },
      { jsonrpc: "2.0", id: "c", method: "nope" },
    ]);
    assert.deepEqual(received.map((m) => m.id), ["a", "b", "c"]);
    assert.equal(received[0].result.structuredContent.status, "created");
    assert.equal(received[1].result.structuredContent.items[0].id, received[0].result.structuredContent.memory.id);
    assert.equal(received[2].error.code, -32601);
    await raw.close();
  });
});

describe("raw HTTP", () => {
  test("initialize answers JSON with the transport's headers", async () => {
    const r = await post(null, initialize(LATEST), { authorization: `Bearer ${app.tenant().key}` });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "application/json; charset=utf-8");
    assert.equal(r.headers.get("cache-control"), "no-store");
    assert.equal(r.body.jsonrpc, "2.0");
    assert.equal(r.body.id, 1);
    assert.equal(r.body.result.protocolVersion, LATEST);
    assert.equal(typeof r.body.result.instructions, "string");
  });

  test("methods that read no memories check the key in one statement, cached or not", async () => {
    const statements = (r) => r.headers.get("server-timing").match(/db-statements;desc=(\d+)/)[1];
    const { key } = app.tenant();
    // First: the key is looked up before the body is read, and that lookup
    // is the check. Then: from the isolate's cache, so checked once, anew.
    for (const when of ["first use", "cached"]) {
      const r = await post(key, initialize(LATEST));
      assert.equal(r.status, 200, when);
      assert.equal(statements(r), "1", when);
    }
    const listed = await post(key, { jsonrpc: "2.0", id: 2, method: "tools/list" }, { "mcp-protocol-version": LATEST });
    assert.equal(statements(listed), "1");
  });

  test("GET is 405 (no server-initiated stream); OPTIONS is a preflight", async () => {
    const { client } = app.tenant();
    const r = await client.get("/mcp", { headers: { accept: "text/event-stream" } });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get("allow"), "POST, OPTIONS");
    const preflight = await app.anonymous().request("OPTIONS", "/mcp", {
      headers: { origin: CORS_TEST_ORIGINS.web, "access-control-request-method": "POST" },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-methods"), "POST, OPTIONS");
    assert.match(preflight.headers.get("access-control-allow-headers"), /MCP-Protocol-Version/);
  });

  test("no key: 401 with WWW-Authenticate, also for notifications", async () => {
    for (const message of [initialize(LATEST), { jsonrpc: "2.0", method: "notifications/initialized" }]) {
      const r = await post(null, message);
      assert.equal(r.status, 401);
      assert.match(r.headers.get("www-authenticate"), /^Bearer realm="memo"/);
    }
    const bad = await post(null, initialize(LATEST), { authorization: "Bearer memo_nope" });
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get("www-authenticate"), /^Bearer/);
  });

  test("notifications and client responses: 202 with an empty body", async () => {
    const { key } = app.tenant();
    for (const message of [
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 3 } },
      { jsonrpc: "2.0", id: 9, result: {} },
    ]) {
      const r = await post(key, message, { "mcp-protocol-version": LATEST });
      assert.equal(r.status, 202, JSON.stringify(message));
      assert.equal(r.body, null);
    }
  });

  test("malformed JSON-RPC: parse error and invalid request with 400; unknown method -32601", async () => {
    const { key } = app.tenant();
    const parse = await post(key, "{not json");
    assert.equal(parse.status, 400);
    assert.deepEqual([parse.body.id, parse.body.error.code], [null, -32700]);
    for (const message of [
      { jsonrpc: "1.0", id: 1, method: "ping" },
      { jsonrpc: "2.0", id: null, method: "ping" },
      { jsonrpc: "2.0", id: 1 },
      42,
    ]) {
      const r = await post(key, message);
      assert.equal(r.status, 400, JSON.stringify(message));
      assert.equal(r.body.error.code, -32600);
    }
    const params = await post(key, { jsonrpc: "2.0", id: 2, method: "tools/list", params: [1] });
    assert.deepEqual([params.status, params.body.id, params.body.error.code], [400, 2, -32602]);
    const unknown = await post(key, { jsonrpc: "2.0", id: "x", method: "prompts/list" });
    assert.deepEqual([unknown.status, unknown.body.id, unknown.body.error.code], [200, "x", -32601]);
    const noVersion = await post(key, { jsonrpc: "2.0", id: 3, method: "initialize", params: {} });
    assert.equal(noVersion.body.error.code, -32602);
  });

  test("an unsupported MCP-Protocol-Version header is 400", async () => {
    const { key } = app.tenant();
    for (const version of ["2024-11-05", "not-a-version"]) {
      const r = await post(key, { jsonrpc: "2.0", id: 1, method: "ping" }, { "mcp-protocol-version": version });
      assert.equal(r.status, 400, version);
      assert.equal(r.body.error.code, -32600);
    }
    const ok = await post(key, { jsonrpc: "2.0", id: 1, method: "ping" }, { "mcp-protocol-version": "2025-06-18" });
    assert.deepEqual([ok.status, ok.body.result], [200, {}]);
  });

  test("batches: answered in 2025-03-26, refused in later versions, never with initialize", async () => {
    const { key } = app.tenant();
    const ping = (id) => ({ jsonrpc: "2.0", id, method: "ping" });
    const batch = await post(key, [ping(1), { jsonrpc: "2.0", method: "notifications/initialized" }, ping(2)], {
      "mcp-protocol-version": "2025-03-26",
    });
    assert.equal(batch.status, 200);
    assert.deepEqual(batch.body.map((r) => [r.id, r.result]), [[1, {}], [2, {}]]);
    const withInit = await post(key, [initialize("2025-03-26", 5), ping(6)]);
    assert.equal(withInit.body[0].error.code, -32600);
    assert.deepEqual(withInit.body[1].result, {});
    const onlyNotifications = await post(key, [{ jsonrpc: "2.0", method: "notifications/initialized" }]);
    assert.deepEqual([onlyNotifications.status, onlyNotifications.body], [202, null]);
    for (const version of ["2025-06-18", LATEST]) {
      const refused = await post(key, [ping(1)], { "mcp-protocol-version": version });
      assert.equal(refused.status, 400, version);
      assert.equal(refused.body.error.code, -32600);
    }
    const empty = await post(key, []);
    assert.equal(empty.status, 400);
    const tooMany = await post(key, Array.from({ length: 101 }, (_, i) => ping(i)));
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.body.error.message, /MAX_BATCH_ITEMS/);
  });

  test("the REST API's transport limits: content type, body size, Accept, Origin", async () => {
    const { key } = app.tenant();
    const ping = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
    const text = await app.anonymous().request("POST", "/mcp", {
      body: ping,
      headers: { authorization: `Bearer ${key}`, "content-type": "text/plain" },
    });
    assert.equal(text.status, 415);
    const huge = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "memo_save", arguments: { content: "x".repeat(1024 * 1024) } } };
    assert.equal((await post(key, huge)).status, 413);
    const html = await post(key, ping, { accept: "text/html" });
    assert.equal(html.status, 406);
    const evil = await post(key, ping, { origin: "https://evil.example" });
    assert.equal(evil.status, 403);
    const allowed = await post(key, ping, { origin: CORS_TEST_ORIGINS.web });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers.get("access-control-allow-origin"), CORS_TEST_ORIGINS.web);
  });
});
