/**
 * The load generator, in a process of its own (forked by cannon.ts) so it does not share an
 * event loop with the local stack's node side: autocannon's programmatic API over loadCalls(),
 * counting every answer per request entry and status, and every response time. Prints nothing;
 * the report goes back over the IPC channel.
 */
import autocannon from "autocannon";
import type { CannonMessage, CannonOrder, CannonReport, LatencyStats } from "./cannon-protocol";
import { loadCalls } from "./traffic";

/** First slice size per connection; later slices aim at SLICE_S seconds at the last rate. */
const FIRST_SLICE_PER_CONNECTION = 100;
const SLICE_S = 5;
const SAMPLE_TICK_MS = 20;

interface Tally {
  answered: Record<string, number>[];
  latencies: number[];
  sent: number;
  errors: number;
  timeouts: number;
}

function autocannonRequests(tally: Tally): autocannon.Request[] {
  return loadCalls().map((call, i) => ({
    method: call.method,
    path: call.path,
    headers: call.headers,
    ...(call.body === undefined ? {} : { body: call.body }),
    onResponse: (status: number) => {
      const counts = tally.answered[i] ?? {};
      counts[status] = (counts[status] ?? 0) + 1;
      tally.answered[i] = counts;
    },
  }));
}

/** One autocannon run of exactly `amount` requests; resolves when every one is answered. */
function slice(order: CannonOrder, amount: number, tally: Tally): Promise<void> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: order.url,
        connections: Math.min(order.connections, amount),
        amount,
        // autocannon ends a run at its next sample tick (default every 1,000 ms): a short tick
        // keeps each slice from idling up to a second after its last answer.
        sampleInt: SAMPLE_TICK_MS,
        requests: autocannonRequests(tally),
      },
      (error: unknown, result) => {
        if (error) return reject(error);
        tally.sent += result.requests.sent;
        tally.errors += result.errors;
        tally.timeouts += result.timeouts;
        resolve();
      },
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => tally.latencies.push(responseTime));
  });
}

function percentiles(values: number[]): LatencyStats {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return { p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(at(1)) };
}

async function run(order: CannonOrder): Promise<CannonReport> {
  const tally: Tally = { answered: [], latencies: [], sent: 0, errors: 0, timeouts: 0 };
  const sliceRates: number[] = [];
  const started = performance.now();
  let amount = order.amount ?? order.connections * FIRST_SLICE_PER_CONNECTION;
  for (;;) {
    const sliceStart = performance.now();
    await slice(order, amount, tally);
    const rate = (amount / (performance.now() - sliceStart)) * 1000;
    sliceRates.push(Math.round(rate));
    const leftS = (order.durationS ?? 0) - (performance.now() - started) / 1000;
    if (order.amount !== undefined || leftS <= 0) break;
    // The last slice is cut to what is left, so the run ends close to durationS.
    amount = Math.max(order.connections, Math.round(rate * Math.min(SLICE_S, leftS)));
  }
  const { answered, sent, errors, timeouts, latencies } = tally;
  const elapsedMs = performance.now() - started;
  return { sent, answered, errors, timeouts, elapsedMs, sliceRates, latencyMs: percentiles(latencies) };
}

process.once("message", (order: CannonOrder) => {
  run(order).then(
    (report) => process.send?.({ ok: true, report } satisfies CannonMessage, () => process.exit(0)),
    (error: unknown) =>
      process.send?.({ ok: false, error: String(error) } satisfies CannonMessage, () => process.exit(1)),
  );
});
