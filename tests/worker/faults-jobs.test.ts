/**
 * The concurrent-jobs scenario of the fault-injection runner (tests/worker/faults-jobs.ts) for a
 * few seeds: with rollup, archive, cleanup and snapshot started at once (by the cron runner, the
 * scheduled handler and the ops endpoint) while consumer batches land under faults, every hourly
 * count equals the ground truth, every event is in D1 or R2 and archived at most once, and no
 * row ever left D1 unarchived. A failing seed is in the test's name:
 * `npm run test:faults -- -t "concurrent jobs, seed N"`.
 */
import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import { faultSeeds } from "../fault-seeds";
import { recordReliability } from "../reliability-record";
import { archivedIds, runConcurrentJobsScenario, STARTERS } from "./faults-jobs";
import { withFaultScenarioSetup } from "./faults-setup";
import { api, readAggregates, truthOf, uniqueById } from "./harness";

const SEEDS = faultSeeds([32], env.FAULT_SEEDS);

withFaultScenarioSetup();

for (const seed of SEEDS) {
  it(`concurrent jobs, seed ${seed}: aggregates equal the ground truth, nothing lost or archived twice`, async ({
    task,
  }) => {
    const result = await runConcurrentJobsScenario(seed);
    const truth = truthOf(result.sent);
    const stored = await readAggregates();
    const archived = await archivedIds(result.days);
    const expected = uniqueById(result.sent).map((e) => e.id);
    const everywhere = new Set([...stored.storedIds, ...archived]);
    const counted = stored.hourly.reduce((n, r) => n + r.requests, 0);
    const starters = STARTERS.map((s) => `${s} ×${result.runs[s]}`).join(", ");
    recordReliability(task, {
      scenario: `concurrent jobs, seed ${seed}: rollup ×${result.runs.rollup}, archive ×${result.runs.archive}, cleanup ×${result.runs.cleanup}, snapshot ×${result.runs.snapshot}, up to ${result.together} at once with consumer batches`,
      events: result.sent.length,
      faults: `concurrent job runs (${starters}), ${result.failedRuns} runs failed and re-run, consumer faults over ${result.drained.deliveries} deliveries, late events and duplicates of archived/cleaned days`,
      lost: expected.filter((id) => !everywhere.has(id)).length,
      doubleCounted: Math.max(0, counted - expected.length),
      fiveXx: result.fiveXx,
    });
    expect(result.violations).toEqual([]);
    expect(result.fiveXx).toBe(0);
    expect(stored.hourly).toEqual(truth.hourly);
    expect([...everywhere].sort()).toEqual([...expected].sort());
    expect(new Set(archived).size).toBe(archived.length);
    // The days left the acceptance window: most events were archived and cleaned on the way.
    expect(archived.length).toBeGreaterThan(expected.length / 2);
    const first = Math.min(...result.sent.map((e) => e.ts));
    const range = `from=${first - (first % 3_600_000)}&to=${Date.now() - (Date.now() % 3_600_000) + 3_600_000}`;
    const summary = await api(`/api/stats/summary?${range}`);
    expect(summary.status).toBe(200);
    expect((await summary.json<{ requests: number }>()).requests).toBe(expected.length);
  }, 180_000);
}
