// How long the search box waits after a key before it searches. Short: stale
// searches are aborted, and at a million memories the server answers in
// ≈ 30 ms (p95), so a long pause would be most of what the user waits (200 ms
// gave p95 242 ms from the last key; BENCHMARKS.md, the web app).
// bench/webapp-search.mjs reads it from here.
export const SEARCH_DEBOUNCE_MS = 40;
