// The extension in Debian's Firefox ESR over WebDriver BiDi, against the real stack.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after } from "node:test";
import { launchFirefox } from "../scripts/lib/browsers.mjs";
import { GECKO_ID } from "../extension/build.mjs";
import { extensionCases } from "./helpers/extension-cases.mjs";

const profile = mkdtempSync(path.join(os.tmpdir(), "memo-ext-firefox-"));
after(() => rmSync(profile, { recursive: true, force: true }));
// Fixed for the profile, so the add-on keeps its moz-extension:// origin (and storage) across restarts.
const uuid = randomUUID();

async function launch({ dir }) {
  const started = await launchFirefox({ extension: dir, extensionGeckoId: GECKO_ID, extensionUuid: uuid, userDataDir: profile });
  return { ...started, dir };
}

extensionCases({
  name: "firefox",
  launch,
  // The temporary add-on is installed again into the same profile; its
  // storage is kept (extensions.webextensions.keepStorageOnUninstall).
  restart: async (session) => {
    await session.close();
    return launch({ dir: session.dir });
  },
});
