/**
 * The pure parts of the load run (scripts/load/): the memory verdict, the per-route ground
 * truth, and how the Load section is put into docs/reliability.md without touching the rest.
 */
import { describe, expect, it } from "vitest";
import { memoryVerdict, type RssSample } from "../../scripts/load/memory";
import { withLoadSection } from "../../scripts/load/report";
import { addRouteCounts, countsByRoute, loadCalls } from "../../scripts/load/traffic";

/** One sample a second for `seconds` s, RSS given by `mib(second)`. */
const series = (seconds: number, mib: (s: number) => number): RssSample[] =>
  Array.from({ length: seconds }, (_, s) => ({ atMs: s * 1000, rssMiB: mib(s) }));

describe("memoryVerdict", () => {
  it("calls a flat, noisy RSS after warm-up no growth", () => {
    const samples = series(60, (s) => (s < 10 ? 80 + s * 12 : 200 + (s % 3) * 4));
    const v = memoryVerdict(samples, { fromMs: 10_000, toMs: 59_000, requests: 49_000 });
    expect(v).toMatchObject({ idleMiB: 80, grew: false, thresholdMiB: 20 });
    expect(v.growthMiB).toBeLessThanOrEqual(4);
  });

  it("calls a steady climb growth, measured between the first and last 5 s, and per request", () => {
    const samples = series(60, (s) => 200 + s);
    const v = memoryVerdict(samples, { fromMs: 0, toMs: 59_000, requests: 59_000 });
    expect(v.grew).toBe(true);
    expect(v.growthMiB).toBe(54);
    expect(v.peakMiB).toBe(259);
    // 54 MiB over the 54,000 requests between the windows' middles.
    expect(v.kibPerRequest).toBe(1.02);
  });
});

describe("the per-route ground truth", () => {
  it("sums answers per method and template, by status, over phases", () => {
    const calls = loadCalls();
    const answered = calls.map((_, i) => ({ [i % 2 ? "200" : "404"]: 2 }));
    const once = countsByRoute(calls, answered);
    expect(once.reduce((sum, r) => sum + r.requests, 0)).toBe(calls.length * 2);
    const twice = addRouteCounts(once, once);
    expect(twice.map((r) => r.requests)).toEqual(once.map((r) => r.requests * 2));
    expect(twice.map((r) => `${r.method} ${r.template}`)).toEqual(
      once.map((r) => `${r.method} ${r.template}`),
    );
  });

  it("sends no request id, so every request is a distinct event", () => {
    for (const call of loadCalls())
      expect(Object.keys(call.headers).map((h) => h.toLowerCase())).not.toContain("x-request-id");
  });
});

describe("withLoadSection", () => {
  const section = "## Load\n\nnew numbers\n";

  it("replaces the Load section up to the next heading and keeps the rest", () => {
    const doc = "# R\n\n## Scenarios\n\n| a |\n\n## Load\n\nold numbers\nmore\n\n## Every check\n\n- ✓\n";
    expect(withLoadSection(doc, section)).toBe(
      "# R\n\n## Scenarios\n\n| a |\n\n## Load\n\nnew numbers\n\n## Every check\n\n- ✓\n",
    );
  });

  it("puts a new Load section before Every check, or at the end", () => {
    expect(withLoadSection("# R\n\n## Every check\n\n- ✓\n", section)).toBe(
      "# R\n\n## Load\n\nnew numbers\n\n## Every check\n\n- ✓\n",
    );
    expect(withLoadSection("# R\n", section)).toBe("# R\n\n## Load\n\nnew numbers\n\n");
  });
});
