/**
 * The compare endpoint against ground truth over the lifecycle fixture: a hot range beside a cold
 * one per path, one method only, the default base, and no error-rate or p95 change where a side
 * has no requests.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { TrafficEvent } from "../../worker/src/event";
import {
  DAY,
  DAYS,
  expectPercentile,
  PATHS,
  setupLifecycle,
  statsJson,
  truthOf,
  within,
} from "./api-stats-fixtures";

let events: TrafficEvent[] = [];

beforeAll(async () => {
  events = await setupLifecycle();
});

const iso = (ms: number) => new Date(ms).toISOString();

describe("compare", () => {
  interface Row {
    path: string;
    method: string;
    current: { requests: number; errorRate: number; p95: number | null };
    base: { requests: number; errorRate: number; p95: number | null };
    change: { requests: number; requestsRatio: number | null; errorRate: number | null; p95: number | null };
  }

  it("puts a hot range beside a cold one per path, with their changes", async () => {
    const current = { from: DAYS.hot, to: DAYS.hot + DAY };
    const base = { baseFrom: DAYS.tiered, baseTo: DAYS.tiered + DAY };
    const body = await statsJson<{ baseFrom: string; paths: Row[] }>("compare", {
      ...current,
      ...base,
      limit: 100,
    });
    expect(body.baseFrom).toBe(iso(DAYS.tiered));
    expect(body.paths).toHaveLength(PATHS.length * 2);
    for (const row of body.paths) {
      const pick = (from: number) =>
        truthOf(
          events.filter((e) => within(from, from + DAY)(e) && e.path === row.path && e.method === row.method),
        );
      const now = pick(DAYS.hot);
      const then = pick(DAYS.tiered);
      expect(row.current.requests).toBe(now.requests);
      expect(row.base.requests).toBe(then.requests);
      expect(row.change.requests).toBe(now.requests - then.requests);
      expect(row.change.requestsRatio).toBeCloseTo(now.requests / then.requests - 1, 12);
      expect(row.change.errorRate ?? Number.NaN).toBeCloseTo(now.errorRate - then.errorRate, 12);
      expectPercentile(row.current.p95, now.p95, `${row.path} current p95`);
      expectPercentile(row.base.p95, then.p95, `${row.path} base p95`);
    }
    const requests = body.paths.map((r) => r.current.requests);
    expect(requests).toEqual([...requests].sort((a, b) => b - a));
  });

  it("compares one method only when asked", async () => {
    const params = { from: DAYS.hot, to: DAYS.hot + DAY, baseFrom: DAYS.cleaned, baseTo: DAYS.cleaned + DAY };
    const body = await statsJson<{ paths: Row[] }>("compare", { ...params, method: "POST", limit: 100 });
    expect(body.paths.map((r) => r.method)).toEqual(PATHS.map(() => "POST"));
    for (const row of body.paths) {
      const count = (from: number) =>
        events.filter((e) => within(from, from + DAY)(e) && e.path === row.path && e.method === "POST")
          .length;
      expect([row.current.requests, row.base.requests]).toEqual([count(DAYS.hot), count(DAYS.cleaned)]);
    }
  });

  it("gives no error-rate or p95 change for a path without requests on one side", async () => {
    // The day after the hot day has no traffic: every path of the base is gone from it.
    const body = await statsJson<{ paths: Row[] }>("compare", {
      from: DAYS.hot + DAY,
      to: DAYS.hot + 2 * DAY,
      baseFrom: DAYS.hot,
      baseTo: DAYS.hot + DAY,
      limit: 100,
    });
    expect(body.paths.length).toBeGreaterThan(0);
    for (const row of body.paths) {
      expect(row.current.requests).toBe(0);
      expect(row.base.requests).toBeGreaterThan(0);
      expect(row.change).toMatchObject({ errorRate: null, p95: null, requestsRatio: -1 });
    }
  });

  it("defaults the base to the range of the same length just before", async () => {
    const body = await statsJson<{ baseFrom: string; baseTo: string; paths: Row[] }>("compare", {
      from: DAYS.hot,
      to: DAYS.hot + DAY,
      limit: 2,
    });
    expect([body.baseFrom, body.baseTo]).toEqual([iso(DAYS.rolledUp), iso(DAYS.hot)]);
    expect(body.paths).toHaveLength(2);
  });
});
