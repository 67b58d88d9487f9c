/**
 * Ops API: `POST /{job}?now=ISO` runs one scheduled job now, as its cron would at time `now`
 * (default: the current time; a future one only with `future=allow`), and answers the job's
 * report. `POST /?now=ISO` runs what a cron invocation at `now` would run (the same dispatch as
 * the scheduled handler) and answers `{asOf, jobs: [report, ...]}`.
 */
import { type Context, Hono } from "hono";
import type { AppEnv } from "../app-env";
import { isJobName, JOBS } from "../jobs/registry";
import { runJob } from "../jobs/run-job";
import { runDueJobs } from "../jobs/scheduled";
import { MAX_CLOCK_SKEW_MS } from "../shared/acceptance-window";
import { ApiError } from "../shared/api-error";
import { errorMessage } from "../shared/errors";
import { parseInstant } from "./range";

export const jobsRoutes = new Hono<AppEnv>();

/** How far ahead of the Worker's clock `now` may be without `future=allow` (clock skew). */
const MAX_AHEAD_MS = MAX_CLOCK_SKEW_MS;

/**
 * `now` of the query as epoch ms (default: the current time); 400 when it is not a time, or when
 * it lies ahead of the current time without `future=allow`. A run in the future is a typo in
 * production, and not a harmless one: cleanup would drop days the ingest API still accepts (their
 * rows are the dedupe record), rollup would tier days still open. Tests and drills opt in.
 */
function nowOf(c: Context<AppEnv>): number {
  const raw = c.req.query("now");
  if (raw === undefined) return Date.now();
  const now = parseInstant("now", raw);
  const future = c.req.query("future");
  if (future !== undefined && future !== "allow")
    throw new ApiError(400, "invalid_parameter", `future must be "allow", got ${JSON.stringify(future)}`);
  const ahead = now - Date.now();
  if (ahead > MAX_AHEAD_MS && future !== "allow")
    throw new ApiError(
      400,
      "invalid_parameter",
      `now is ${Math.round(ahead / 60_000)} minutes ahead of the current time; a job run in the future can ` +
        "clean up days the ingest API still accepts. Add future=allow to run it anyway (tests, drills)",
    );
  return now;
}

/** A failure is recorded in job_runs (health shows it); the caller gets its message. */
function jobFailed(what: string, error: unknown): ApiError {
  return new ApiError(500, "internal", `${what} failed: ${errorMessage(error)}`);
}

jobsRoutes.post("/", async function runDueJobsNow(c) {
  const now = nowOf(c);
  try {
    return c.json({ asOf: new Date(now).toISOString(), jobs: await runDueJobs(c.env, now) });
  } catch (error) {
    throw jobFailed("scheduled jobs", error);
  }
});

jobsRoutes.post("/:job", async function runJobNow(c) {
  const name = c.req.param("job");
  if (!isJobName(name))
    throw new ApiError(
      400,
      "invalid_parameter",
      `unknown job "${name}"; expected one of ${Object.keys(JOBS).join(", ")}`,
    );
  const now = nowOf(c);
  try {
    return c.json(await runJob(name, c.env, now));
  } catch (error) {
    throw jobFailed(`job ${name}`, error);
  }
});
