/**
 * The load run's short variant (the full one is `npm run load`): autocannon in a second node
 * process on loopback drives the local stack that `npm start` runs for a few seconds, then every
 * request must be exactly one stored event — in total (health) and per path template and method
 * (stats API) — and no answer may be a 5xx. No timing is asserted: only counts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoUpstream, startDemoUpstream } from "../../scripts/demo-upstream";
import { runCannon } from "../../scripts/load/cannon";
import { checkRoutes, readHealth, routesMatch, waitForDrain } from "../../scripts/load/counts";
import { answeredIn, fiveXxIn } from "../../scripts/load/run";
import { countsByRoute, loadCalls } from "../../scripts/load/traffic";
import { type LocalStack, startLocalStack } from "../../scripts/local-stack";
import { HOUR_MS, hourOf } from "../../worker/src/shared/time";
import { recordReliability } from "../reliability-record";
import { tempStateDir } from "./helpers";

const CONNECTIONS = 8;
const DURATION_S = 6;

describe("load: autocannon from a second process against the local stack", () => {
  let state: Awaited<ReturnType<typeof tempStateDir>>;
  let upstream: DemoUpstream;
  let stack: LocalStack;

  beforeAll(async () => {
    state = await tempStateDir();
    upstream = await startDemoUpstream({ delays: false });
    stack = await startLocalStack({ stateDir: state.dir, port: 0, crons: false, upstreamUrl: upstream.url });
  });
  afterAll(async () => {
    await stack?.stop();
    await upstream?.close();
    await state?.remove();
  });

  it(`stores exactly one event per request after ${DURATION_S} s at ${CONNECTIONS} connections, and answers no 5xx`, async ({
    task,
  }) => {
    const fromMs = hourOf(Date.now());
    const report = await runCannon({ url: stack.url, connections: CONNECTIONS, durationS: DURATION_S });
    const sent = answeredIn(report);
    const drain = await waitForDrain(stack, sent);
    const expected = countsByRoute(loadCalls(), report.answered);
    const routes = await checkRoutes(stack, expected, fromMs, hourOf(Date.now()) + HOUR_MS);
    const health = await readHealth(stack);
    recordReliability(task, {
      scenario: `load: autocannon, ${CONNECTIONS} connections for ${DURATION_S} s, against the local stack (full run: \`npm run load\`)`,
      events: sent,
      faults: "none: sustained concurrent traffic, 7 method/path routes, 2xx and 4xx",
      lost: Math.max(0, sent - drain.stored),
      doubleCounted: Math.max(0, drain.stored - sent),
      fiveXx: fiveXxIn(report),
    });

    expect(report.errors + report.timeouts, "connection errors and timeouts").toBe(0);
    expect(report.sent, "every request sent was answered").toBe(sent);
    expect(fiveXxIn(report)).toBe(0);
    expect(drain.stored).toBe(sent);
    expect(expected.length).toBe(7);
    expect(routesMatch(routes), JSON.stringify(routes)).toBe(true);
    expect(health.rejected.total + health.deadLetters.total).toBe(0);
  });
});
