// One namespace for both browsers: Firefox's `browser` and Chromium's
// `chrome` both return promises in MV3.
export const ext = globalThis.browser ?? globalThis.chrome;
