// The extension's settings, in storage.local only: the key must never sync
// to other devices through storage.sync.
import { ext } from "./browser.js";
import { Api, ApiError } from "./api.js";

export const DEFAULTS = { apiBase: "", apiKey: "", autoSave: {}, idleSeconds: 5 };

export async function loadSettings() {
  const stored = await ext.storage.local.get(Object.keys(DEFAULTS));
  return { ...DEFAULTS, ...stored };
}

export function saveSettings(change) {
  return ext.storage.local.set(change);
}

/** An Api for the current settings (throws a "config" ApiError when unset). */
export async function currentApi() {
  const { apiBase, apiKey } = await loadSettings();
  if (!apiBase) throw new ApiError("config", "No API base URL is set: open the extension's options.");
  return new Api({ baseUrl: apiBase, apiKey });
}
