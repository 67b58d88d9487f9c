/**
 * The Worker's scheduled handler and the "run what is due" entry of the ops API: both run the jobs
 * that `jobsDueAt` (dispatch.ts) picks for a minute, with that minute as every job's clock.
 */
import type { Env } from "../env";
import { isCronTrigger, jobsDueAt } from "./dispatch";
import { type JobReport, runJob } from "./run-job";

/**
 * Runs every job due at `scheduledTime`, one after another, and returns their reports. A failing
 * job does not stop the ones after it; once all ran, the failures are thrown together so the
 * platform marks the invocation failed (each failure is also recorded in job_runs).
 */
export async function runDueJobs(env: Env, scheduledTime: number): Promise<JobReport[]> {
  const reports: JobReport[] = [];
  const failures: unknown[] = [];
  for (const job of jobsDueAt(scheduledTime)) {
    try {
      reports.push(await runJob(job, env, scheduledTime));
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} scheduled jobs failed`);
  return reports;
}

/**
 * The Worker's `scheduled` export: an invocation of one of the manifest's cron triggers runs every
 * job due at its `scheduledTime`; any other cron (left over from an older deployment) is ignored.
 */
export async function scheduled(
  controller: ScheduledController,
  env: Env,
  _ctx: ExecutionContext,
): Promise<void> {
  if (!isCronTrigger(controller.cron)) {
    // A schedule left over from an older deployment: its jobs already run from the current triggers.
    console.warn(`pathmeter: cron "${controller.cron}" is not a trigger of this Worker; ignored`);
    return;
  }
  await runDueJobs(env, controller.scheduledTime);
}
