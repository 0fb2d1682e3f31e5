// The background (service worker in Chromium, event page in Firefox): owns
// the queue, runs captures in tabs, keeps the badge (pending captures) and
// the per-tab saved state, and answers the popup.
import { ext } from "../lib/browser.js";
import { areaStorage, Queue } from "../lib/queue.js";
import { currentApi, loadSettings } from "../lib/settings.js";
import { ADAPTERS, autoSaveTargets } from "../capture/adapters/index.js";

let api = null;
async function refreshApi() {
  try {
    api = await currentApi();
  } catch (error) {
    api = error;
  }
}
const ready = refreshApi();

const queue = new Queue({
  storage: areaStorage(ext.storage.local),
  api: () => {
    if (api instanceof Error) throw api;
    return api;
  },
});

// ---- badge: pending captures ----
async function updateBadge() {
  const { pending, failed } = await queue.counts();
  const count = pending + failed;
  await ext.action.setBadgeText({ text: count ? String(count) : "" });
  await ext.action.setBadgeBackgroundColor({ color: failed ? "#b3261e" : "#555" });
}

// ---- flushing, with the backoff the queue asks for ----
let timer = null;
async function flush({ force = false } = {}) {
  await ready;
  const report = await queue.flush({ force });
  await updateBadge();
  if (report.sent) await refreshSavedStates();
  if (report.retryInMs != null) schedule(report.retryInMs);
  return report;
}

function schedule(ms) {
  clearTimeout(timer);
  // A timer while the worker lives; the alarm wakes a stopped worker.
  timer = setTimeout(() => flush().catch(() => {}), ms + 50);
  ext.alarms.create("flush", { when: Date.now() + Math.max(ms, 1000) + 50 });
}

ext.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === "flush") flush().catch(() => {});
});
ext.runtime.onStartup.addListener(() => flush().catch(() => {}));
ext.runtime.onInstalled.addListener(() => {
  setUpMenus().catch(() => {});
  flush().catch(() => {});
});
ext.storage.onChanged.addListener((changes, area) => {
  if (area === "local" && (changes.apiBase || changes.apiKey)) {
    savedStates.clear();
    refreshApi().then(() => flush({ force: true })).catch(() => {});
  }
});
// A stopped worker starts again on any event: send what waited.
ready.then(() => flush()).catch(() => {});

// ---- capturing a tab ----
/** Runs the capture in the tab: `{capture, notice}` or `{error}`. */
async function extract(tabId, { mode = "auto", link } = {}) {
  try {
    await ext.scripting.executeScript({ target: { tabId }, files: ["content.js"] });
    const [result] = await ext.scripting.executeScript({
      target: { tabId },
      func: (options) => globalThis.memoCapture(options),
      args: [{ mode, link }],
    });
    return result?.result ?? { error: "The page gave no answer." };
  } catch (error) {
    return { error: `This page cannot be captured (${error.message}). Browser pages and the extension store are off limits.` };
  }
}

/**
 * Queues a capture and sends it at once. Resolves to `{status: "saved",
 * memory, outcome}`, `{status: "queued", reason}` (it waits in the queue) or
 * `{status: "failed", error}`.
 */
async function save(capture, trigger) {
  const [item] = await queue.add([{ ...capture, captured_at: new Date().toISOString() }], { trigger });
  await updateBadge();
  const report = await flush({ force: trigger !== "auto" });
  const outcome = queue.outcome(item.key);
  if (outcome?.status === "error") return { status: "failed", error: outcome.error, key: item.key };
  if (outcome) return { status: "saved", outcome: outcome.status, memory: outcome.memory, key: item.key };
  return { status: "queued", reason: report.error?.message ?? "waiting to be sent", key: item.key };
}

async function captureTab(tab, trigger, options) {
  const extracted = await extract(tab.id, options);
  if (extracted.error) {
    await notify(tab.id, extracted.error);
    return extracted;
  }
  const saved = await save(extracted.capture, trigger);
  // Without the popup open, the tooltip tells what happened when it is not a plain save.
  const problem = saved.status === "saved" ? "" : saved.reason ?? saved.error?.message ?? "";
  await notify(tab.id, [problem, extracted.notice].filter(Boolean).join(" "));
  return { ...saved, notice: extracted.notice };
}

/** A short word on the toolbar button's tooltip for captures made without the popup. */
async function notify(tabId, message) {
  if (message) await ext.action.setTitle({ tabId, title: `Memo: ${message}` }).catch(() => {});
}

// ---- saved state per tab ----
const SAVED_TTL_MS = 30_000;
const savedStates = new Map();

async function savedState(tab, { fresh = false } = {}) {
  if (!tab?.url || !/^https?:/.test(tab.url)) return null;
  const cached = savedStates.get(tab.id);
  if (!fresh && cached && cached.url === tab.url && Date.now() - cached.at < SAVED_TTL_MS) return cached.saved;
  await ready;
  if (api instanceof Error || !api) return null;
  let saved = null;
  try {
    const page = await api.byUrl(tab.url);
    saved = page.items.length ? page.items[0] : false;
  } catch {
    return null;
  }
  savedStates.set(tab.id, { url: tab.url, saved, at: Date.now() });
  await showSaved(tab.id, saved);
  return saved;
}

async function showSaved(tabId, saved) {
  const icon = saved ? "saved" : "idle";
  await ext.action.setIcon({ tabId, path: { 16: `icons/${icon}-16.png`, 32: `icons/${icon}-32.png` } }).catch(() => {});
  await ext.action
    .setTitle({ tabId, title: saved ? `Saved in Memo: ${saved.title}` : "Save to Memo" })
    .catch(() => {});
}

async function refreshSavedStates() {
  const tabs = await ext.tabs.query({});
  await Promise.all(tabs.map((tab) => savedState(tab, { fresh: true })));
}

ext.tabs.onActivated.addListener(({ tabId }) => ext.tabs.get(tabId).then((tab) => savedState(tab)).catch(() => {}));
ext.tabs.onUpdated.addListener((tabId, change, tab) => {
  if (change.status === "complete") savedState(tab).catch(() => {});
});
ext.tabs.onRemoved.addListener((tabId) => savedStates.delete(tabId));

// ---- context menus and the keyboard command ----
async function setUpMenus() {
  await ext.contextMenus.removeAll();
  ext.contextMenus.create({ id: "save-page", title: "Save page to Memo", contexts: ["page"] });
  ext.contextMenus.create({ id: "save-selection", title: "Save selection to Memo", contexts: ["selection"] });
  ext.contextMenus.create({ id: "save-link", title: "Save link to Memo", contexts: ["link"] });
}

/** What each context menu entry captures. */
function menuCapture(info) {
  if (info.menuItemId === "save-selection") return { mode: "selection" };
  if (info.menuItemId === "save-link") return { mode: "link", link: { url: info.linkUrl, text: info.linkText ?? info.selectionText ?? "" } };
  return { mode: "auto" };
}

function onMenu(info, tab) {
  return captureTab(tab, "menu", menuCapture(info));
}
ext.contextMenus.onClicked.addListener((info, tab) => {
  onMenu(info, tab).catch(() => {});
});

async function onCommand(command, tab) {
  const target = tab ?? (await ext.tabs.query({ active: true, currentWindow: true }))[0];
  if (command === "save-page" && target) return captureTab(target, "shortcut", { mode: "auto" });
  return null;
}
ext.commands.onCommand.addListener((command, tab) => {
  onCommand(command, tab).catch(() => {});
});

// ---- auto-save of living conversations (off unless the user enables it) ----
async function syncAutoSave() {
  const { autoSave } = await loadSettings();
  const wanted = ADAPTERS.filter((a) => autoSave?.[a.id]);
  const registered = await ext.scripting.getRegisteredContentScripts().catch(() => []);
  const ids = registered.filter((s) => s.id.startsWith("autosave-")).map((s) => s.id);
  if (ids.length) await ext.scripting.unregisterContentScripts({ ids });
  for (const adapter of wanted) {
    const { origins, matches } = autoSaveTargets(adapter);
    if (!(await ext.permissions.contains({ origins }))) continue;
    await ext.scripting.registerContentScripts([{ id: `autosave-${adapter.id}`, matches, js: ["autosave.js"], runAt: "document_idle" }]);
  }
}
// One sync at a time: two overlapping ones would register the same script id twice.
let autoSaveSync = Promise.resolve();
ext.storage.onChanged.addListener((changes, area) => {
  if (area === "local" && changes.autoSave) autoSaveSync = autoSaveSync.then(syncAutoSave).catch(() => {});
});

// ---- messages from the popup, the options page and auto-save ----
const handlers = {
  extract: ({ tabId, mode }) => extract(tabId, { mode }),
  save: ({ capture }) => save(capture, "popup"),
  // The same paths the menus and the shortcut take (the popup's buttons and the tests use them).
  menu: async ({ tabId, info }) => onMenu(info, await ext.tabs.get(tabId)),
  command: async ({ tabId, command }) => onCommand(command, await ext.tabs.get(tabId)),
  autosave: ({ capture }, sender) => save({ ...capture, url: sender.tab?.url ?? capture.url }, "auto"),
  savedState: async ({ tabId, fresh }) => savedState(await ext.tabs.get(tabId), { fresh }),
  queue: async () => ({ items: await queue.items(), counts: await queue.counts() }),
  flush: () => flush({ force: true }).then((r) => ({ sent: r.sent, failed: r.failed, retryInMs: r.retryInMs, error: r.error?.message ?? null })),
  discard: async ({ key }) => {
    await queue.discard(key);
    await updateBadge();
  },
  retry: async ({ key }) => {
    await queue.retry(key ? [key] : undefined);
    return handlers.flush();
  },
};

ext.runtime.onMessage.addListener((message, sender, reply) => {
  const handler = handlers[message?.type];
  if (!handler) return false;
  Promise.resolve(handler(message, sender))
    .then((value) => reply({ ok: true, value: value ?? null }))
    .catch((error) => reply({ ok: false, error: error.message }));
  return true;
});
