// Real browsers for end-to-end tests: Debian's `chromium` (the full binary in
// its new headless mode, which loads MV3 extensions; `chromium-headless-shell`
// cannot) and `firefox-esr`, both driven by npm puppeteer-core (CDP for
// Chromium, WebDriver BiDi for Firefox). Shared by the extension's and the web
// app's tests: `ensureBrowsers()` installs what is missing, `launchChromium()`
// and `launchFirefox()` start one with or without an unpacked extension and
// hand back `close()`, which also removes the throwaway profile.
//
// puppeteer-core needs Node >= 22.12: run under the project's npm `node`
// (node_modules/.bin, first on PATH under npm scripts and scripts/test.mjs).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { log } from "./toolchain.mjs";

export const CHROMIUM = process.env.MEMO_CHROMIUM ?? "/usr/bin/chromium";
export const FIREFOX = process.env.MEMO_FIREFOX ?? "/usr/bin/firefox-esr";

/**
 * Chromium on a closed network: without the background-networking flags it
 * keeps opening connections that the machine refuses; `--no-sandbox` because
 * tests run as root in CI.
 */
export const CHROMIUM_ARGS = [
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
  ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
];

/** Firefox preferences that keep it off the network and quiet. */
const FIREFOX_PREFS = {
  "app.update.enabled": false,
  "browser.shell.checkDefaultBrowser": false,
  "datareporting.policy.dataSubmissionEnabled": false,
  "extensions.update.enabled": false,
  "network.captive-portal-service.enabled": false,
  "network.connectivity-service.enabled": false,
  "browser.safebrowsing.update.enabled": false,
  "browser.region.network.url": "",
  "toolkit.telemetry.enabled": false,
  "extensions.getAddons.cache.enabled": false,
};

function runs(binary) {
  if (!existsSync(binary)) return false;
  const probe = spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 60_000 });
  return probe.status === 0;
}

function aptGet(args) {
  // Another process (a parallel test file, another checkout) may hold dpkg's
  // lock: wait for it rather than fail.
  return spawnSync("apt-get", ["-o", "DPkg::Lock::Timeout=1200", ...args], {
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

/** Installs Debian packages `names` (as root), refreshing the package lists once if they are stale. */
function aptInstall(names) {
  if (process.getuid?.() !== 0) {
    throw new Error(`${names.join(" and ")} missing: run as root (the tests install them with apt-get) or install them first`);
  }
  log(`installing ${names.join(" and ")} from the OS package archive (apt-get)`);
  const install = ["install", "-y", "--no-install-recommends", ...names];
  let result = aptGet(install);
  if (result.status !== 0) {
    aptGet(["update"]);
    result = aptGet(install);
  }
  if (result.status !== 0) throw new Error(`apt-get install ${names.join(" ")} failed: ${result.stderr.slice(-2000)}`);
}

/** Installs Chromium and/or Firefox ESR when missing; returns their paths. */
export function ensureBrowsers({ chromium = true, firefox = true } = {}) {
  const missing = [];
  if (chromium && !runs(CHROMIUM)) missing.push("chromium");
  if (firefox && !runs(FIREFOX)) missing.push("firefox-esr");
  if (missing.length) aptInstall(missing);
  for (const [wanted, binary] of [[chromium, CHROMIUM], [firefox, FIREFOX]]) {
    if (wanted && !runs(binary)) throw new Error(`${binary} does not run on this machine`);
  }
  return { chromium: CHROMIUM, firefox: FIREFOX };
}

async function puppeteer() {
  return (await import("puppeteer-core")).default;
}

function scratchProfile(prefix) {
  return mkdtempSync(path.join(os.tmpdir(), `memo-${prefix}-`));
}

/**
 * Starts headless Chromium. `extension`: an unpacked extension folder to load.
 * `userDataDir`: a profile to reuse (kept on close, for restart tests);
 * otherwise a throwaway one. Resolves to `{ browser, extensionId, close }`;
 * `extensionId` is the loaded extension's id (its service worker has started).
 */
export async function launchChromium({ extension, userDataDir, args = [], headless = true } = {}) {
  ensureBrowsers({ firefox: false });
  const owned = !userDataDir;
  const profile = userDataDir ?? scratchProfile("chromium");
  const browser = await (await puppeteer()).launch({
    executablePath: CHROMIUM,
    headless,
    userDataDir: profile,
    pipe: true,
    // The command-line switches load an unpacked extension in every Chromium
    // Debian ships (CDP Extensions.loadUnpacked is missing from some).
    ...(extension ? { ignoreDefaultArgs: ["--disable-extensions"] } : {}),
    args: [
      ...CHROMIUM_ARGS,
      ...(extension ? [`--disable-extensions-except=${extension}`, `--load-extension=${extension}`] : []),
      ...args,
    ],
  });
  const close = async () => {
    await browser.close().catch(() => {});
    if (owned) rmSync(profile, { recursive: true, force: true });
  };
  let extensionId;
  if (extension) {
    try {
      const worker = await browser.waitForTarget(
        (t) => t.type() === "service_worker" && t.url().startsWith("chrome-extension://"),
        { timeout: 30_000 },
      );
      extensionId = new URL(worker.url()).host;
    } catch (error) {
      await close();
      throw new Error(`the extension in ${extension} did not start in Chromium: ${error.message}`);
    }
  }
  return { browser, extensionId, profile, close };
}

/**
 * Starts headless Firefox ESR over WebDriver BiDi. `extension`: an unpacked
 * extension folder, installed as a temporary add-on. `extensionUuid` fixes the
 * add-on's moz-extension:// host (normally random per profile) for the add-on
 * id `extensionGeckoId`, so tests can open its pages. `userDataDir` as for
 * Chromium. Resolves to `{ browser, addonId, origin, close }`.
 */
export async function launchFirefox({ extension, extensionGeckoId, extensionUuid, userDataDir, prefs = {}, headless = true } = {}) {
  ensureBrowsers({ chromium: false });
  const owned = !userDataDir;
  const profile = userDataDir ?? scratchProfile("firefox");
  const uuids = extensionGeckoId && extensionUuid ? { [extensionGeckoId]: extensionUuid } : {};
  const browser = await (await puppeteer()).launch({
    browser: "firefox",
    executablePath: FIREFOX,
    headless,
    userDataDir: profile,
    extraPrefsFirefox: {
      ...FIREFOX_PREFS,
      ...(Object.keys(uuids).length ? { "extensions.webextensions.uuids": JSON.stringify(uuids) } : {}),
      // A temporary add-on is uninstalled when the browser stops; keep its
      // storage so that a reinstall in the same profile finds it.
      "extensions.webextensions.keepStorageOnUninstall": true,
      ...prefs,
    },
  });
  const close = async () => {
    await browser.close().catch(() => {});
    if (owned) rmSync(profile, { recursive: true, force: true });
  };
  let addonId;
  try {
    addonId = extension ? await browser.installExtension(extension) : undefined;
  } catch (error) {
    await close();
    throw new Error(`the extension in ${extension} did not install in Firefox: ${error.message}`);
  }
  const origin = extensionUuid ? `moz-extension://${extensionUuid}` : undefined;
  return { browser, addonId, origin, profile, close };
}
