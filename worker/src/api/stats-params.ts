/**
 * Query parameters of the stats API, declared once as zod schemas: they validate every request
 * (a bad one is a 400 whose code names the parameter: `invalid_from`, `invalid_sort` …) and
 * generate the OpenAPI document. `from`/`to` accept ISO-8601 or epoch ms; ranges are half-open
 * and widened to whole UTC hours (whole days for a daily time series).
 */
import { z } from "@hono/zod-openapi";
import type { HourRange } from "../db/read-stats";
import { EVENT_METHODS, MAX_PATH_LENGTH } from "../event";
import { ApiError } from "../shared/api-error";
import { DAY_MS, HOUR_MS } from "../shared/time";
import { parseInstant } from "./range";

/** Longest ranges accepted, after alignment. */
export const RANGE_LIMITS = {
  /** summary, paths, compare (each range). */
  maxDays: 366,
  /** Hourly time series: 92 days = 2,208 points. */
  maxHourlyDays: 92,
  /** Daily time series: about 3 years of points. */
  maxDailyDays: 1_100,
} as const;

const instant = (name: string) =>
  z
    .string()
    .transform((raw, ctx) => {
      try {
        return parseInstant(name, raw);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
        return z.NEVER;
      }
    })
    .optional()
    .openapi({
      param: { name, in: "query" },
      type: "string",
      description:
        "ISO-8601 (2026-11-20T10:00:00Z) or epoch milliseconds, UTC; ranges are half-open [from, to)",
      example: "2026-11-20T00:00:00Z",
    });

const method = z
  .enum(EVENT_METHODS)
  .optional()
  .openapi({
    param: { name: "method", in: "query" },
    description: "only this HTTP method (upper case); OTHER is every method outside the list (e.g. PROPFIND)",
  });

const limit = z.coerce
  .number()
  .int()
  .min(1)
  .max(1_000)
  .default(50)
  .openapi({
    param: { name: "limit", in: "query" },
    description: "rows to answer, 1–1000",
    // The coerced number's bounds do not reach the generator; stated here once more.
    minimum: 1,
    maximum: 1_000,
    default: 50,
    type: "integer",
  });

const format = z
  .enum(["json", "csv"])
  .optional()
  .openapi({
    param: { name: "format", in: "query" },
    description: "csv answers text/csv with one header row (as does `Accept: text/csv`)",
  });

export const SORTS = ["requests", "errors", "errorRate", "p95", "uniqueClients"] as const;
export type Sort = (typeof SORTS)[number];

export const summaryQuery = z.object({ from: instant("from"), to: instant("to"), format });

export const pathsQuery = z.object({
  from: instant("from"),
  to: instant("to"),
  sort: z
    .enum(SORTS)
    .default("requests")
    .openapi({
      param: { name: "sort", in: "query" },
      description: "descending by this figure; ties by path, method",
    }),
  limit,
  method,
  format,
});

export const timeseriesQuery = z.object({
  from: instant("from"),
  to: instant("to"),
  granularity: z
    .enum(["hour", "day"])
    .default("hour")
    .openapi({
      param: { name: "granularity", in: "query" },
      description: "bucket size; every bucket of the range is answered, zeros included",
    }),
  path: z
    .string()
    .min(1)
    .max(MAX_PATH_LENGTH)
    .optional()
    .openapi({
      param: { name: "path", in: "query" },
      description: "one path template (as stored, e.g. /users/:id); all traffic when omitted",
    }),
  method,
  format,
});

export const compareQuery = z.object({
  from: instant("from"),
  to: instant("to"),
  baseFrom: instant("baseFrom"),
  baseTo: instant("baseTo"),
  limit,
  method,
  format,
});

export interface AlignOptions {
  /** Bucket the range is widened to: HOUR_MS or DAY_MS. */
  stepMs: number;
  /** Length of the range when `from` is omitted, in ms. */
  defaultSpanMs: number;
  /** Longest range accepted after alignment, in ms. */
  maxSpanMs: number;
}

export const HOURLY: AlignOptions = {
  stepMs: HOUR_MS,
  defaultSpanMs: DAY_MS,
  maxSpanMs: RANGE_LIMITS.maxDays * DAY_MS,
};

/** A span as the docs state limits (days), with the hours it was measured in: "367 days (8808 hours)". */
const daysAndHours = (spanMs: number): string =>
  `${Number((spanMs / DAY_MS).toFixed(2))} days (${spanMs / HOUR_MS} hours)`;

/**
 * The whole-step range of `from`/`to` (epoch ms or undefined). Defaults: `to` = the next step
 * boundary after `now`, `from` = `to` − defaultSpanMs. 400 `invalid_range` when from ≥ to or the
 * range is longer than maxSpanMs.
 */
export function alignRange(
  from: number | undefined,
  to: number | undefined,
  now: number,
  options: AlignOptions,
  label = "from/to",
): HourRange {
  const { stepMs, defaultSpanMs, maxSpanMs } = options;
  const end = to ?? Math.floor(now / stepMs) * stepMs + stepMs;
  const start = from ?? end - defaultSpanMs;
  if (start >= end)
    throw new ApiError(400, "invalid_range", `${label}: from must be before to (ranges are half-open)`);
  const fromHour = Math.floor(start / stepMs) * stepMs;
  const toHour = Math.ceil(end / stepMs) * stepMs;
  if (toHour - fromHour > maxSpanMs)
    throw new ApiError(
      400,
      "invalid_range",
      `${label}: the range spans ${daysAndHours(toHour - fromHour)}; at most ${daysAndHours(maxSpanMs)} are allowed`,
    );
  return { fromHour, toHour };
}
