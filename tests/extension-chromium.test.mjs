// The extension in Debian's Chromium (new headless mode), against the real stack.
import { launchChromium } from "../scripts/lib/browsers.mjs";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after } from "node:test";
import { extensionCases } from "./helpers/extension-cases.mjs";

const profile = mkdtempSync(path.join(os.tmpdir(), "memo-ext-chromium-"));
after(() => rmSync(profile, { recursive: true, force: true }));

async function launch({ dir }) {
  const started = await launchChromium({ extension: dir, userDataDir: profile });
  return { ...started, dir, origin: `chrome-extension://${started.extensionId}` };
}

extensionCases({
  name: "chromium",
  launch,
  // Same profile, same unpacked folder: same extension id and storage.
  restart: async (session) => {
    await session.close();
    return launch({ dir: session.dir });
  },
});
