/**
 * The ingest event as a zod schema (the stats API's schema library), built to give exactly the
 * rejection codes of the hand validator in validate.ts: every field carries its code, and the
 * first failing field in the hand validator's order names the rejection. Measured against the
 * hand validator by `npm run bench -- validation` (scripts/bench/validation.ts); which one the
 * ingest route uses, and why, is in docs/query.md.
 */
import { z } from "zod";
import {
  EVENT_METHODS,
  MAX_ID_LENGTH,
  METHOD_REJECTION,
  type Rejection,
  type RejectionCode,
  type TrafficEvent,
  type Validated,
} from "../event";
import { hashClientIp } from "../event/client-hash";
import { MAX_CLOCK_SKEW_MS } from "../shared/acceptance-window";
import { DAY_MS } from "../shared/time";
import {
  buildIngestedEvent,
  CLIENT_HASH,
  CLIENT_IP,
  type IngestContext,
  MAX_REQUEST_ID_LENGTH,
} from "./validate";

/** Code and message of each field, in the order the hand validator checks them. */
const FIELD_REJECTIONS: Record<string, Rejection> = {
  ts: { code: "invalid_ts", message: "ts must be an integer of epoch milliseconds" },
  method: { code: "invalid_method", message: METHOD_REJECTION },
  path: { code: "invalid_path", message: 'path must be a string starting with "/"' },
  status: { code: "invalid_status", message: "status must be an integer 100..599" },
  durationMs: { code: "invalid_duration", message: "durationMs must be a finite number of ms, 0..86400000" },
  bytes: { code: "invalid_bytes", message: "bytes must be a non-negative integer" },
  id: { code: "invalid_id", message: `id must be a string of 1..${MAX_ID_LENGTH} characters` },
  requestId: {
    code: "invalid_event",
    message: `requestId must be a string of 1..${MAX_REQUEST_ID_LENGTH} characters`,
  },
  clientHash: { code: "invalid_client", message: "clientHash must be 1..64 characters of [A-Za-z0-9_-]" },
  clientIp: { code: "invalid_client", message: "clientIp must be an IPv4 or IPv6 address" },
};
const NOT_AN_OBJECT: Rejection = { code: "invalid_event", message: "each event must be a JSON object" };
const BOTH_CLIENTS: Rejection = { code: "invalid_client", message: "give clientIp or clientHash, not both" };

/** A time-window issue carries its own code (too_old, in_future) in `params.rejection`. */
const windowIssue = (code: RejectionCode, message: string) => ({
  code: "custom" as const,
  message,
  params: { code },
});

/** The event schema for requests at `context.now` (the time window depends on the clock). */
export function ingestEventSchema(context: Pick<IngestContext, "now" | "maxEventAgeDays">) {
  const oldest = context.now - context.maxEventAgeDays * DAY_MS;
  const newest = context.now + MAX_CLOCK_SKEW_MS;
  return z
    .object({
      // Epoch ms between 2000-01-01 and 2100-01-01, then inside the acceptance window.
      ts: z
        .int()
        .min(946_684_800_000)
        .lt(4_102_444_800_000)
        .superRefine((ts, ctx) => {
          if (ts < oldest)
            ctx.addIssue(
              windowIssue("too_old", `ts is more than ${context.maxEventAgeDays} days in the past`),
            );
          else if (ts > newest)
            ctx.addIssue(windowIssue("in_future", "ts is more than 5 minutes in the future"));
        }),
      method: z.preprocess((m) => (typeof m === "string" ? m.toUpperCase() : m), z.enum(EVENT_METHODS)),
      path: z.string().startsWith("/"),
      status: z.int().min(100).max(599),
      durationMs: z.number().min(0).max(86_400_000),
      bytes: z.int().min(0).nullable().optional(),
      id: z.string().min(1).max(MAX_ID_LENGTH).optional(),
      requestId: z.string().min(1).max(MAX_REQUEST_ID_LENGTH).optional(),
      clientHash: z.string().regex(CLIENT_HASH).optional(),
      clientIp: z.string().regex(CLIENT_IP).optional(),
    })
    .refine((e) => e.clientHash === undefined || e.clientIp === undefined, {
      params: { code: "invalid_client" },
    });
}

export type IngestEventInput = z.infer<ReturnType<typeof ingestEventSchema>>;

/** The rejection the hand validator gives for the same input: the first failing field's. */
export function rejectionOf(error: z.ZodError): Rejection {
  let first: { order: number; rejection: Rejection } | undefined;
  const order = Object.keys(FIELD_REJECTIONS);
  for (const issue of error.issues) {
    const field = issue.path[0];
    if (field === undefined) return issue.code === "custom" ? BOTH_CLIENTS : NOT_AN_OBJECT;
    const at = order.indexOf(String(field));
    if (first !== undefined && at >= first.order) continue;
    const own = issue.code === "custom" ? (issue.params?.code as RejectionCode | undefined) : undefined;
    const base = FIELD_REJECTIONS[String(field)] ?? NOT_AN_OBJECT;
    first = { order: at, rejection: own ? { code: own, message: issue.message } : base };
  }
  return first?.rejection ?? NOT_AN_OBJECT;
}

/** One raw ingest item → its TrafficEvent or rejection, checked by `schema` (ingestEventSchema). */
export async function ingestEventBySchema(
  item: unknown,
  schema: ReturnType<typeof ingestEventSchema>,
  context: IngestContext,
): Promise<Validated<TrafficEvent>> {
  const parsed = schema.safeParse(item);
  if (!parsed.success) return { ok: false, rejection: rejectionOf(parsed.error) };
  const fields = parsed.data;
  // Like the gateway: a request without a client IP is hashed as the empty string.
  const clientHash = fields.clientHash ?? (await hashClientIp(context.salt, fields.clientIp ?? ""));
  return buildIngestedEvent(fields, clientHash, context);
}
