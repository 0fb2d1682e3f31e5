// The toolbar popup: preview (memo-core in the browser, the same engine as
// the server), save, edit what was stored, the queue, and recall.
import init, { analyze } from "memo-core-wasm";
import { ext } from "../lib/browser.js";
import { currentApi } from "../lib/settings.js";
import { renderSnippet } from "./render.js";

const $ = (id) => document.getElementById(id);
const send = async (message) => {
  const answer = await ext.runtime.sendMessage(message);
  if (!answer?.ok) throw new Error(answer?.error ?? "the extension's background did not answer");
  return answer.value;
};

let tabId;
let mode = "auto";
let extracted = null;
let stored = null;

function problem(message) {
  $("problem").hidden = !message;
  $("problem").textContent = message ?? "";
}

async function targetTab() {
  // ?tab=ID: the popup opened as a page for a given tab (the tests open it so).
  const param = new URLSearchParams(location.search).get("tab");
  if (param) return ext.tabs.get(Number(param));
  const [tab] = await ext.tabs.query({ active: true, currentWindow: true });
  return tab;
}

const wasmReady = init({ module_or_path: ext.runtime.getURL("memo_core.wasm") });

async function preview() {
  $("save").disabled = true;
  $("notice").hidden = true;
  extracted = await send({ type: "extract", tabId, mode });
  if (extracted.error) {
    $("status").textContent = extracted.error;
    for (const id of ["preview-title", "preview-kind", "preview-tags"]) $(id).textContent = "—";
    return;
  }
  $("status").textContent = "";
  if (extracted.notice) {
    $("notice").textContent = extracted.notice;
    $("notice").hidden = false;
  }
  await wasmReady;
  const { capture } = extracted;
  const analysis = analyze({ content: capture.content, source: capture.source, metadata: capture.metadata });
  $("preview-title").textContent = analysis.title;
  $("preview-kind").textContent = analysis.kind;
  $("preview-tags").textContent = analysis.tags.join(", ") || "—";
  $("save").disabled = false;
}

async function save() {
  $("save").disabled = true;
  $("status").textContent = "Saving…";
  const result = await send({ type: "save", capture: extracted.capture });
  if (result.status === "saved") {
    $("status").textContent = result.outcome === "created" ? "Saved." : `Saved (${result.outcome}).`;
    await showStored(result.memory);
  } else if (result.status === "failed") {
    $("status").textContent = `Not saved: ${result.error.message}`;
    problem(result.error.message);
  } else {
    $("status").textContent = `Queued: ${result.reason}. It is sent as soon as Memo answers.`;
  }
  $("save").disabled = false;
  await showQueue();
  await showSavedState(true);
}

async function showStored(memory) {
  if (!memory) return;
  stored = memory;
  $("stored").hidden = false;
  $("edit-title").value = memory.title ?? "";
  $("edit-tags").value = (memory.tags ?? []).join(", ");
}

function editedTags() {
  return $("edit-tags").value.split(",").map((t) => t.trim()).filter(Boolean);
}

async function saveEdit() {
  $("edit-status").textContent = "Saving…";
  try {
    const api = await currentApi();
    const updated = await api.patchMemory(stored.id, { title: $("edit-title").value, tags: editedTags() });
    await showStored(updated);
    $("edit-status").textContent = "Changes saved.";
  } catch (error) {
    $("edit-status").textContent = error.message;
  }
}

// Tag autocomplete: the user's own tags starting with what is being typed.
let suggestTimer;
function suggestTags() {
  clearTimeout(suggestTimer);
  suggestTimer = setTimeout(async () => {
    const typed = $("edit-tags").value.split(",");
    const current = typed.pop().trim();
    const before = typed.map((t) => t.trim()).filter(Boolean);
    try {
      const { tags } = await (await currentApi()).tags(current);
      const list = $("tag-suggestions");
      list.replaceChildren(
        ...tags.map(({ tag }) => {
          const option = document.createElement("option");
          option.value = [...before, tag].join(", ");
          return option;
        }),
      );
    } catch {
      // Suggestions are a convenience; the field works without them.
    }
  }, 150);
}

async function showQueue() {
  const { items, counts } = await send({ type: "queue" });
  $("queue").hidden = !items.length;
  $("queue-summary").textContent = `${counts.pending} waiting, ${counts.failed} failed.`;
  $("failed").replaceChildren(
    ...items
      .filter((i) => i.state === "failed")
      .map((item) => {
        const li = document.createElement("li");
        const what = item.capture.metadata?.title ?? item.capture.url ?? item.capture.content.slice(0, 40);
        li.append(document.createTextNode(`${what}: ${item.error?.message ?? "refused"} `));
        const discard = document.createElement("button");
        discard.textContent = "Discard";
        discard.addEventListener("click", async () => {
          await send({ type: "discard", key: item.key });
          await showQueue();
        });
        li.append(discard);
        return li;
      }),
  );
}

async function showSavedState(fresh = false) {
  try {
    const saved = await send({ type: "savedState", tabId, fresh });
    $("saved-state").textContent = saved ? "· already in Memo" : "";
    if (saved && !stored) await showStored(saved);
  } catch {
    $("saved-state").textContent = "";
  }
}

async function search(event) {
  event.preventDefault();
  const q = $("search").value.trim();
  const results = $("results");
  if (!q) return results.replaceChildren();
  try {
    const page = await (await currentApi()).search(q);
    results.replaceChildren(
      ...page.items.map((item) => {
        const li = document.createElement("li");
        const link = document.createElement("a");
        link.href = item.url ?? "#";
        link.textContent = item.title;
        link.addEventListener("click", (e) => {
          e.preventDefault();
          if (item.url) ext.tabs.create({ url: item.url });
        });
        const snippet = document.createElement("div");
        snippet.className = "snippet";
        snippet.append(renderSnippet(document, item.snippet ?? item.preview ?? ""));
        li.append(link, snippet);
        return li;
      }),
    );
    if (!page.items.length) results.textContent = "Nothing found.";
  } catch (error) {
    results.textContent = error.message;
  }
}

/** Says what is wrong with the set-up before anything else is tried. */
async function checkSetup() {
  try {
    const api = await currentApi();
    await api.tags("", 1);
    problem(null);
  } catch (error) {
    problem(error.kind === "network" ? `${error.message} Captures are queued until it answers.` : error.message);
  }
}

async function main() {
  const tab = await targetTab();
  tabId = tab.id;
  $("open-options").addEventListener("click", (e) => {
    e.preventDefault();
    ext.runtime.openOptionsPage();
  });
  for (const button of document.querySelectorAll(".modes button")) {
    button.addEventListener("click", () => {
      mode = button.dataset.mode;
      for (const b of document.querySelectorAll(".modes button")) b.setAttribute("aria-pressed", String(b === button));
      preview().catch((e) => problem(e.message));
    });
  }
  $("save").addEventListener("click", () => save().catch((e) => problem(e.message)));
  $("save-edit").addEventListener("click", () => saveEdit());
  $("edit-tags").addEventListener("input", suggestTags);
  $("retry-all").addEventListener("click", async () => {
    await send({ type: "retry" });
    await showQueue();
  });
  $("search-form").addEventListener("submit", search);
  await Promise.all([checkSetup(), preview(), showQueue(), showSavedState()]);
  document.body.dataset.ready = "true";
}

main().catch((error) => problem(error.message));
