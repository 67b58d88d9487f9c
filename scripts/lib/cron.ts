/**
 * Cron schedules on the local clock (UTC), as Cloudflare fires them in production: each
 * schedule of the manifest calls `fire(cron, scheduledTime)` at its times. A schedule whose
 * previous run is still going skips that tick rather than running twice at once.
 */
import { Cron } from "croner";

export interface CronSchedulerOptions {
  /** Cron expressions (5 fields, UTC) to fire. */
  schedules: readonly string[];
  /** Runs one scheduled event; a rejection is reported through `onError`, never thrown. */
  fire: (cron: string, scheduledTime: Date) => Promise<void>;
  onError: (cron: string, error: unknown) => void;
}

export interface CronScheduler {
  /** The next time each schedule fires. */
  nextRuns(): { cron: string; next: Date | null }[];
  stop(): void;
}

const MINUTE_MS = 60_000;

/** Starts one croner job per distinct schedule. */
export function startCronScheduler(options: CronSchedulerOptions): CronScheduler {
  const jobs = [...new Set(options.schedules)].map(
    (cron) =>
      new Cron(cron, { timezone: "UTC", protect: true, mode: "5-part" }, async () => {
        // Cloudflare hands the handler the scheduled minute, not the moment the timer woke up.
        const scheduledTime = new Date(Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS);
        try {
          await options.fire(cron, scheduledTime);
        } catch (error) {
          options.onError(cron, error);
        }
      }),
  );
  return {
    nextRuns: () => jobs.map((job) => ({ cron: job.getPattern() ?? "", next: job.nextRun() })),
    stop: () => {
      for (const job of jobs) job.stop();
    },
  };
}
