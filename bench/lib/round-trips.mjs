// A TCP proxy in front of Postgres that counts round trips: it reads the
// frontend side of the wire protocol and counts each message that makes the
// server answer and the client wait, a simple Query ('Q') or a Sync ('S')
// closing an extended-protocol batch. Connections and the startup/auth
// exchange are counted apart, so "round trips per API call after connecting"
// is (queries + syncs) / calls.
import net from "node:net";

/** Starts the proxy on a free port; resolves to { url, counts(), reset(), close() }. */
export async function startRoundTripCounter(databaseUrl) {
  const upstream = new URL(databaseUrl);
  let counts = { connections: 0, queries: 0, syncs: 0 };
  const sockets = new Set();
  const server = net.createServer((client) => {
    counts.connections += 1;
    const server = net.connect(Number(upstream.port || 5432), upstream.hostname);
    sockets.add(client).add(server);
    for (const s of [client, server]) {
      s.on("error", () => {
        client.destroy();
        server.destroy();
      });
      s.on("close", () => sockets.delete(s));
    }
    server.pipe(client);
    let buffered = Buffer.alloc(0);
    let started = false;
    client.on("data", (chunk) => {
      server.write(chunk);
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        if (!started) {
          // Startup-phase messages have no type byte: SSLRequest, GSSENCRequest
          // and CancelRequest are answered at once; StartupMessage ends it.
          if (buffered.length < 8) return;
          const length = buffered.readInt32BE(0);
          if (buffered.length < length) return;
          const code = buffered.readInt32BE(4);
          buffered = buffered.subarray(length);
          if (code === 196608) started = true; // protocol 3.0
          continue;
        }
        if (buffered.length < 5) return;
        const length = buffered.readInt32BE(1);
        if (buffered.length < 1 + length) return;
        const type = String.fromCharCode(buffered[0]);
        if (type === "Q") counts.queries += 1;
        if (type === "S") counts.syncs += 1;
        buffered = buffered.subarray(1 + length);
      }
    });
    client.on("end", () => server.end());
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String(server.address().port);
  return {
    url: url.toString(),
    counts: () => ({ ...counts, roundTrips: counts.queries + counts.syncs }),
    reset: () => {
      counts = { connections: 0, queries: 0, syncs: 0 };
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(resolve);
      }),
  };
}
