// Injected on demand (scripting.executeScript, after a click, a menu or the
// shortcut): exposes one function the background calls with its arguments.
import { capturePage } from "./capture.js";

globalThis.memoCapture = ({ mode, link }) =>
  capturePage({
    document,
    pageUrl: location.href,
    selection: String(globalThis.getSelection?.() ?? ""),
    mode,
    link,
  });
