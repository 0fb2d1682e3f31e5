// Auto-save of a living conversation (registered only for the platforms the
// user enabled in the options): when the chat grows and then stays idle for
// `idleSeconds`, capture it again. The server's conversation upsert keeps
// every capture of one chat as one memory.
import { capturePage } from "./capture.js";
import { ext } from "../lib/browser.js";
import { DEFAULTS } from "../lib/settings.js";

async function captureIfGrown(state) {
  const result = capturePage({ document, pageUrl: location.href, mode: "auto" });
  if (!result.capture || result.notice) return;
  if (result.capture.content.length <= state.lastLength) return;
  state.lastLength = result.capture.content.length;
  await ext.runtime.sendMessage({ type: "autosave", capture: result.capture });
}

// Once per page, however often the script is injected (the registration is
// renewed whenever the settings change). Observing starts at once, so no
// change made while the setting is read is missed.
if (!globalThis.memoAutoSave) {
  const state = { lastLength: 0, timer: null };
  const idleMs = ext.storage.local
    .get("idleSeconds")
    .then(({ idleSeconds }) => (Number(idleSeconds) || DEFAULTS.idleSeconds) * 1000, () => DEFAULTS.idleSeconds * 1000);
  globalThis.memoAutoSave = new MutationObserver(() => {
    clearTimeout(state.timer);
    idleMs.then((ms) => {
      clearTimeout(state.timer);
      state.timer = setTimeout(() => captureIfGrown(state).catch(() => {}), ms);
    });
  });
  globalThis.memoAutoSave.observe(document.body, { childList: true, subtree: true, characterData: true });
}
