/**
 * The stats API: summary, leaderboard (paths), time series and compare, declared with zod +
 * @hono/zod-openapi so the same schemas validate requests and generate the OpenAPI document.
 * Handlers are thin: align the range, read (db/stats-*.ts through the readers here), answer
 * JSON; the cache middleware turns it into CSV when asked and caches it.
 */
import { createRoute, OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { canonicalTemplate } from "../event/normalise";
import { errorBody } from "../shared/api-error";
import { DAY_MS, HOUR_MS, isoTime } from "../shared/time";
import { type CachePolicy, statsCache } from "./cache";
import { readSummary } from "./stats";
import { readComparison } from "./stats-compare";
import { readLeaderboard } from "./stats-leaderboard";
import {
  alignRange,
  compareQuery,
  HOURLY,
  pathsQuery,
  RANGE_LIMITS,
  summaryQuery,
  timeseriesQuery,
} from "./stats-params";
import {
  compareRowSchema,
  compareSchema,
  errorSchema,
  pathRowSchema,
  pathsSchema,
  pointSchema,
  summarySchema,
  timeseriesSchema,
} from "./stats-schemas";
import { readTimeseries } from "./stats-timeseries";

/** Every failed validation is a 400 whose code names the first bad parameter. */
export const statsApi = new OpenAPIHono<AppEnv>({
  defaultHook(result, c) {
    if (result.success) return;
    const issue = result.error.issues[0];
    const name = String(issue?.path[0] ?? result.target);
    // A repeated parameter reaches the schema as an array: say that, not the schema's type talk.
    const given = result.target === "query" ? (c.req.queries(name)?.length ?? 0) : 0;
    const message = given > 1 ? `given ${given} times; give it once` : (issue?.message ?? "invalid");
    const said = message.startsWith(`${name}=`) ? message : `${name}: ${message}`;
    return c.json(errorBody(`invalid_${name}`, said), 400);
  },
});

const errors = {
  400: {
    description: "a bad parameter: `invalid_<parameter>` or `invalid_range`",
    content: { "application/json": { schema: errorSchema } },
  },
  401: {
    description: "no or a wrong bearer token",
    content: { "application/json": { schema: errorSchema } },
  },
  503: {
    description:
      "`unavailable`: the database (D1) failed in a way D1 documents as transient; retry after `Retry-After` seconds",
    content: { "application/json": { schema: errorSchema } },
  },
};

const csvContent = (csv: NonNullable<CachePolicy["csv"]>) => ({
  "text/csv": {
    schema: {
      type: "string" as const,
      description:
        csv.rows === null
          ? "one header row, then the answer as one row"
          : `one header row, then one row per ${csv.schema.meta()?.id ?? "row"}`,
    },
  },
});

function statsRoute<Q extends z.ZodObject, R extends z.ZodObject>(
  name: string,
  summary: string,
  query: Q,
  response: R,
  cache: CachePolicy,
) {
  return createRoute({
    method: "get",
    path: `/api/stats/${name}`,
    summary,
    tags: ["stats"],
    middleware: [statsCache(cache)] as const,
    request: { query },
    responses: {
      200: {
        description: "the answer (ETag; If-None-Match gives 304)",
        headers: {
          ETag: { schema: { type: "string" }, description: "strong validator of the body" },
          "Cache-Control": { schema: { type: "string" }, description: "private, max-age=<TTL in seconds>" },
          "X-Pathmeter-Cache": { schema: { type: "string", enum: ["hit", "miss"] } },
        },
        content: {
          "application/json": { schema: response },
          ...(cache.csv ? csvContent(cache.csv) : {}),
        },
      },
      304: { description: "not modified (If-None-Match matched the ETag)" },
      ...errors,
    },
  });
}

const summaryRoute = statsRoute("summary", "Totals of a range", summaryQuery, summarySchema, {
  openTtlSeconds: 60,
  endParams: ["to"],
  csv: { rows: null, schema: summarySchema },
});
const pathsRoute = statsRoute("paths", "Leaderboard of paths", pathsQuery, pathsSchema, {
  openTtlSeconds: 60,
  endParams: ["to"],
  csv: { rows: "paths", schema: pathRowSchema },
});
const timeseriesRoute = statsRoute(
  "timeseries",
  "Hourly or daily points",
  timeseriesQuery,
  timeseriesSchema,
  {
    openTtlSeconds: 300,
    endParams: ["to"],
    csv: { rows: "points", schema: pointSchema },
  },
);
const compareRoute = statsRoute("compare", "Two ranges side by side per path", compareQuery, compareSchema, {
  openTtlSeconds: 60,
  endParams: ["to", "baseTo"],
  csv: { rows: "paths", schema: compareRowSchema },
});

statsApi.openapi(summaryRoute, async (c) => {
  const q = c.req.valid("query");
  const range = alignRange(q.from, q.to, Date.now(), HOURLY);
  return c.json(await readSummary(c.env.DB, range), 200);
});

statsApi.openapi(pathsRoute, async (c) => {
  const q = c.req.valid("query");
  const range = alignRange(q.from, q.to, Date.now(), HOURLY);
  const paths = await readLeaderboard(c.env.DB, {
    range,
    sort: q.sort,
    limit: q.limit,
    ...(q.method ? { method: q.method } : {}),
  });
  return c.json(
    {
      from: isoTime(range.fromHour),
      to: isoTime(range.toHour),
      sort: q.sort,
      method: q.method ?? null,
      paths,
    },
    200,
  );
});

statsApi.openapi(timeseriesRoute, async (c) => {
  const q = c.req.valid("query");
  const daily = q.granularity === "day";
  const range = alignRange(q.from, q.to, Date.now(), {
    stepMs: daily ? DAY_MS : HOUR_MS,
    defaultSpanMs: daily ? 30 * DAY_MS : DAY_MS,
    maxSpanMs: (daily ? RANGE_LIMITS.maxDailyDays : RANGE_LIMITS.maxHourlyDays) * DAY_MS,
  });
  // As stored: `/café/x` (what the query parser makes of `/caf%C3%A9/x`) is `/caf%C3%A9/x`.
  const path = q.path === undefined ? undefined : canonicalTemplate(q.path);
  const filter = { ...(path ? { path } : {}), ...(q.method ? { method: q.method } : {}) };
  const points = await readTimeseries(c.env.DB, { range, stepMs: daily ? DAY_MS : HOUR_MS, filter });
  return c.json(
    {
      from: isoTime(range.fromHour),
      to: isoTime(range.toHour),
      granularity: q.granularity,
      path: path ?? null,
      method: q.method ?? null,
      points,
    },
    200,
  );
});

statsApi.openapi(compareRoute, async (c) => {
  const q = c.req.valid("query");
  const now = Date.now();
  const current = alignRange(q.from, q.to, now, HOURLY);
  const span = current.toHour - current.fromHour;
  // The base defaults to the range of the same length right before the current one.
  const baseTo = q.baseTo ?? (q.baseFrom !== undefined ? q.baseFrom + span : current.fromHour);
  const base = alignRange(q.baseFrom ?? baseTo - span, baseTo, now, HOURLY, "baseFrom/baseTo");
  const paths = await readComparison(c.env.DB, {
    current,
    base,
    limit: q.limit,
    ...(q.method ? { method: q.method } : {}),
  });
  return c.json(
    {
      from: isoTime(current.fromHour),
      to: isoTime(current.toHour),
      baseFrom: isoTime(base.fromHour),
      baseTo: isoTime(base.toHour),
      paths,
    },
    200,
  );
});
