/**
 * The lifecycle scenario of the fault-injection runner (tests/worker/faults-lifecycle.ts) for a few
 * seeds: after failing queue sends, consumer faults, jobs crashing half-way and re-run, and late
 * duplicates of archived events, every accepted event is in D1 or R2 exactly once and every hourly
 * count equals the ground truth (the latency cells have moved into sketches by then, which their
 * own tests check). A failing seed is in the test's name.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { faultSeeds } from "../fault-seeds";
import { recordReliability } from "../reliability-record";
import { runLifecycleScenario } from "./faults-lifecycle";
import { archivedEvents, readAggregates, resetStorage, truthOf, uniqueById } from "./harness";

const SEEDS = faultSeeds([11, 12, 13], env.FAULT_SEEDS);

beforeEach(async () => {
  await resetStorage();
  // Injected failures are logged on purpose.
  vi.spyOn(console, "error").mockImplementation(() => {});
  vi.spyOn(console, "warn").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

for (const seed of SEEDS) {
  it(`seed ${seed}: failing sends, crashing jobs, late duplicates — every event once in D1 or R2, counted once`, async ({
    task,
  }) => {
    const result = await runLifecycleScenario(seed);
    const truth = truthOf(result.accepted);
    const stored = await readAggregates();
    const archived = (await Promise.all(result.days.map((day) => archivedEvents(day)))).flat();
    const everywhere = [...stored.storedIds, ...archived.map((e) => String(e.id))];
    const expected = uniqueById(result.accepted).map((e) => e.id);
    const counted = stored.hourly.reduce((n, r) => n + r.requests, 0);
    recordReliability(task, {
      scenario: `lifecycle, seed ${seed}: ingest, consumer, rollup/archive/cleanup, late duplicates`,
      events: result.accepted.length,
      faults: `${result.sends.failed}/${result.sends.total} queue sends failed, ${result.jobCrashes} job crashes, consumer faults ×${result.drained.deliveries}, ${result.lateSent} late (dup + new)`,
      lost: expected.filter((id) => !everywhere.includes(id)).length,
      doubleCounted: Math.max(0, counted - expected.length),
      fiveXx: 0,
    });
    // Cleanup ran: every event of the scenario left D1 for R2.
    expect(archived.length).toBeGreaterThan(0);
    expect(stored.storedIds).toEqual([]);
    expect({ counted, distinct: new Set(everywhere).size, places: everywhere.length }).toEqual({
      counted: expected.length,
      distinct: expected.length,
      places: expected.length,
    });
    expect(stored.hourly).toEqual(truth.hourly);
    expect(everywhere.sort()).toEqual([...expected].sort());
  }, 120_000);
}
