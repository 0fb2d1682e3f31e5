// The extension in Debian's Firefox ESR over WebDriver BiDi, against the real stack.
import { randomUUID } from "node:crypto";
import { launchFirefox } from "../scripts/lib/browsers.mjs";
import { GECKO_ID } from "../extension/build.mjs";
import { extensionCases } from "./helpers/extension-cases.mjs";

extensionCases({
  name: "firefox",
  launch: async ({ dir }) => launchFirefox({ extension: dir, extensionGeckoId: GECKO_ID, extensionUuid: randomUUID() }),
});
