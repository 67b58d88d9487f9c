/**
 * The local-stack scenario of the fault-injection runner (tests/e2e/faults-stack.ts): traffic
 * through `npm start`'s gateway and ingest API, SIGTERM part-way through the load (and a Ctrl-C
 * while it drains), a restart on
 * the same state directory and the rest of the load; then every request the upstream received and
 * every ingest id is counted exactly once, in health and per path in the stats API. A failing
 * seed is in the test's name: `npx vitest run --project e2e tests/e2e/faults-stack.test.ts -t "seed N"`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, it } from "vitest";
import { faultSeeds } from "../fault-seeds";
import { recordReliability } from "../reliability-record";
import { countingUpstream, planLoad, runLoad, startNpm, TOKEN } from "./faults-stack";
import { adminApi, floorHour, HOUR_MS, tempStateDir, waitForEventsStored } from "./helpers";
import { descendantsNamed, type StartedNpm } from "./start-process";

const SEEDS = faultSeeds([41], process.env.FAULT_SEEDS);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Resolves once `pattern` is in the output, or rejects with the output after `timeoutMs`. */
async function outputMatches(started: StartedNpm, pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(25))
    if (pattern.test(started.output())) return;
  throw new Error(`npm start never printed ${pattern}; its output:\n${started.output()}`);
}

/**
 * SIGTERM to `npm start`'s process group (as a terminal's job control would), then a Ctrl-C
 * (SIGINT) to the group while the first drain runs, then its end. The stack's own process (the
 * newest node under npm) is stopped while the first signal arrives, as a busy machine delays it:
 * no process in between may give up waiting and SIGKILL it before it drains (tsx's signal relay
 * did, after 30 ms); and the second signal must not cut the drain short.
 */
async function terminate(started: StartedNpm): Promise<void> {
  const pid = started.child.pid ?? 0;
  const stack = Math.max(...(await descendantsNamed(pid, "node")));
  process.kill(stack, "SIGSTOP");
  process.kill(-pid, "SIGTERM");
  await sleep(300);
  try {
    process.kill(stack, "SIGCONT");
    await outputMatches(started, /SIGTERM: storing queued events/);
    process.kill(-pid, "SIGINT");
  } catch {
    // Already gone: killed while it was stopped, or stopped before the second signal; the
    // output checks below fail.
  }
  await started.exited;
}

/** Starts npm start and makes sure nothing of it outlives the test. */
async function start(stateDir: string, upstreamUrl: string) {
  const stack = await startNpm(stateDir, upstreamUrl);
  cleanups.push(async () => {
    const { child } = stack.started;
    if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid ?? 0), "SIGKILL");
  });
  return { ...stack, adminToken: TOKEN };
}

for (const seed of SEEDS) {
  it(`seed ${seed}: SIGTERM mid-load, SIGINT while it drains and a restart lose and double-count nothing`, async ({
    task,
  }) => {
    const upstream = await countingUpstream();
    cleanups.push(() => new Promise((resolve) => upstream.server.close(() => resolve())));
    const state = await tempStateDir();
    cleanups.push(state.remove);
    const now = Date.now();
    const ops = planLoad(seed, now);
    const tally = { fiveXx: 0 };

    const first = await start(state.dir, upstream.url);
    let terminated: Promise<void> = Promise.resolve();
    const outcomes = await runLoad(first, ops, tally, Math.floor(ops.length * 0.4), () => {
      terminated = terminate(first.started);
    });
    await terminated;
    expect(first.started.output()).toMatch(/SIGINT: already stopping; still storing queued events/);
    expect(first.started.output()).toMatch(/queue drained after \d+ ms/);

    // The rest after a restart: what never started, and ingest batches without a 202 (same ids).
    const second = await start(state.dir, upstream.url);
    const rest = ops.filter(
      (op, i) => outcomes[i] === "not-started" || (op.kind === "ingest" && outcomes[i] !== "done"),
    );
    const retried = await runLoad(second, rest, tally);
    expect(retried.filter((o) => o !== "done")).toEqual([]);

    const ingested = ops.flatMap((op) => (op.kind === "ingest" ? op.events : []));
    const proxied = [...upstream.counts.values()].reduce((a, b) => a + b, 0);
    const expected = proxied + ingested.length;
    let stored = -1;
    try {
      await waitForEventsStored(second, expected, 30_000);
    } finally {
      stored = (await adminApi(second).health()).eventsStored;
      recordReliability(task, {
        scenario: `local stack (npm start), seed ${seed}: gateway + ingest load, SIGTERM part-way, SIGINT while it drains, restart on the same state`,
        events: expected,
        faults: `SIGTERM (the stack's process stopped 300 ms as it arrives), then SIGINT during the drain, after ${outcomes.filter((o) => o === "done").length} of ${ops.length} requests/batches (8 in flight); ${rest.length} sent after the restart`,
        lost: Math.max(0, expected - stored),
        doubleCounted: Math.max(0, stored - expected),
        fiveXx: tally.fiveXx,
      });
    }
    expect(stored).toBe(expected);
    expect(tally.fiveXx).toBe(0);

    // Per path, through the stats API: the upstream's counts and the ingested events.
    const range = `from=${floorHour(now) - 2 * HOUR_MS}&to=${floorHour(now) + 2 * HOUR_MS}`;
    const { paths } = await adminApi(second).getJson<{ paths: { path: string; requests: number }[] }>(
      `/api/stats/paths?${range}&limit=1000`,
    );
    const byPath = new Map<string, number>();
    for (const p of paths) byPath.set(p.path, (byPath.get(p.path) ?? 0) + p.requests);
    const want = new Map(upstream.counts);
    for (const e of ingested) want.set(e.path, (want.get(e.path) ?? 0) + 1);
    expect(Object.fromEntries(byPath)).toEqual(Object.fromEntries(want));
  });
}
