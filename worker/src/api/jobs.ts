/**
 * Ops API: `POST /{job}?now=ISO` runs one scheduled job now, as its cron would at time `now`
 * (default: the current time), and answers the job's report. `POST /?now=ISO` runs what a cron
 * invocation at `now` would run (the same dispatch as the scheduled handler) and answers
 * `{asOf, jobs: [report, ...]}`.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { isJobName, JOBS } from "../jobs/registry";
import { runJob } from "../jobs/run-job";
import { runDueJobs } from "../jobs/scheduled";
import { ApiError } from "../shared/api-error";
import { errorMessage } from "../shared/errors";
import { parseInstant } from "./range";

export const jobsRoutes = new Hono<AppEnv>();

/** `now` of the query as epoch ms (default: the current time); 400 when it is not a time. */
const nowOf = (raw: string | undefined): number =>
  raw === undefined ? Date.now() : parseInstant("now", raw);

/** A failure is recorded in job_runs (health shows it); the caller gets its message. */
function jobFailed(what: string, error: unknown): ApiError {
  return new ApiError(500, "internal", `${what} failed: ${errorMessage(error)}`);
}

jobsRoutes.post("/", async function runDueJobsNow(c) {
  const now = nowOf(c.req.query("now"));
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
  const now = nowOf(c.req.query("now"));
  try {
    return c.json(await runJob(name, c.env, now));
  } catch (error) {
    throw jobFailed(`job ${name}`, error);
  }
});
