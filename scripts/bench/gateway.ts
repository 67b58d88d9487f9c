/**
 * Gateway requests/s with recording on vs off, against the same local upstream (the demo API
 * without simulated delays), measured side by side in rounds that rotate the order. The sides
 * (gateway-sides.ts) and what each stands for (gateway-report.ts):
 * - on, queue elsewhere: the production fetch handler, its queue sends relayed to a queue and
 *   consumer in a second workerd, as production runs them away from the gateway (the target);
 * - on, one workerd: the local stack exactly as `npm start` runs it (broker and consumer on the
 *   gateway's thread), reported beside it;
 * - off: the production app built without pathStats (workers/gateway-off.ts);
 * - queue stubbed: the production fetch handler with a no-op queue, the Worker's own recording work.
 */
import { loadavg } from "node:os";
import { startDemoUpstream } from "../demo-upstream";
import { gatewayResult } from "./gateway-report";
import { type Side, startSides, withCpu } from "./gateway-sides";
import { type LoadRequest, runLoad } from "./load";
import { waitForStoredEvents } from "./stored-events";
import type { Bench } from "./types";

const CONCURRENCY = 16;
const WARMUP_REQUESTS = 500;
// Many short rounds: on a shared machine the load from elsewhere changes within seconds, and the
// median of many per-round ratios is steadier than that of a few long rounds.
const ROUNDS = 30;
const REQUESTS_PER_ROUND = 600;

/** Realistic spread: 500 user ids (one template), 2,000 client IPs, a request id per request. */
const requestFor = (i: number): LoadRequest => ({
  path: `/users/${((i * 7_919) % 500) + 1}`,
  headers: { "CF-Connecting-IP": `10.0.${(i * 31) % 8}.${(i * 13) % 250}`, "X-Request-Id": `bench-${i}` },
});

async function round(side: Side, offset: number, count: number, measure: boolean): Promise<void> {
  const result = await runLoad(side.url, count, CONCURRENCY, (i) => requestFor(offset + i));
  if (result.unexpected > 0)
    throw new Error(`gateway ${side.label}: ${result.unexpected} answers were not 200`);
  if (!measure) return;
  side.requests += result.requests;
  side.elapsedMs += result.elapsedMs;
  side.roundRates.push((result.requests / result.elapsedMs) * 1000);
}

const loadAverage1m = () => Math.round((loadavg()[0] ?? 0) * 10) / 10;

/** A warm-up per side, then measured rounds that rotate which side goes first. */
async function measureSides(sides: readonly Side[]): Promise<void> {
  for (const side of sides) await round(side, 0, WARMUP_REQUESTS, false);
  for (let r = 0; r < ROUNDS; r++) {
    const offset = WARMUP_REQUESTS + r * REQUESTS_PER_ROUND;
    const order = [...sides.slice(r % sides.length), ...sides.slice(0, r % sides.length)];
    for (const side of order) await round(side, offset, REQUESTS_PER_ROUND, true);
  }
}

/** Every request of the sides that store their events is stored (their consumers' work counts). */
async function waitForRecorded(sides: readonly Side[]): Promise<number> {
  let recorded = 0;
  for (const side of sides)
    if (side.stack) recorded += await waitForStoredEvents(side.stack.mf, WARMUP_REQUESTS + side.requests);
  return recorded;
}

export const gatewayBench: Bench = {
  name: "gateway",
  async run(log) {
    const upstream = await startDemoUpstream({ delays: false });
    try {
      const started = await startSides(upstream.url);
      try {
        const { sides } = started;
        const [oneWorkerd, queueElsewhere, off, stubbed] = sides;
        log(
          `gateway: ${ROUNDS} rounds × ${REQUESTS_PER_ROUND} requests per side, concurrency ${CONCURRENCY}`,
        );
        const loadAtStart = loadAverage1m();
        let recorded = 0;
        await withCpu(sides, async () => {
          await measureSides(sides);
          recorded = await waitForRecorded(sides);
        });
        return gatewayResult({ oneWorkerd, queueElsewhere, off, stubbed }, recorded, {
          concurrency: CONCURRENCY,
          // The machine is shared: the 1-minute load average before and after the measured rounds.
          loadAverage1mAtStart: loadAtStart,
          loadAverage1m: loadAverage1m(),
          rounds: ROUNDS,
          requestsPerRoundPerSide: REQUESTS_PER_ROUND,
          warmupRequestsPerSide: WARMUP_REQUESTS,
        });
      } finally {
        await started.stop();
      }
    } finally {
      await upstream.close();
    }
  },
};
