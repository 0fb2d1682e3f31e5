// Worker variables of the test stack (no npm imports: the test runner loads
// this before installing anything).
export const CORS_TEST_ORIGINS = {
  web: "https://app.memo.test",
  chrome: "chrome-extension://abcdefghijklmnopabcdefghijklmnop",
  firefox: "moz-extension://0b2f4c1e-8d7a-4e5b-9c3d-2a1b0c9d8e7f",
};

export const TEST_VARS = {
  CORS_ALLOWED_ORIGINS: Object.values(CORS_TEST_ORIGINS).join(" "),
  // Long enough for tests/abuse.test.mjs to see /health answered from the isolate's last check.
  HEALTH_CACHE_SECONDS: "600",
};
