// The one readiness poller of the scripts, tests and benches.

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe()` every `intervalMs` until `done(value)` (by default: the
 * value is truthy) and resolves to that value. Fails when `child` (a process
 * being waited for) exits first or when `timeoutMs` passes, naming what it
 * waited for and adding `detail()` (a log tail, say); with `onTimeout`, a
 * timeout resolves to `onTimeout(lastValue)` instead.
 */
export async function pollUntil(probe, { waitingFor, timeoutMs, intervalMs = 250, child, detail = () => "", done = Boolean, onTimeout }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) {
      throw new Error(`the process exited (code ${child.exitCode}) while waiting for ${waitingFor}${detail()}`);
    }
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() >= deadline) {
      if (onTimeout) return onTimeout(value);
      throw new Error(`gave up waiting for ${waitingFor} after ${timeoutMs / 1000} s${detail()}`);
    }
    await sleep(intervalMs);
  }
}
