/**
 * The traffic event: one proxied or ingested request, as it travels through the queue and is
 * stored in `traffic_events`. `validateTrafficEvent` guards the consumer against anything else.
 */

/** Longest stored path template; longer paths are cut by the normaliser before they get here. */
export const MAX_PATH_LENGTH = 256;
export const MAX_ID_LENGTH = 80;
/**
 * The methods an event can carry. `OTHER` stands for every method outside the list (WebDAV's
 * PROPFIND, PURGE, ...): the gateway records such a request under it rather than not at all, and
 * an ingest sender may use it the same way.
 */
export const EVENT_METHODS = [
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
  "TRACE",
  "CONNECT",
  "OTHER",
] as const;
export type EventMethod = (typeof EVENT_METHODS)[number];
export const METHOD_REJECTION = `method must be one of ${EVENT_METHODS.join(", ")} (OTHER for any other method)`;

export interface TrafficEvent {
  /** `{ts}-{32 hex}`; see event/id.ts for the collision arithmetic. */
  id: string;
  /** Request start, epoch milliseconds. */
  ts: number;
  method: EventMethod;
  /** Normalised path template (no query string), e.g. `/users/:id`. */
  path: string;
  status: number;
  durationMs: number;
  /** Response body size in bytes, when known. */
  bytes: number | null;
  /** Keyed hash of the client IP; the raw IP is never stored. */
  clientHash: string;
  colo: string | null;
  country: string | null;
  source: "gateway" | "ingest";
}

export type RejectionCode =
  | "invalid_event"
  | "invalid_id"
  | "invalid_ts"
  | "invalid_method"
  | "invalid_path"
  | "invalid_status"
  | "invalid_duration"
  | "invalid_bytes"
  | "invalid_client"
  | "invalid_source"
  | "too_old"
  | "in_future";

export interface Rejection {
  code: RejectionCode;
  message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

/** A failed validation with its code and message. */
export const reject = (code: RejectionCode, message: string): Validated<never> => ({
  ok: false,
  rejection: { code, message },
});

/** True for a JSON object (not null, not an array). */
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Epoch ms between 2000-01-01 and 2100-01-01: anything else is a unit mistake. */
export const isPlausibleTimestamp = (v: unknown): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 946_684_800_000 && v < 4_102_444_800_000;

export const isEventMethod = (v: unknown): v is EventMethod =>
  typeof v === "string" && (EVENT_METHODS as readonly string[]).includes(v);

/**
 * The event method of a request's method: itself when listed, else `OTHER`. Method names are
 * case-sensitive in HTTP; the runtime hands the standard ones over upper-cased (`get` arrives as
 * GET), so a name that is still not listed is another method, proxied as it was sent.
 */
export const eventMethodOf = (requestMethod: string): EventMethod =>
  isEventMethod(requestMethod) ? requestMethod : "OTHER";

export const isHttpStatus = (v: unknown): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 100 && v <= 599;

/** Non-negative finite milliseconds, at most a day. */
export const isDuration = (v: unknown): v is number =>
  typeof v === "number" && Number.isFinite(v) && v >= 0 && v <= 86_400_000;

export const isByteCount = (v: unknown): v is number | null =>
  v === null || (typeof v === "number" && Number.isSafeInteger(v) && v >= 0);

const isShortText = (v: unknown, max: number): v is string =>
  typeof v === "string" && v.length > 0 && v.length <= max;

const optionalText = (v: unknown): v is string | null | undefined =>
  v === undefined || v === null || isShortText(v, 16);

/** Checks a queue message body; the consumer acks and records anything that fails here. */
export function validateTrafficEvent(body: unknown): Validated<TrafficEvent> {
  if (!isRecord(body)) return reject("invalid_event", "event must be a JSON object");
  const { id, ts, method, path, status, durationMs, bytes, clientHash, colo, country, source } = body;
  if (!isShortText(id, MAX_ID_LENGTH))
    return reject("invalid_id", `id must be a string of 1..${MAX_ID_LENGTH}`);
  if (!isPlausibleTimestamp(ts)) return reject("invalid_ts", "ts must be epoch milliseconds");
  if (!isEventMethod(method)) return reject("invalid_method", METHOD_REJECTION);
  if (!isShortText(path, MAX_PATH_LENGTH) || !path.startsWith("/"))
    return reject("invalid_path", `path must start with / and be at most ${MAX_PATH_LENGTH} characters`);
  if (!isHttpStatus(status)) return reject("invalid_status", "status must be an integer 100..599");
  if (!isDuration(durationMs)) return reject("invalid_duration", "durationMs must be a number 0..86400000");
  if (!isByteCount(bytes ?? null)) return reject("invalid_bytes", "bytes must be a non-negative integer");
  if (!isShortText(clientHash, 64)) return reject("invalid_client", "clientHash must be a string of 1..64");
  if (!optionalText(colo) || !optionalText(country))
    return reject("invalid_event", "colo and country must be short strings");
  if (source !== "gateway" && source !== "ingest")
    return reject("invalid_source", "source must be gateway|ingest");
  return {
    ok: true,
    value: {
      id,
      ts,
      method,
      path,
      status,
      durationMs,
      bytes: (bytes as number | null | undefined) ?? null,
      clientHash,
      colo: colo ?? null,
      country: country ?? null,
      source,
    },
  };
}
