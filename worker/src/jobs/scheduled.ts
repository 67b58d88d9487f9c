/**
 * The Worker's scheduled handler: one entry for every cron of the manifest, dispatched on
 * `controller.cron`, with `controller.scheduledTime` as the job's clock.
 */
import type { Env } from "../env";
import { jobForCron } from "../manifest";
import { runJob } from "./run-job";

export async function scheduled(
  controller: ScheduledController,
  env: Env,
  _ctx: ExecutionContext,
): Promise<void> {
  const job = jobForCron(controller.cron);
  if (!job) {
    // A schedule left over from an older deployment: nothing to run, and nothing to retry.
    console.warn(`pathmeter: no job for cron "${controller.cron}"; ignored`);
    return;
  }
  await runJob(job, env, controller.scheduledTime);
}
