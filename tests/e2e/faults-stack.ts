/**
 * The local-stack scenario of the fault-injection runner: `npm start` (the production bundle in
 * workerd, a process of its own) proxies to an upstream the test owns, which counts every request
 * it receives. A seeded mix of proxied requests and ingest batches (explicit ids) runs through it
 * with a few in flight at once; part-way, `npm start` gets SIGTERM. The rest of the load, and
 * every ingest batch without a 202, is sent after a restart on the same state directory. The
 * ground truth: every request the upstream received, and every ingest id, stored exactly once.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type IngestedEvent, mapConcurrent, type StackAddress, seededRandom } from "./helpers";
import { readyUrl, type StartedNpm, spawnNpmStart } from "./start-process";

export const TOKEN = "faults-stack-token";
const GATEWAY_PATHS = ["/fault/a", "/fault/b", "/fault/c"];

/** An upstream that answers 200 and counts what it received, by path. */
export async function countingUpstream(): Promise<{
  url: string;
  counts: Map<string, number>;
  server: Server;
}> {
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://upstream").pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    req.resume();
    req.on("end", () => res.writeHead(200, { "Content-Type": "text/plain" }).end("ok"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counts, server };
}

export type Operation =
  | { kind: "gateway"; method: "GET" | "POST"; path: string }
  | { kind: "ingest"; events: IngestedEvent[] };

/** The seeded load: proxied requests and ingest batches, interleaved. */
export function planLoad(seed: number, now: number): Operation[] {
  const rand = seededRandom(seed);
  return Array.from({ length: 160 }, (_, i): Operation => {
    if (rand() >= 0.05) {
      const path = GATEWAY_PATHS[Math.floor(rand() * GATEWAY_PATHS.length)] ?? "/fault/a";
      return { kind: "gateway", method: rand() < 0.7 ? "GET" : "POST", path };
    }
    const events = Array.from({ length: 40 }, (_, j) => ({
      id: `stack-${seed}-${i}-${j}`,
      ts: now - Math.floor(rand() * 3_600_000),
      method: "GET",
      path: `/ingested/${["x", "y", "z"][Math.floor(rand() * 3)]}`,
      status: rand() < 0.1 ? 503 : 200,
      durationMs: Math.round(rand() * 1_000) / 4,
      clientHash: `stack-client-${Math.floor(rand() * 20)}`,
    }));
    return { kind: "ingest", events };
  });
}

/** What became of one operation: done, never started, or failed (the connection broke). */
type Outcome = "done" | "not-started" | "failed";

/** Sends one operation; counts pathmeter's own 5xx answers. */
async function send(stack: StackAddress, op: Operation, tally: { fiveXx: number }): Promise<Outcome> {
  try {
    const res =
      op.kind === "gateway"
        ? await fetch(`${stack.url}${op.path}`, {
            method: op.method,
            body: op.method === "POST" ? "{}" : undefined,
          })
        : await fetch(`${stack.url}/_pathmeter/ingest`, {
            method: "POST",
            headers: { Authorization: `Bearer ${stack.adminToken}`, "Content-Type": "application/json" },
            body: JSON.stringify(op.events),
          });
    await res.arrayBuffer();
    if (res.status >= 500) tally.fiveXx += 1;
    return op.kind === "ingest" && res.status !== 202 ? "failed" : "done";
  } catch {
    return "failed";
  }
}

/**
 * Runs `ops` with 8 in flight; once `stopAfter` are done, calls `stop` and starts no more.
 * Returns each operation's outcome.
 */
export async function runLoad(
  stack: StackAddress,
  ops: readonly Operation[],
  tally: { fiveXx: number },
  stopAfter = Number.POSITIVE_INFINITY,
  stop: () => void = () => {},
): Promise<Outcome[]> {
  let done = 0;
  let stopped = false;
  return mapConcurrent(ops, 8, async (op) => {
    if (stopped) return "not-started";
    const outcome = await send(stack, op, tally);
    done += 1;
    if (done >= stopAfter && !stopped) {
      stopped = true;
      stop();
    }
    return outcome;
  });
}

/** `npm start` on a state directory, proxying `upstreamUrl`; resolves once it is ready. */
export async function startNpm(
  stateDir: string,
  upstreamUrl: string,
): Promise<{ started: StartedNpm; url: string }> {
  const started = spawnNpmStart({
    PORT: "0",
    PATHMETER_STATE_DIR: stateDir,
    ADMIN_TOKEN: TOKEN,
    UPSTREAM_URL: upstreamUrl,
  });
  return { started, url: await readyUrl(started) };
}
