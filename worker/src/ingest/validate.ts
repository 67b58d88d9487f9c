/**
 * One ingested event → a TrafficEvent, or the reason it is rejected. The path is normalised, the
 * client IP hashed and a missing id derived exactly as the gateway does, so an event re-sent by
 * the caller (or recorded by both) is stored once.
 */

import {
  isByteCount,
  isDuration,
  isEventMethod,
  isHttpStatus,
  isPlausibleTimestamp,
  isRecord,
  MAX_ID_LENGTH,
  METHOD_REJECTION,
  reject,
  type TrafficEvent,
  type Validated,
  validateTrafficEvent,
} from "../event";
import { hashClientIp } from "../event/client-hash";
import { eventId, factsRequestId } from "../event/id";
import type { Normaliser } from "../event/normalise";
import { MAX_CLOCK_SKEW_MS } from "../shared/acceptance-window";
import { DAY_MS } from "../shared/time";

export interface IngestContext {
  /** Time of the request, epoch ms. */
  now: number;
  /** Events older than this many days are `too_old`. */
  maxEventAgeDays: number;
  /** CLIENT_IP_SALT: the gateway's HMAC key. */
  salt: string;
  normalise: Normaliser;
}

export const MAX_REQUEST_ID_LENGTH = 200;
/** A hash, never an address: no dots or colons, so a raw IP cannot pass as a clientHash. */
export const CLIENT_HASH = /^[\w-]{1,64}$/;
export const CLIENT_IP = /^[0-9A-Fa-f:.]{2,45}$/;

/** The client hash of an event: its clientIp hashed with the salt, its clientHash, or hash(""). */
async function clientOf(event: Record<string, unknown>, salt: string): Promise<Validated<string>> {
  const { clientIp, clientHash } = event;
  if (clientIp !== undefined && clientHash !== undefined)
    return reject("invalid_client", "give clientIp or clientHash, not both");
  if (clientHash !== undefined) {
    if (typeof clientHash !== "string" || !CLIENT_HASH.test(clientHash))
      return reject("invalid_client", "clientHash must be 1..64 characters of [A-Za-z0-9_-]");
    return { ok: true, value: clientHash };
  }
  if (clientIp !== undefined && (typeof clientIp !== "string" || !CLIENT_IP.test(clientIp)))
    return reject("invalid_client", "clientIp must be an IPv4 or IPv6 address");
  // Like the gateway: a request without a client IP is hashed as the empty string.
  return { ok: true, value: await hashClientIp(salt, clientIp ?? "") };
}

function checkTime(ts: unknown, context: IngestContext): Validated<number> {
  if (!isPlausibleTimestamp(ts)) return reject("invalid_ts", "ts must be an integer of epoch milliseconds");
  if (ts < context.now - context.maxEventAgeDays * DAY_MS)
    return reject("too_old", `ts is more than ${context.maxEventAgeDays} days in the past`);
  if (ts > context.now + MAX_CLOCK_SKEW_MS)
    return reject("in_future", "ts is more than 5 minutes in the future");
  return { ok: true, value: ts };
}

/** Validates one raw item of an ingest request and builds its TrafficEvent. */
export async function ingestEvent(item: unknown, context: IngestContext): Promise<Validated<TrafficEvent>> {
  if (!isRecord(item)) return reject("invalid_event", "each event must be a JSON object");
  const { id, method, path, status, durationMs, bytes, requestId } = item;
  const ts = checkTime(item.ts, context);
  if (!ts.ok) return ts;
  const upperMethod = typeof method === "string" ? method.toUpperCase() : method;
  if (!isEventMethod(upperMethod)) return reject("invalid_method", METHOD_REJECTION);
  if (typeof path !== "string" || !path.startsWith("/"))
    return reject("invalid_path", 'path must be a string starting with "/"');
  if (!isHttpStatus(status)) return reject("invalid_status", "status must be an integer 100..599");
  if (!isDuration(durationMs))
    return reject("invalid_duration", "durationMs must be a finite number of ms, 0..86400000");
  if (bytes !== undefined && !isByteCount(bytes))
    return reject("invalid_bytes", "bytes must be a non-negative integer");
  if (id !== undefined && (typeof id !== "string" || id.length === 0 || id.length > MAX_ID_LENGTH))
    return reject("invalid_id", `id must be a string of 1..${MAX_ID_LENGTH} characters`);
  if (
    requestId !== undefined &&
    (typeof requestId !== "string" || requestId.length === 0 || requestId.length > MAX_REQUEST_ID_LENGTH)
  )
    return reject("invalid_event", `requestId must be a string of 1..${MAX_REQUEST_ID_LENGTH} characters`);
  const client = await clientOf(item, context.salt);
  if (!client.ok) return client;
  return buildIngestedEvent(
    { id, ts: ts.value, method: upperMethod, path, status, durationMs, bytes, requestId },
    client.value,
    context,
  );
}

/** The checked fields of an ingested event (before its client hash and id are settled). */
export interface CheckedFields {
  id?: string | undefined;
  ts: number;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  bytes?: number | null | undefined;
  requestId?: string | undefined;
}

/**
 * The TrafficEvent of checked fields: path normalised, id derived as the gateway derives it
 * (event/id.ts).
 */
export async function buildIngestedEvent(
  fields: CheckedFields,
  clientHash: string,
  context: IngestContext,
): Promise<Validated<TrafficEvent>> {
  return validateTrafficEvent({
    id:
      fields.id ??
      (await eventId(fields.ts, clientHash, fields.path, fields.requestId ?? factsRequestId(fields))),
    ts: fields.ts,
    method: fields.method,
    path: context.normalise(fields.path),
    status: fields.status,
    durationMs: fields.durationMs,
    bytes: fields.bytes ?? null,
    clientHash,
    colo: null,
    country: null,
    source: "ingest",
  });
}
