/**
 * What every job is: a function of (env, config, clock) that does its work idempotently and
 * returns what it did. The runner (run-job.ts) adds timing and records the run in job_runs.
 */
import type { Config } from "../config";
import type { Env } from "../env";

export interface JobContext {
  env: Env;
  config: Config;
  /** The job's clock (controller.scheduledTime, or `now` of the ops endpoint), epoch ms. */
  now: number;
}

/** ok: all done; warning: done, but something needs a human (refused day, capacity past 80%). */
export type JobOutcome = "ok" | "warning";

export interface JobResult {
  outcome: JobOutcome;
  /** Job-specific counts and findings, shown by the ops endpoint and in health. */
  details: Record<string, unknown>;
}

export type JobFn = (context: JobContext) => Promise<JobResult>;
