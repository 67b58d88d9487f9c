/**
 * Ops API: `POST /{job}?now=ISO` runs one scheduled job now, as its cron would at time `now`
 * (default: the current time), and answers the job's report.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { isJobName, JOBS } from "../jobs/registry";
import { runJob } from "../jobs/run-job";
import { ApiError } from "../shared/api-error";
import { errorMessage } from "../shared/errors";
import { parseInstant } from "./range";

export const jobsRoutes = new Hono<AppEnv>();

jobsRoutes.post("/:job", async function runJobNow(c) {
  const name = c.req.param("job");
  if (!isJobName(name))
    throw new ApiError(
      400,
      "invalid_parameter",
      `unknown job "${name}"; expected one of ${Object.keys(JOBS).join(", ")}`,
    );
  const raw = c.req.query("now");
  const now = raw === undefined ? Date.now() : parseInstant("now", raw);
  try {
    return c.json(await runJob(name, c.env, now));
  } catch (error) {
    // The failure is recorded in job_runs (health shows it); the caller gets its message.
    const message = errorMessage(error);
    throw new ApiError(500, "internal", `job ${name} failed: ${message}`);
  }
});
