// Text rules with one owner (memo-core): the tag rule the worker applies to
// user tags and `#tag` searches, and the database's copy of "indexed one
// character per word" (memo_cjk_spaced).
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { loadModule } from "../crates/memo-core-wasm/tests/load.mjs";
import { spawnApp } from "./helpers/app.mjs";

let app;
let core;
before(async () => {
  app = await spawnApp();
  core = await loadModule();
});

/** `text` spaced as memo_cjk_spaced must space it, by memo-core's rule. */
const spaced = (text) => Array.from(text, (c) => (core.isIndexedAlone(c) ? ` ${c} ` : c)).join("");

test("memo_cjk_spaced agrees with memo-core's rule on every code point up to U+2FFFF", async () => {
  const chars = [];
  for (let cp = 1; cp <= 0x2ffff; cp++) if (cp < 0xd800 || cp > 0xdfff) chars.push(String.fromCodePoint(cp));
  for (let from = 0; from < chars.length; from += 16384) {
    const batch = chars.slice(from, from + 16384);
    const rows = await app.sql("select memo_cjk_spaced(c) as out from unnest($1::text[]) with ordinality u(c, n) order by n", [batch]);
    rows.forEach(({ out }, i) => {
      const c = batch[i];
      if (out !== spaced(c)) assert.fail(`U+${c.codePointAt(0).toString(16)}: database ${JSON.stringify(out)}, memo-core ${JSON.stringify(spaced(c))}`);
    });
  }
});

test("memo_cjk_spaced agrees with memo-core's rule on generated mixed-script strings", async () => {
  const alphabet = Array.from("aZ9 -.#+東京한국어カタカナｶﾀｶﾅㇰ𠀀𪚥ひらがなéßمрус。、\n");
  let seed = 19;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  const texts = Array.from({ length: 200 }, () =>
    Array.from({ length: 1 + (next() % 40) }, () => alphabet[next() % alphabet.length]).join(""),
  );
  const rows = await app.sql("select t, memo_cjk_spaced(t) as out from unnest($1::text[]) t", [texts]);
  for (const { t, out } of rows) assert.equal(out, spaced(t), JSON.stringify(t));
});

test("a user tag C++ and a #c++ search find memories memo-core tagged cpp", async () => {
  const { client } = app.tenant();
  const auto = (await client.post("/v1/memories", {
    content: "How do I write a move constructor in C++? I keep getting copies of my std::vector members in C++ code.",
  })).body;
  assert.ok(auto.tags.includes("cpp"), `memo-core tags C++ content cpp: ${auto.tags}`);
  const user = (await client.post("/v1/memories", { content: "shopping list: milk, eggs", tags: ["C++", "C#", ".NET", "node.js"] })).body;
  assert.deepEqual(user.tags.slice(0, 4), ["cpp", "csharp", "dotnet", "node-js"]);

  const ids = async (query) => (await client.get(`/v1/search?${query}`)).body.items.map((i) => i.id).sort();
  const both = [auto.id, user.id].sort();
  assert.deepEqual(await ids(`q=${encodeURIComponent("#c++")}`), both);
  assert.deepEqual(await ids(`q=${encodeURIComponent("#C++")}`), both);
  assert.deepEqual(await ids(`tag=${encodeURIComponent("C++")}`), both);
  assert.deepEqual(await ids(`q=${encodeURIComponent("#.net")}`), [user.id]);
  assert.deepEqual(await ids(`q=${encodeURIComponent("#C#")}`), [user.id]);
});

test("Hangul and mixed-script text are found by their words", async () => {
  const { client } = app.tenant();
  const korean = (await client.post("/v1/memories", { content: "오늘은 서울에서 회의가 있었습니다. rust 코드 리뷰" })).body;
  const mixed = (await client.post("/v1/memories", { content: "東京の天気 and the Kyoto trip, 한국어 메모", tags: ["旅行 Notes"] })).body;
  const ids = async (q) => (await client.get(`/v1/search?q=${encodeURIComponent(q)}`)).body.items.map((i) => i.id).sort();
  assert.deepEqual(await ids("서울"), [korean.id]);
  assert.deepEqual(await ids("한국어"), [mixed.id]);
  assert.deepEqual(await ids("東京"), [mixed.id]);
  assert.deepEqual(await ids("#旅行-notes"), [mixed.id]);
  assert.ok(mixed.tags.includes("旅行-notes"), String(mixed.tags));
});
