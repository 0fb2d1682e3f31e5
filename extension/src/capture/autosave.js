// Auto-save of a living conversation (registered only for the platforms the
// user enabled in the options): when the chat grows and then stays idle for
// `idleSeconds`, capture it again. The server's conversation upsert keeps
// every capture of one chat as one memory.
import { capturePage } from "./capture.js";

const ext = globalThis.browser ?? globalThis.chrome;

let idleTimer = null;
let lastLength = 0;

async function captureIfGrown() {
  const result = capturePage({ document, pageUrl: location.href, mode: "auto" });
  if (!result.capture || result.notice) return;
  if (result.capture.content.length <= lastLength) return;
  lastLength = result.capture.content.length;
  await ext.runtime.sendMessage({ type: "autosave", capture: result.capture });
}

ext.storage.local.get("idleSeconds").then(({ idleSeconds = 5 }) => {
  new MutationObserver(() => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => captureIfGrown().catch(() => {}), idleSeconds * 1000);
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
});
