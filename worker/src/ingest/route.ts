/**
 * `POST {prefix}/ingest` — events from other gateways (the token is checked by the reserved
 * router). Answers 202 `{"accepted":n,"rejected":[{"index","code","message"}]}`; whole-request
 * errors are `{"error":{"code","message"}}`:
 * 415 `unsupported_media_type` (also a Content-Encoding other than gzip, deflate or identity),
 * 413 `body_too_large` (> 1 MiB, compressed or decompressed), 413 `too_many_events` (> 1000),
 * 400 `invalid_json` (NDJSON: names the line), 400 `bad_request` (not an array/NDJSON of events),
 * 400 `invalid_body` (not valid gzip/deflate data as its Content-Encoding says),
 * 503 `not_configured` (CLIENT_IP_SALT unset), 503 `unavailable` (neither the queue nor D1 took
 * the events: retry; ingest is idempotent by event id).
 */
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env";
import { ingestRejectionStatements } from "../db/rejections";
import { deliverEvents, eventSinkOf } from "../delivery/send-events";
import type { RejectionCode, TrafficEvent } from "../event";
import { MissingSaltError } from "../event/client-hash";
import { normaliserFor } from "../event/normalise";
import { ApiError } from "../shared/api-error";
import { errorMessage } from "../shared/errors";
import { codingOf, readBodyText } from "./decompress";
import { formatOf, parseEventsBody } from "./parse-body";
import { ingestEvent } from "./validate";

/** Bytes per ingest request body (1 MiB). */
export const MAX_INGEST_BYTES = 1024 * 1024;

interface RejectedItem {
  index: number;
  code: RejectionCode;
  message: string;
}

/** 415 unless the body is JSON or NDJSON, plain or in a Content-Encoding ingest decodes. */
const requireReadableBody: MiddlewareHandler<AppEnv> = async function requireReadableBody(c, next) {
  if (formatOf(c.req.header("Content-Type")) === null)
    throw new ApiError(
      415,
      "unsupported_media_type",
      "send application/json (an array of events) or application/x-ndjson (one event per line)",
    );
  codingOf(c.req.header("Content-Encoding")); // a 415 for an unknown one, before the body is read
  await next();
};

const limitBody = bodyLimit({
  maxSize: MAX_INGEST_BYTES,
  onError: () => {
    throw new ApiError(413, "body_too_large", `the body exceeds ${MAX_INGEST_BYTES} bytes`);
  },
});

/** Counts this request's rejections; the caller already has them in its 202, so a failure is only logged. */
async function countRejections(
  db: D1Database,
  rejected: readonly RejectedItem[],
  now: number,
): Promise<void> {
  const statements = ingestRejectionStatements(
    db,
    rejected.map((r) => r.code),
    now,
  );
  if (statements.length === 0) return;
  try {
    await db.batch(statements);
  } catch (error) {
    console.error(`pathmeter: counting ${rejected.length} ingest rejections failed: ${errorMessage(error)}`);
  }
}

export const ingestRoutes = new Hono<AppEnv>();

ingestRoutes.post("/", requireReadableBody, limitBody, async function ingest(c) {
  const format = formatOf(c.req.header("Content-Type")) ?? "detect";
  const coding = codingOf(c.req.header("Content-Encoding"));
  // Read here, not with text(): workerd warns when text() reads an NDJSON media type.
  const items = parseEventsBody(format, await readBodyText(c.req.raw.body, coding, MAX_INGEST_BYTES));
  const config = c.get("config");
  const context = {
    now: Date.now(),
    maxEventAgeDays: config.maxEventAgeDays,
    salt: c.env.CLIENT_IP_SALT,
    normalise: normaliserFor(config.routes),
  };

  const accepted: TrafficEvent[] = [];
  const rejected: RejectedItem[] = [];
  try {
    for (const [index, item] of items.entries()) {
      const result = await ingestEvent(item, context);
      if (result.ok) accepted.push(result.value);
      else rejected.push({ index, ...result.rejection });
    }
  } catch (error) {
    if (error instanceof MissingSaltError)
      throw new ApiError(503, "not_configured", "CLIENT_IP_SALT is not set for this Worker");
    throw error;
  }

  if (accepted.length > 0 && (await deliverEvents(eventSinkOf(c.env), accepted)) === "failed")
    throw new ApiError(
      503,
      "unavailable",
      "the events could not be stored; retry the same request (ingest is idempotent by event id)",
    );
  await countRejections(c.env.DB, rejected, context.now);
  return c.json({ accepted: accepted.length, rejected }, 202);
});
