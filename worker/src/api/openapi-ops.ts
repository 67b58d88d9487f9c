/**
 * The ops endpoints of the OpenAPI document (health, dead letters and their replay, jobs run by
 * hand), declared with their parameters and response shapes; their handlers validate by hand
 * (ops.ts, dead-letters.ts, dead-letter-replay.ts, jobs.ts).
 */
import { z } from "@hono/zod-openapi";
import { type CronJob, manifest } from "../manifest";
import { DEAD_LETTER_LIMITS as DL } from "./dead-letters";
import { failure, guarded, json, object } from "./openapi-parts";
import type { statsApi } from "./stats-routes";

/** The document's registry (the stats app's, which also generates the stats endpoints). */
type OpenAPIRegistry = typeof statsApi.openAPIRegistry;

const CRON_JOB_NAMES = Object.keys(manifest.crons) as [CronJob, ...CronJob[]];
/** The clock of a job run by hand: ahead of the current time only with future=allow. */
const jobClock = z.object({
  now: z.string().optional().openapi({ description: "ISO-8601 or epoch ms; default: the current time" }),
  future: z.enum(["allow"]).optional().openapi({
    description:
      "needed for a `now` more than 5 minutes ahead (tests, drills): cleanup then drops days still accepted",
  }),
});
/** docs/lifecycle.md: a failed job answers 500; the failure is recorded and a re-run finishes the work. */
const jobFailed = failure(
  "the job failed: `internal` with its message (recorded; a re-run finishes the work)",
);

const messageIds = (description: string) => z.array(z.string()).openapi({ description });
const replayAnswer = z.object({
  replayed: z.number().int().openapi({ description: "how many dead letters were re-enqueued" }),
  messageIds: messageIds("the dead letters re-enqueued"),
  skipped: z
    .array(z.object({ messageId: z.string(), code: z.string(), message: z.string() }))
    .openapi({ description: "pending dead letters carrying no valid event (left pending)" }),
  notFound: messageIds("ids of the body that match no dead letter"),
  alreadyReplayed: messageIds("ids of the body replayed by an earlier request"),
});

/** `GET /api/ops/health`. */
function registerHealth(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: "get",
    path: "/api/ops/health",
    summary: "Pipeline state: events stored, last batch, rejections, dead letters, jobs, cache, paths",
    tags: ["ops"],
    responses: {
      200: json(
        z.object({
          eventsStored: z.number().int(),
          lastBatchAt: z.string().nullable(),
          rejected: object("{total, bySourceAndCode}"),
          deadLetters: z.object({ total: z.number().int(), pending: z.number().int() }),
          jobs: object("per cron job: {schedule, lastRun}"),
          cache: z.object({ hits: z.number().int(), misses: z.number().int() }),
          paths: z
            .object({
              day: z.string(),
              admitted: z.number().int(),
              limit: z.number().int().nullable(),
              capReached: z.boolean(),
            })
            .openapi({
              description: "today's (UTC) distinct paths against MAX_PATHS_PER_DAY; past it, `(other)`",
            }),
          problems: z
            .array(z.string())
            .openapi({ description: "settings that cannot be parsed, one line each" }),
        }),
        "the health report",
      ),
      ...guarded,
    },
  });
}

/** `GET /api/ops/dead-letters` and `POST /api/ops/dead-letters/replay`. */
function registerDeadLetters(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: "get",
    path: "/api/ops/dead-letters",
    summary: "Dead letters, oldest first",
    tags: ["ops"],
    request: {
      query: z.object({
        status: z.enum(["pending", "replayed", "all"]).optional(),
        limit: z
          .number()
          .int()
          .min(1)
          .max(DL.maxPage)
          .default(DL.defaultPage)
          .openapi({ description: "rows per page" }),
        cursor: z.string().optional(),
      }),
    },
    responses: {
      200: json(object("{deadLetters, nextCursor}"), "a page"),
      400: failure("bad parameter"),
      ...guarded,
    },
  });

  registry.registerPath({
    method: "post",
    path: "/api/ops/dead-letters/replay",
    summary: "Re-enqueue pending dead letters with their ids unchanged",
    tags: ["ops"],
    request: {
      body: {
        required: false,
        content: {
          "application/json": {
            schema: z.object({
              ids: z
                .array(z.string().min(1).max(DL.maxIdLength))
                .max(DL.maxReplay)
                .optional()
                .openapi({ description: `only these message ids (at most ${DL.maxReplay} a request)` }),
              limit: z.number().int().min(1).max(DL.maxReplay).default(DL.maxReplay),
            }),
          },
        },
      },
    },
    responses: {
      200: json(replayAnswer, "what was replayed, and why a named id was not"),
      400: failure("bad body: not JSON, or `ids`/`limit` out of bounds"),
      ...guarded,
    },
  });
}

/** `POST /api/ops/jobs` and `POST /api/ops/jobs/{job}`. */
function registerJobs(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: "post",
    path: "/api/ops/jobs",
    summary: "Run every job the crons would run at `now`",
    tags: ["ops"],
    request: {
      query: jobClock,
    },
    responses: {
      200: json(object("the jobs' reports"), "the reports"),
      400: failure("bad now"),
      500: jobFailed,
      ...guarded,
    },
  });

  registry.registerPath({
    method: "post",
    path: "/api/ops/jobs/{job}",
    summary: "Run a scheduled job now, as its cron would at `now`",
    tags: ["ops"],
    request: {
      params: z.object({ job: z.enum(CRON_JOB_NAMES).openapi({ param: { name: "job", in: "path" } }) }),
      query: jobClock,
    },
    responses: {
      200: json(object("the job's report"), "the report"),
      400: failure("unknown job or bad now"),
      500: jobFailed,
      ...guarded,
    },
  });
}

/** Registers the ops endpoints on the document's registry, in the order they are listed. */
export function registerOpsPaths(registry: OpenAPIRegistry): void {
  registerHealth(registry);
  registerDeadLetters(registry);
  registerJobs(registry);
}
