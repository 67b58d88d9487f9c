/** Response schemas of the stats API (OpenAPI components), declared once with zod. */
import { z } from "@hono/zod-openapi";

const ms = (description: string) => z.number().nullable().openapi({ description });
const iso = z.string().openapi({ description: "ISO-8601, UTC, aligned to whole hours (days)" });

export const errorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .openapi("Error");

export const summarySchema = z
  .object({
    from: iso,
    to: iso,
    requests: z.number().int(),
    errors4xx: z.number().int(),
    errors5xx: z.number().int(),
    errorRate: z.number().openapi({ description: "(errors4xx + errors5xx) / requests; 0 without requests" }),
    latencyMs: z.object({
      p50: ms("within 1%"),
      p95: ms("within 1%"),
      p99: ms("within 1%"),
      avg: ms("exact"),
      max: ms("exact"),
    }),
    uniqueClients: z.number().int().openapi({ description: "exact while hot, HyperLogLog (±1.7%) after" }),
    paths: z.number().int().openapi({ description: "distinct path templates, (other) not counted" }),
  })
  .openapi("Summary");

export const pathRowSchema = z
  .object({
    path: z.string(),
    method: z.string(),
    requests: z.number().int(),
    errors4xx: z.number().int(),
    errors5xx: z.number().int(),
    errorRate: z.number(),
    latencyMs: z.object({
      p50: ms("within 1%"),
      p95: ms("within 1%"),
      p99: ms("within 1%"),
      avg: ms("exact"),
    }),
    uniqueClients: z.number().int(),
  })
  .openapi("PathStats");

export const pathsSchema = z
  .object({
    from: iso,
    to: iso,
    sort: z.string(),
    method: z.string().nullable(),
    paths: z.array(pathRowSchema),
  })
  .openapi("Leaderboard");

export const pointSchema = z
  .object({
    t: iso,
    requests: z.number().int(),
    errors4xx: z.number().int(),
    errors5xx: z.number().int(),
    errorRate: z.number(),
    latencyMs: z.object({ p50: ms("within 1%"), p95: ms("within 1%"), p99: ms("within 1%") }),
    uniqueClients: z.number().int(),
  })
  .openapi("Point");

export const timeseriesSchema = z
  .object({
    from: iso,
    to: iso,
    granularity: z.enum(["hour", "day"]),
    path: z.string().nullable(),
    method: z.string().nullable(),
    points: z.array(pointSchema),
  })
  .openapi("TimeSeries");

const sideSchema = z.object({ requests: z.number().int(), errorRate: z.number(), p95: ms("within 1%") });

export const compareRowSchema = z
  .object({
    path: z.string(),
    method: z.string(),
    current: sideSchema,
    base: sideSchema,
    change: z.object({
      requests: z.number().int().openapi({ description: "current − base" }),
      requestsRatio: z
        .number()
        .nullable()
        .openapi({ description: "current / base − 1; null when base is 0" }),
      errorRate: z
        .number()
        .nullable()
        .openapi({ description: "current − base (fractions); null when either side has no requests" }),
      p95: ms("current − base; null when either side has no requests"),
    }),
  })
  .openapi("CompareRow");

export const compareSchema = z
  .object({ from: iso, to: iso, baseFrom: iso, baseTo: iso, paths: z.array(compareRowSchema) })
  .openapi("Compare");

export type PathRow = z.infer<typeof pathRowSchema>;
export type Point = z.infer<typeof pointSchema>;
export type CompareRow = z.infer<typeof compareRowSchema>;
