import { ext } from "../lib/browser.js";
import { normaliseBase } from "../lib/api.js";
import { DEFAULTS, loadSettings, saveSettings } from "../lib/settings.js";
import { ADAPTERS, autoSaveTargets } from "../capture/adapters/index.js";
import { testConnection } from "./check.js";

const $ = (id) => document.getElementById(id);
// Host patterns carry no port (Firefox refuses one; without it Chromium
// matches every port): access to the API's host only.
const originPattern = (base) => {
  const url = new URL(base);
  return `${url.protocol}//${url.hostname}/*`;
};

function show(result) {
  $("result").textContent = result.message;
  $("result").dataset.ok = String(result.ok);
  $("result").dataset.problem = result.problem ?? "";
}

async function hasPermission(base) {
  try {
    return await ext.permissions.contains({ origins: [originPattern(normaliseBase(base))] });
  } catch {
    return false;
  }
}

async function save(event) {
  event.preventDefault();
  let base;
  try {
    base = normaliseBase($("api-base").value);
  } catch (error) {
    return show({ ok: false, problem: "url", message: error.message });
  }
  // Access to the API's origin only, asked while the click still counts as the user's gesture.
  let granted = await hasPermission(base);
  if (!granted) granted = await ext.permissions.request({ origins: [originPattern(base)] }).catch(() => false);
  await saveSettings({ apiBase: base, apiKey: $("api-key").value.trim() });
  show({ ok: true, message: granted ? "Saved." : `Saved without access to ${new URL(base).origin}: the server must allow this extension through CORS.` });
}

async function test() {
  $("result").textContent = "Testing…";
  const apiBase = $("api-base").value;
  show(await testConnection({ apiBase, apiKey: $("api-key").value.trim(), hasHostPermission: await hasPermission(apiBase), extensionOrigin: location.origin }));
}

async function main() {
  const settings = await loadSettings();
  $("api-base").value = settings.apiBase;
  $("api-key").value = settings.apiKey;
  $("idle-seconds").value = settings.idleSeconds;
  $("origin").textContent = location.origin;
  $("settings").addEventListener("submit", save);
  $("test").addEventListener("click", () => test().catch((e) => show({ ok: false, message: e.message })));
  $("idle-seconds").addEventListener("change", () => {
    // The field's own bounds (2 to 120 seconds), also for a value typed past them.
    const seconds = Math.min(120, Math.max(2, Number($("idle-seconds").value) || DEFAULTS.idleSeconds));
    return saveSettings({ idleSeconds: seconds });
  });
  $("autosave").replaceChildren(
    ...ADAPTERS.map((adapter) => {
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.dataset.adapter = adapter.id;
      box.checked = Boolean(settings.autoSave?.[adapter.id]);
      box.addEventListener("change", async () => {
        const { origins } = autoSaveTargets(adapter);
        if (box.checked && !(await ext.permissions.request({ origins }).catch(() => false))) box.checked = false;
        const { autoSave } = await loadSettings();
        await saveSettings({ autoSave: { ...autoSave, [adapter.id]: box.checked } });
      });
      label.append(box, ` ${adapter.name}`);
      return label;
    }),
  );
  document.body.dataset.ready = "true";
}

main();
