// A minimal Chrome DevTools protocol client for workerd's V8 inspector
// (`startWorkerd({ inspectorPort })`): CPU profiles for bench/profile.mjs, heap
// figures for the soak.
//
// Under workerd, `HeapProfiler.collectGarbage` never answers and
// `Runtime.evaluate` has no context to run in; a heap snapshot (which starts
// with a full garbage collection) is the way to the live heap.

/** The first worker's session on the inspector at 127.0.0.1:`port`: { send, close }. */
export async function inspectWorker(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  return inspect(targets[0].webSocketDebuggerUrl);
}

/** A session over the inspector WebSocket at `url`: { send(method, params), close() }. */
export async function inspect(url, { timeoutMs = 120_000 } = {}) {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  let next = 0;
  const pending = new Map();
  const events = new Set();
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.id !== undefined && pending.has(message.id)) {
      pending.get(message.id)(message);
      pending.delete(message.id);
    } else if (message.method) {
      for (const listener of events) listener(message);
    }
  };
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${method}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, (m) => {
        clearTimeout(timer);
        if (m.error) reject(new Error(`${method}: ${m.error.message}`));
        else resolve(m.result);
      });
      socket.send(JSON.stringify({ id, method, params }));
    });
  const on = (listener) => {
    events.add(listener);
    return () => events.delete(listener);
  };
  return { send, on, close: () => socket.close() };
}

/** The isolate's heap as V8 reports it (no collection first): { used, total } in bytes. */
export async function heapUsage(session) {
  const { usedSize, totalSize } = await session.send("Runtime.getHeapUsage");
  return { used: usedSize, total: totalSize };
}

/**
 * The live heap, from a heap snapshot (taken after a full collection):
 * { bytes, objects, largest } — the total self size of every node, and the
 * constructors holding the most, for a look at what a leak keeps.
 */
export async function liveHeap(session, { top = 8 } = {}) {
  const chunks = [];
  const off = session.on((m) => {
    if (m.method === "HeapProfiler.addHeapSnapshotChunk") chunks.push(m.params.chunk);
  });
  try {
    await session.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
  } finally {
    off();
  }
  const snapshot = JSON.parse(chunks.join(""));
  const fields = snapshot.snapshot.meta.node_fields;
  const [type, name, selfSize] = ["type", "name", "self_size"].map((f) => fields.indexOf(f));
  const types = snapshot.snapshot.meta.node_types[0];
  const byName = new Map();
  let bytes = 0;
  let objects = 0;
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    const size = snapshot.nodes[i + selfSize];
    const key = `${types[snapshot.nodes[i + type]]} ${snapshot.strings[snapshot.nodes[i + name]].slice(0, 40)}`;
    const entry = byName.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += size;
    byName.set(key, entry);
    bytes += size;
    objects++;
  }
  const largest = [...byName.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top)
    .map(([key, { count, bytes: b }]) => ({ what: key, count, kib: Math.round(b / 1024) }));
  return { bytes, objects, largest };
}
