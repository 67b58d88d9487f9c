/**
 * The seeded fault-injection runner (tests/worker/faults-scenario.ts) for a few seeds: after each
 * scenario every aggregate equals the ground truth of the events sent (each counted once), every
 * event is stored, and nothing is left pending in the dead-letter table. A failing seed is in the
 * test's name: re-run it with `npx vitest run --project worker tests/worker/faults-runner.test.ts -t "seed N"`.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { faultSeeds } from "../fault-seeds";
import { recordReliability } from "../reliability-record";
import { FAULTS, runScenario } from "./faults-scenario";
import { readAggregates, resetStorage, truthOf, uniqueById } from "./harness";

/**
 * Seeds run by `npm test` (and `npm run test:faults`; `FAULT_SEEDS=7,8,9 npm run test:faults` runs
 * others); each scenario sends a few hundred events.
 */
const SEEDS = faultSeeds([1, 2, 3, 4, 5, 6], env.FAULT_SEEDS);

beforeEach(async () => {
  await resetStorage();
  // Injected failures are logged by the consumer on purpose.
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

for (const seed of SEEDS) {
  it(`seed ${seed}: every event counted exactly once under random faults`, async ({ task }) => {
    const result = await runScenario(seed, 150 + 50 * seed);
    const truth = truthOf(result.sent);
    const stored = await readAggregates();
    const pendingDead = await env.DB.prepare(
      "SELECT count(*) AS n FROM dead_letters WHERE replayed_at IS NULL",
    ).first<{ n: number }>();
    const expectedIds = new Set(uniqueById(result.sent).map((e) => e.id));
    const storedIds = new Set(stored.storedIds);
    const counted = stored.hourly.reduce((n, r) => n + r.requests, 0);
    recordReliability(task, {
      scenario: `fault runner, seed ${seed}: ${result.deliveries} deliveries, ${result.deadLettered} dead-lettered and replayed`,
      events: result.sent.length,
      faults: FAULTS.filter((f) => f !== "none" && result.faults[f] > 0)
        .map((f) => `${f} ×${result.faults[f]}`)
        .join(", "),
      lost: [...expectedIds].filter((id) => !storedIds.has(id)).length,
      doubleCounted: Math.max(0, counted - expectedIds.size),
      fiveXx: 0,
    });
    expect(stored).toEqual(truth);
    expect(pendingDead?.n).toBe(0);
  }, 120_000);
}
