/**
 * The query-API scenario of the fault-injection runner (tests/worker/faults-query.ts) for a few
 * seeds: with the Cache API and KV failing at random under the stats API, every stats answer
 * (JSON and CSV) is a 200 with the ground truth's numbers, health answers, and the snapshot job
 * with a KV put failing reports it and publishes on its next run. A failing seed is in the test's
 * name: `npm run test:faults -- -t "query, seed N"`.
 */
import { env } from "cloudflare:test";
import { expect, it, vi } from "vitest";
import { faultSeeds } from "../fault-seeds";
import { recordReliability } from "../reliability-record";
import { runQueryScenario } from "./faults-query";
import { QUERY_FAULTS } from "./faults-query-arm";
import { withFaultScenarioSetup } from "./faults-setup";
import { api } from "./harness";

const SEEDS = faultSeeds([21, 22], env.FAULT_SEEDS);

withFaultScenarioSetup();

for (const seed of SEEDS) {
  it(`query, seed ${seed}: stats answers equal the ground truth while the cache and KV fail`, async ({
    task,
  }) => {
    const result = await runQueryScenario(seed);
    recordReliability(task, {
      scenario: `query API, seed ${seed}: ${result.queries} queries ×2 (JSON/CSV, 4 endpoints) + health, ${result.snapshotRuns.failed} snapshot runs failed and retried`,
      events: result.events,
      faults: QUERY_FAULTS.filter((f) => f !== "none" && result.faults[f] > 0)
        .map((f) => `${f} ×${result.faults[f]}`)
        .concat(
          `snapshot KV put fails ×${result.snapshotRuns.failed}`,
          `(snapshot route: coded 503 while KV get fails ×${result.snapshotUnavailable})`,
        )
        .join(", "),
      lost: 0,
      doubleCounted: 0,
      fiveXx: result.fiveXx,
    });
    expect(result.mismatches).toEqual([]);
    expect(result.fiveXx).toBe(0);
    expect(result.snapshotUnavailable).toBe(result.faults["kv-get-throws"]);
    expect(result.snapshotRuns).toEqual({ failed: 3, published: 3 });
  }, 120_000);
}

it("a cached answer whose body breaks while it is read is a miss: the answer comes from D1", async () => {
  await runQueryScenario(23, { phases: 1, queriesPerPhase: 0 });
  const hour = Date.now() - (Date.now() % 3_600_000);
  const query = `/api/stats/summary?from=${hour - 3_600_000}&to=${hour + 3_600_000}`;
  const first = await api(query);
  expect(first.status).toBe(200);
  const want = await first.json<{ requests: number }>();
  expect(want.requests).toBeGreaterThan(0);
  const realMatch = caches.default.match.bind(caches.default);
  let found = 0;
  vi.spyOn(caches.default, "match").mockImplementation(async (key) => {
    const stored = await realMatch(key);
    if (!stored) return undefined;
    found += 1;
    const broken = new ReadableStream({ pull: (c) => c.error(new Error("injected: cache read failed")) });
    return new Response(broken, { headers: stored.headers });
  });
  const again = await api(query);
  expect(again.status).toBe(200);
  expect(again.headers.get("X-Pathmeter-Cache")).toBe("miss");
  expect(await again.json()).toEqual(want);
  expect(found).toBe(1);
});

it("the snapshot route answers a coded 503 while KV fails, never a 500", async () => {
  vi.spyOn(env.SNAPSHOTS, "get").mockRejectedValue(new Error("injected: KV unavailable"));
  const res = await api("/api/snapshot");
  expect(res.status).toBe(503);
  expect(await res.json()).toEqual({
    error: { code: "unavailable", message: expect.stringContaining("KV") },
  });
});
