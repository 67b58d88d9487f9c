/**
 * `GET /_pathmeter/api/stats/summary` over HTTP (the Worker's own fetch), after traffic went
 * through the real queue consumer: exact counts, p50/p95/p99 within 1% of the nearest-rank truth,
 * whole-hour alignment and the default range. Bad ranges and tokens: api-summary-errors.test.ts.
 */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { TrafficEvent } from "../../worker/src/event";
import {
  deliver,
  EVENTS_QUEUE,
  generateEvents,
  HOUR,
  messagesOf,
  resetStorage,
  summaryTruth,
} from "./harness";

const T0 = Date.UTC(2026, 10, 20, 8);
const traffic = generateEvents({
  prefix: "sum",
  count: 600,
  seed: 40,
  startMs: T0,
  spanMs: 6 * HOUR,
  clients: 25,
});
const recent = generateEvents({
  prefix: "now",
  count: 150,
  seed: 41,
  startMs: Date.now() - 4 * HOUR,
  spanMs: 3 * HOUR,
});
const stale = generateEvents({
  prefix: "old",
  count: 50,
  seed: 42,
  startMs: Date.now() - 30 * HOUR,
  spanMs: 3 * HOUR,
});

const summaryUrl = (query = "") => `http://gateway.test/_pathmeter/api/stats/summary${query}`;
const get = (url: string, token: string | null = env.ADMIN_TOKEN) =>
  SELF.fetch(url, { headers: token === null ? {} : { Authorization: `Bearer ${token}` } });

interface SummaryBody {
  from: string;
  to: string;
  requests: number;
  errors4xx: number;
  errors5xx: number;
  errorRate: number;
  latencyMs: Record<"p50" | "p95" | "p99" | "avg" | "max", number | null>;
  uniqueClients: number;
  paths: number;
}

/** Asserts the endpoint's summary equals the truth: exact counts, percentiles within 1%. */
function expectSummary(body: SummaryBody, expected: ReturnType<typeof summaryTruth>) {
  expect(expected.requests).toBeGreaterThan(50);
  expect(body).toMatchObject({
    requests: expected.requests,
    errors4xx: expected.errors4xx,
    errors5xx: expected.errors5xx,
    uniqueClients: expected.uniqueClients,
    paths: expected.paths,
    latencyMs: { max: expected.max },
  });
  expect(body.errorRate).toBeCloseTo(expected.errorRate, 12);
  expect(body.latencyMs.avg).toBeCloseTo(expected.avg ?? Number.NaN, 3);
  for (const p of ["p50", "p95", "p99"] as const) {
    const [got, want] = [body.latencyMs[p] ?? Number.NaN, expected[p] ?? Number.NaN];
    expect(Math.abs(got - want), `${p}: ${got} vs ${want}`).toBeLessThanOrEqual(0.01 * want + 1e-9);
  }
}

beforeAll(async () => {
  await resetStorage();
  const deliverAll = async (events: readonly TrafficEvent[], prefix: string) => {
    for (let i = 0; i < events.length; i += 100)
      await deliver(EVENTS_QUEUE, messagesOf(events.slice(i, i + 100), `${prefix}${i}`));
  };
  // The T0 traffic is delivered as of its own day (the consumer rejects events older than the
  // acceptance window), the recent traffic at the real clock (it rejects events in the future).
  const clock = vi.spyOn(Date, "now").mockReturnValue(T0 + 24 * HOUR);
  await deliverAll([...traffic, ...traffic.slice(0, 80)], "t");
  clock.mockRestore();
  await deliverAll([...recent, ...stale], "r");
});

describe("GET /_pathmeter/api/stats/summary", () => {
  it("answers a range with exact counts and percentiles within 1%, aligned to whole hours", async () => {
    const res = await get(summaryUrl("?from=2026-11-20T10:30:00Z&to=2026-11-20T12:10:00.000Z"));
    expect(res.status).toBe(200);
    const body = await res.json<SummaryBody>();
    expect([body.from, body.to]).toEqual(["2026-11-20T10:00:00.000Z", "2026-11-20T13:00:00.000Z"]);
    expectSummary(body, summaryTruth(traffic, T0 + 2 * HOUR, T0 + 5 * HOUR));
  });

  it("reads epoch milliseconds and zone offsets as the same instants", async () => {
    const iso = await (await get(summaryUrl(`?from=2026-11-20T08:00Z&to=2026-11-20T14:00:00Z`))).json();
    const epoch = await (await get(summaryUrl(`?from=${T0}&to=${T0 + 6 * HOUR}`))).json();
    const offset = await (
      await get(summaryUrl("?from=2026-11-20T10:00%2B02:00&to=2026-11-20T09:00:00-05:00"))
    ).json();
    expect(epoch).toEqual(iso);
    expect(offset).toEqual(iso);
    // A "+" left unencoded reaches the Worker as a space; it still means the offset.
    const unencoded = await (
      await get(summaryUrl("?from=2026-11-20T10:00+0200&to=2026-11-20T14:00Z"))
    ).json();
    expect(unencoded).toEqual(iso);
    expectSummary(iso as SummaryBody, summaryTruth(traffic, T0, T0 + 6 * HOUR));
  });

  it("defaults to the 24 hours ending at the next hour boundary", async () => {
    const before = Date.now();
    const body = await (await get(summaryUrl())).json<SummaryBody>();
    const after = Date.now();
    const nextBoundary = (ms: number) => Math.floor(ms / HOUR) * HOUR + HOUR;
    const to = Date.parse(body.to);
    expect([nextBoundary(before), nextBoundary(after)]).toContain(to);
    expect(Date.parse(body.from)).toBe(to - 24 * HOUR);
    expectSummary(body, summaryTruth([...traffic, ...recent, ...stale], to - 24 * HOUR, to));
  });

  it("answers zeros and null latencies for a range without traffic", async () => {
    const body = await (await get(summaryUrl("?from=2026-11-19T00:00:00Z&to=2026-11-19T06:00:00Z"))).json();
    expect(body).toEqual({
      from: "2026-11-19T00:00:00.000Z",
      to: "2026-11-19T06:00:00.000Z",
      requests: 0,
      errors4xx: 0,
      errors5xx: 0,
      errorRate: 0,
      latencyMs: { p50: null, p95: null, p99: null, avg: null, max: null },
      uniqueClients: 0,
      paths: 0,
    });
  });
});
