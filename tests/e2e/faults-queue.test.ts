/**
 * The local stack with failing queue sends (tests/e2e/faults-queue.ts): seeded traffic through
 * the gateway and the ingest API while every third send to the events queue fails, half of them
 * after the messages were enqueued. The gateway and ingest fall back to writing D1 directly;
 * every request the upstream received and every ingest id must be stored exactly once, and no
 * answer of pathmeter's may be a 5xx. A failing seed is in the test's name.
 */
import { afterEach, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../scripts/local-stack";
import { faultSeeds } from "../fault-seeds";
import { recordReliability } from "../reliability-record";
import { withFlakyEventsQueue } from "./faults-queue";
import { countingUpstream, planLoad, runLoad } from "./faults-stack";
import { adminApi, tempStateDir, waitForEventsStored } from "./helpers";

const SEEDS = faultSeeds([51], process.env.FAULT_SEEDS);
const FAIL_EVERY = 3;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

for (const seed of SEEDS) {
  it(`seed ${seed}: queue sends failing, the D1 fallback stores every event once`, async ({ task }) => {
    const upstream = await countingUpstream();
    cleanups.push(() => new Promise((resolve) => upstream.server.close(() => resolve())));
    const state = await tempStateDir();
    cleanups.push(state.remove);
    // What the Worker logs (workerd's structured logs), to see the fallbacks happen.
    const logged: string[] = [];
    const stack: LocalStack = await startLocalStack({
      stateDir: state.dir,
      port: 0,
      crons: false,
      upstreamUrl: upstream.url,
      adjustMiniflare: (options) =>
        withFlakyEventsQueue(FAIL_EVERY)({
          ...options,
          handleStructuredLogs: ({ message }: { message: string }) => {
            logged.push(message);
          },
        }),
    });
    cleanups.push(() => stack.stop());
    const ops = planLoad(seed, Date.now());
    const tally = { fiveXx: 0 };
    const outcomes = await runLoad(stack, ops, tally);
    const ingested = ops.flatMap((op) => (op.kind === "ingest" ? op.events : []));
    const expected = [...upstream.counts.values()].reduce((a, b) => a + b, 0) + ingested.length;
    let stored = -1;
    try {
      await waitForEventsStored(stack, expected, 30_000);
    } finally {
      stored = (await adminApi(stack).health()).eventsStored;
      const fallbacks = logged.filter((line) => line.includes("stored") && line.includes("directly")).length;
      recordReliability(task, {
        scenario: `local stack, seed ${seed}: gateway + ingest load while queue sends fail`,
        events: expected,
        faults: `every ${FAIL_EVERY}rd queue send fails (half after enqueueing): ${fallbacks} direct D1 writes`,
        lost: Math.max(0, expected - stored),
        doubleCounted: Math.max(0, stored - expected),
        fiveXx: tally.fiveXx,
      });
    }
    expect(outcomes.filter((o) => o !== "done")).toEqual([]);
    expect(stored).toBe(expected);
    expect(tally.fiveXx).toBe(0);
    expect(logged.some((line) => line.includes("injected: queue send failed after enqueueing"))).toBe(true);
  });
}
