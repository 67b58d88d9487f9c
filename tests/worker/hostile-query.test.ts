/**
 * Hostile query parameters (issue 12), property-based, on every route of the reserved route table
 * but ingest (which has its own suite): `from`/`to` and every other parameter the API reads, with
 * hostile values (huge numbers, impossible dates, unicode, empty), repeated, or unknown. Each answer
 * is a success or a 4xx with an error code — never a 5xx — over a pipeline holding real data.
 */
import fc from "fast-check";
import { afterEach, beforeAll, expect, it, vi } from "vitest";
import { recordReliability } from "../reliability-record";
import { TEST_SECRETS } from "../secrets";
import { protectedRoutes } from "./access-routes";
import { callWorker, generateEvents, load, resetStorage } from "./harness";
import { hostileQuery, RUNS } from "./hostile-arbitraries";

/** Every query parameter a stats, ops or archive route reads (and a few it does not). */
const PARAMETER_NAMES = [
  "from",
  "to",
  "now",
  "limit",
  "sort",
  "method",
  "path",
  "granularity",
  "format",
  "baseFrom",
  "baseTo",
  "cursor",
  "status",
];

const routes = protectedRoutes().filter((r) => r.path !== "/ingest");

beforeAll(async () => {
  await resetStorage();
  await load(generateEvents({ prefix: "hostile-query", count: 500, startMs: Date.now() - 6 * 3_600_000 }));
});
afterEach(() => vi.restoreAllMocks());

it("every route answers any query string with a success or a coded 4xx, never a 5xx", async ({ task }) => {
  expect(routes.length).toBeGreaterThan(5);
  const tally = { requests: 0, fiveXx: 0 };
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...routes), hostileQuery(PARAMETER_NAMES), async (route, query) => {
      const request = new Request(`http://gateway.test/_pathmeter${route.path}?${query}`, {
        method: route.method,
        headers: { Authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` },
      });
      const { response, body } = await callWorker(request);
      tally.requests += 1;
      if (response.status >= 500) tally.fiveXx += 1;
      const label = `${route.method} ${route.path}?${query} → ${response.status} ${body.slice(0, 200)}`;
      expect(response.status, label).toBeLessThan(500);
      if (response.status >= 400) {
        const { error } = JSON.parse(body) as { error: { code: string; message: string } };
        expect(error.code, label).toMatch(/^[a-z][A-Za-z_]*$/);
        expect(error.message.length, label).toBeGreaterThan(0);
      }
    }),
    { ...RUNS, numRuns: RUNS.numRuns * 4 },
  );
  recordReliability(task, {
    scenario: `query parameters on ${routes.length} reserved routes`,
    events: tally.requests,
    faults: "hostile from/to/now/limit/...: huge, impossible dates, unicode, empty, repeated, unknown",
    lost: 0,
    doubleCounted: 0,
    fiveXx: tally.fiveXx,
  });
}, 60_000);
