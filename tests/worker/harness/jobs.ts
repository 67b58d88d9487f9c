/**
 * The jobs side of the harness: traffic stored through the real write path, jobs run at chosen
 * times (by the cron's runner, or through the Worker's real `scheduled` export), and the runs they
 * record.
 */
import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import { DAY } from "./events";
import { type CronJob, manifest, runJob, type TrafficEvent, worker, writeEvents } from "./worker";

/** Events per write: keeps the write path's one JSON parameter under D1's 1 MB. */
const LOAD_CHUNK = 2_000;

/** Stores events through the real write path (as the consumer would), without the queue. */
export async function load(events: readonly TrafficEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += LOAD_CHUNK)
    await writeEvents(env.DB, events.slice(i, i + LOAD_CHUNK), { maxPathsPerDay: 2_000 });
}

/**
 * Runs a job at clock `scheduledTime` with the runner the cron dispatch uses (any time, so a test can
 * replay a job off its schedule), or, for a cron expression, invokes the Worker's scheduled export
 * with that cron exactly as the platform would (it runs the jobs due at `scheduledTime`).
 */
export async function runCron(job: CronJob | string, scheduledTime: number): Promise<void> {
  if (job in manifest.crons) {
    await runJob(job as CronJob, env, scheduledTime);
    return;
  }
  const controller = createScheduledController({ cron: job, scheduledTime });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, env, ctx);
  await waitOnExecutionContext(ctx);
}

export interface RecordedRun {
  outcome: string;
  report: { outcome: string; asOf: string; durationMs: number; details: Record<string, unknown> };
}

/** The last run of `job` as recorded in job_runs (what health shows). */
export async function lastRun(job: CronJob): Promise<RecordedRun> {
  const row = await env.DB.prepare("SELECT outcome, report FROM job_runs WHERE job = ?1")
    .bind(job)
    .first<{ outcome: string; report: string }>();
  if (!row) throw new Error(`${job} never ran`);
  return { outcome: row.outcome, report: JSON.parse(row.report) };
}

/** The acceptance window (MAX_EVENT_AGE_DAYS) of the test Worker, in days. */
export const WINDOW_DAYS = Number(env.MAX_EVENT_AGE_DAYS);

/** A time on the day after the day starting at `day` has left the acceptance window: cleanup may empty it. */
export const afterWindow = (day: number): number => day + (WINDOW_DAYS + 1) * DAY;
