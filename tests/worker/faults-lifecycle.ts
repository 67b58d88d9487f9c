/**
 * The seeded lifecycle scenario of the fault-injection runner: events of days past the hot window
 * are ingested while queue sends fail at random (the gateway-side fallback writes them to D1
 * directly), the queue is drained under consumer faults (faults-scenario.ts), then rollup, archive
 * and cleanup each may crash half-way (a D1 statement or an R2 write failing) and are re-run — once
 * while the days are archived but still in the acceptance window (late duplicates and late new
 * events arrive then), and once after the window (the days are cleaned; duplicates arrive again,
 * through ingest and straight to the consumer). Every event must end in R2 exactly once, counted once.
 */
import { env } from "cloudflare:test";
import { vi } from "vitest";
import type { TrafficEvent } from "../../worker/src/event";
import type { CronJob } from "../../worker/src/manifest";
import { type DrainContext, drain, drainContext } from "./faults-scenario";
import { callWorker, captureQueue, DAY, generateEvents, HOUR, ingestRequest, runCron } from "./harness";

export interface LifecycleResult {
  /** Every event ingest accepted (duplicates included). */
  accepted: TrafficEvent[];
  /** Days the scenario's events fall on, YYYY-MM-DD. */
  days: string[];
  sends: { total: number; failed: number };
  jobCrashes: number;
  lateSent: number;
  drained: DrainContext["result"];
}

const JOBS: CronJob[] = ["rollup", "archive", "cleanup"];

/** The ingest API's shape of an event (the id kept, so duplicates are recognisable). */
const toIngest = (e: TrafficEvent) => ({
  id: e.id,
  ts: e.ts,
  method: e.method,
  path: e.path,
  status: e.status,
  durationMs: e.durationMs,
  bytes: e.bytes,
  clientHash: e.clientHash,
});

/** Ingests events in chunks, some sends failing; returns the accepted ones. */
async function ingestAll(
  events: readonly TrafficEvent[],
  context: DrainContext,
  sends: LifecycleResult["sends"],
) {
  const queue = captureQueue();
  const accepted: TrafficEvent[] = [];
  for (let i = 0; i < events.length; i += 40) {
    const chunk = events.slice(i, i + 40);
    sends.total += 1;
    if (context.rand() < 0.3) {
      sends.failed += 1;
      queue.sendBatch.mockRejectedValueOnce(new Error("Queue send failed: injected"));
    }
    const { response, body } = await callWorker(ingestRequest(JSON.stringify(chunk.map(toIngest))));
    if (response.status !== 202) throw new Error(`ingest answered ${response.status}: ${body}`);
    const refused = new Set(
      (JSON.parse(body) as { rejected: { index: number }[] }).rejected.map((r) => r.index),
    );
    accepted.push(...chunk.filter((_, j) => !refused.has(j)));
  }
  // Whatever reached the queue (a failed send may have enqueued part of its chunk) is delivered too.
  const bodies = queue.bodies();
  queue.sendBatch.mockRestore();
  queue.send.mockRestore();
  await drain(
    bodies.map((body, i) => ({ id: `${context.prefix}-${sends.total}-${i}`, body, attempts: 1 })),
    context,
  );
  return accepted;
}

/** Arms a crash half-way through the next job: the k-th D1 statement prepared, or an R2 write. */
function armJobCrash(rand: () => number): () => void {
  if (rand() < 0.5) {
    const put = vi.spyOn(env.ARCHIVE, "put").mockRejectedValueOnce(new Error("R2: injected write failure"));
    return () => put.mockRestore();
  }
  const prepare = env.DB.prepare.bind(env.DB);
  const crashAt = 1 + Math.floor(rand() * 12);
  let calls = 0;
  const spy = vi.spyOn(env.DB, "prepare").mockImplementation((sql: string) => {
    calls += 1;
    if (calls === crashAt) throw new Error("injected crash half-way through the job");
    return prepare(sql);
  });
  return () => spy.mockRestore();
}

/** Runs each job as of `now`, some crashing half-way first, then twice more (finishing and idempotent). */
async function runJobsWithCrashes(
  jobs: readonly CronJob[],
  now: number,
  rand: () => number,
  crashes: { count: number },
): Promise<void> {
  for (const job of jobs) {
    if (rand() < 0.6) {
      crashes.count += 1;
      const restore = armJobCrash(rand);
      await runCron(job, now).catch(() => {});
      restore();
    }
    await runCron(job, now);
    await runCron(job, now);
  }
}

/** Runs one seeded lifecycle scenario (see the module comment). */
export async function runLifecycleScenario(seed: number): Promise<LifecycleResult> {
  const context = drainContext(seed, `life${seed}`);
  const { rand } = context;
  const now = Date.now();
  const today = now - (now % DAY);
  const hotDays = Number(env.HOT_DAYS);
  // Days old enough to archive, young enough to ingest (MAX_EVENT_AGE_DAYS).
  const startMs = today - (hotDays + 3) * DAY + HOUR;
  const events = generateEvents({ prefix: `life-${seed}`, count: 400, seed, startMs, spanMs: 2 * DAY });
  const sends = { total: 0, failed: 0 };
  const accepted = await ingestAll(events, context, sends);

  // Phase 1, as of now: the days are archived (older than HOT_DAYS) but still in the window.
  const jobCrashes = { count: 0 };
  await runJobsWithCrashes(["rollup", "archive", "cleanup"], now, rand, jobCrashes);
  // Late duplicates while their rows still dedupe them, and new late events of those days.
  const duplicates = accepted.filter(() => rand() < 0.2);
  const late = generateEvents({
    prefix: `late-${seed}`,
    count: 30,
    seed: seed + 1,
    startMs,
    spanMs: 2 * DAY,
  });
  const lateAccepted = await ingestAll([...duplicates, ...late], context, sends);

  // Phase 2, once the days have left the acceptance window: archived again if needed, cleaned.
  const later = now + (Number(env.MAX_EVENT_AGE_DAYS) + 1) * DAY;
  vi.spyOn(Date, "now").mockReturnValue(later);
  await runJobsWithCrashes(JOBS, later, rand, jobCrashes);
  // Duplicates of cleaned events, through ingest and straight to the consumer (a delayed message).
  const cleanedDuplicates = [...accepted, ...lateAccepted].filter(() => rand() < 0.1);
  const afterCleanup = await ingestAll(cleanedDuplicates, context, sends);
  await drain(
    cleanedDuplicates.map((body, i) => ({ id: `${context.prefix}-late-${i}`, body, attempts: 1 })),
    context,
  );
  for (const job of JOBS) await runCron(job, later);
  vi.mocked(Date.now).mockRestore();

  const days = [...new Set(events.map((e) => new Date(e.ts).toISOString().slice(0, 10)))].sort();
  return {
    accepted: [...accepted, ...lateAccepted, ...afterCleanup],
    days,
    sends,
    jobCrashes: jobCrashes.count,
    lateSent: duplicates.length + late.length + 2 * cleanedDuplicates.length,
    drained: context.result,
  };
}
