/**
 * End to end on the local stack that `npm start` runs (the same `startLocalStack`): real HTTP
 * traffic through the gateway (to the built-in demo API) and through the ingest API (with
 * duplicate ids within and across requests), then the summary must equal a ground truth computed
 * here — exact counts, p95 within 1% — and a restart on the same state directory keeps it all.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../scripts/local-stack";
import {
  adminApi,
  floorHour,
  HOUR_MS,
  mapConcurrent,
  nearestRank,
  type Summary,
  tempStateDir,
  waitForEventsStored,
  withinOnePercent,
} from "./helpers";
import {
  count,
  emptyTruth,
  GATEWAY_IPS,
  gatewayCalls,
  INGEST_PATHS,
  ingestEvents,
  merge,
  type Truth,
} from "./pipeline-traffic";

const truthOfSummary = (truth: Truth) => ({
  requests: truth.requests,
  errors4xx: truth.errors4xx,
  errors5xx: truth.errors5xx,
  uniqueClients: truth.clients.size,
  paths: truth.templates.size,
});

function expectSummaryMatches(summary: Summary, truth: Truth): void {
  expect(summary).toMatchObject(truthOfSummary(truth));
  const p95 = nearestRank(truth.durations, 0.95);
  expect(withinOnePercent(summary.latencyMs.p95, p95), `p95 ${summary.latencyMs.p95} vs exact ${p95}`).toBe(
    true,
  );
  expect(summary.latencyMs.max).toBe(Math.max(...truth.durations));
}

describe("local stack, end to end", () => {
  let state: Awaited<ReturnType<typeof tempStateDir>>;
  let stack: LocalStack;
  const start = () => startLocalStack({ stateDir: state.dir, port: 0, crons: false });
  /** Set by the first test, checked again after the restart. */
  let before: { ranges: [number, number][]; summaries: Summary[]; eventsStored: number } | undefined;

  beforeAll(async () => {
    state = await tempStateDir();
    stack = await start();
  });
  afterAll(async () => {
    await stack?.stop();
    await state?.remove();
  });

  it("counts gateway and ingest traffic exactly once, as the ground truth says", async () => {
    const gatewayFrom = floorHour(Date.now());
    const calls = gatewayCalls().map((call, i) => ({
      ...call,
      ip: GATEWAY_IPS[i % GATEWAY_IPS.length] ?? "",
    }));
    const statuses = await mapConcurrent(calls, 6, async (call) => {
      const res = await fetch(`${stack.url}${call.path}`, {
        method: call.method,
        headers: { "CF-Connecting-IP": call.ip },
        body: call.body,
      });
      await res.arrayBuffer();
      return res.status;
    });
    const gateway = emptyTruth();
    for (const [i, call] of calls.entries()) count(gateway, statuses[i] ?? 0, call.ip, call.template);
    expect(new Set(statuses)).toEqual(new Set([200, 201, 400, 404, 422, 500]));
    const gatewayTo = floorHour(Date.now()) + HOUR_MS;

    const ingestHour = floorHour(Date.now()) - 3 * HOUR_MS;
    const { withIds, derivedIds } = ingestEvents(ingestHour);
    const api = adminApi(stack);
    const answers = [
      await api.ingest([...withIds.slice(0, 40), ...withIds.slice(5, 10)]),
      await api.ingest(withIds.slice(30), "ndjson"),
      await api.ingest(derivedIds),
      await api.ingest([...derivedIds, ...withIds.slice(0, 3)], "ndjson"),
    ];
    for (const answer of answers) expect(answer).toMatchObject({ status: 202, body: { rejected: [] } });

    const ingest = emptyTruth();
    for (const e of [...withIds, ...derivedIds]) {
      const client = "clientIp" in e ? `ip:${e.clientIp}` : `hash:${e.clientHash}`;
      const template = INGEST_PATHS.find((p) => p.raw === e.path)?.template ?? "/v1/search";
      count(ingest, e.status, client, template);
      ingest.durations.push(e.durationMs);
    }

    await waitForEventsStored(stack, calls.length + ingest.requests);

    // The gateway measures durations inside workerd; the stored detail rows are their only record.
    const db = await stack.mf.getD1Database("DB");
    const rows = await db
      .prepare("SELECT duration_ms AS d FROM traffic_events WHERE source = 'gateway'")
      .all<{ d: number }>();
    gateway.durations = rows.results.map((r) => r.d);
    expect(gateway.durations).toHaveLength(calls.length);

    const ranges: [number, number][] = [
      [gatewayFrom, gatewayTo],
      [ingestHour, ingestHour + HOUR_MS],
      [ingestHour, gatewayTo],
    ];
    const summaries = await Promise.all(ranges.map(([from, to]) => api.summary(from, to)));
    const [gatewaySummary, ingestSummary, wholeSummary] = summaries as [Summary, Summary, Summary];
    expectSummaryMatches(gatewaySummary, gateway);
    expectSummaryMatches(ingestSummary, ingest);
    expectSummaryMatches(wholeSummary, merge(gateway, ingest));
    before = { ranges, summaries, eventsStored: calls.length + ingest.requests };
  });

  it("keeps every event and client identity after a restart on the same state directory", async () => {
    if (!before) throw new Error("the first test did not get far enough to compare against");
    await stack.stop();
    stack = await start();
    const api = adminApi(stack);
    expect((await api.health()).eventsStored).toBe(before.eventsStored);
    expect(await Promise.all(before.ranges.map(([from, to]) => api.summary(from, to)))).toEqual(
      before.summaries,
    );

    // A known client and a new one: the persisted salt must hash the known one as before.
    for (const ip of [GATEWAY_IPS[0] ?? "", "198.51.100.99"]) {
      const res = await fetch(`${stack.url}/health`, { headers: { "CF-Connecting-IP": ip } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    await waitForEventsStored(stack, before.eventsStored + 2);
    const [from] = before.ranges[0] ?? [0];
    const after = await api.summary(from, floorHour(Date.now()) + HOUR_MS);
    const gatewayBefore = before.summaries[0];
    expect(after.requests).toBe((gatewayBefore?.requests ?? 0) + 2);
    expect(after.uniqueClients).toBe((gatewayBefore?.uniqueClients ?? 0) + 1);
  });
});
