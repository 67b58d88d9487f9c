/**
 * What the gateway keeps of one request until its batch is flushed, and how a flushed batch
 * becomes TrafficEvents. On the request path only cheap facts are taken (strings and numbers the
 * request and response already hold); hashing the client, deriving the id, normalising the path
 * and validating run at flush, for the whole batch, after every response of it was returned.
 * The raw client IP in a record lives only in the isolate's memory until the flush hashes it.
 */
import { eventMethodOf, type TrafficEvent, validateTrafficEvent } from "../event";
import { cachedClientHash, clientIpOf, hashClientIp } from "../event/client-hash";
import { eventId, requestIdOf } from "../event/id";
import type { Normaliser } from "../event/normalise";
import { errorMessage } from "../shared/errors";

/** One request's facts; `salt` and `normalise` say how its event is derived. */
export interface RequestRecord {
  /** Request start, epoch milliseconds. */
  ts: number;
  method: string;
  /** Path and query string as requested (the id covers it; the template drops the query). */
  rawPath: string;
  clientIp: string;
  requestId: string;
  colo: string | null;
  country: string | null;
  status: number;
  durationMs: number;
  /** Response body bytes sent, when known. */
  bytes: number | null;
  salt: string;
  normalise: Normaliser;
}

/**
 * `pathname + search` of an absolute URL as `new URL(url)` gives them, without parsing it: the
 * request's URL is already serialised, so the path starts at the first "/" after "//host", and a
 * bare "?" is an empty search.
 */
export function rawPathOf(url: string): string {
  const afterScheme = url.indexOf("//");
  const start = afterScheme < 0 ? -1 : url.indexOf("/", afterScheme + 2);
  if (start < 0) return "/";
  const hash = url.indexOf("#", start);
  const path = hash < 0 ? url.slice(start) : url.slice(start, hash);
  return path.indexOf("?") === path.length - 1 ? path.slice(0, -1) : path;
}

const cfText = (cf: Record<string, unknown> | undefined, key: "colo" | "country"): string | null => {
  const value = cf?.[key];
  return typeof value === "string" && value !== "" ? value : null;
};

/** What is known once the response is: its timing, status and size. */
export type ResponseFacts = Pick<RequestRecord, "ts" | "durationMs" | "status" | "bytes">;

/** How the record's event is derived. */
export type Derivation = Pick<RequestRecord, "salt" | "normalise">;

/**
 * The record of one request: facts read from its URL, headers and `cf` (each read once, no
 * parsing beyond slicing the URL), the response's facts and how to derive the event.
 */
export function recordOf(request: Request, response: ResponseFacts, derivation: Derivation): RequestRecord {
  const { headers } = request;
  const cf = request.cf as Record<string, unknown> | undefined;
  return {
    ts: response.ts,
    method: request.method,
    rawPath: rawPathOf(request.url),
    clientIp: clientIpOf(headers),
    requestId: requestIdOf(headers),
    colo: cfText(cf, "colo"),
    country: cfText(cf, "country"),
    status: response.status,
    durationMs: response.durationMs,
    bytes: response.bytes,
    salt: derivation.salt,
    normalise: derivation.normalise,
  };
}

/** The event of one record; throws when it cannot be valid. */
async function eventOf(record: RequestRecord): Promise<TrafficEvent> {
  const clientHash =
    cachedClientHash(record.salt, record.clientIp) ?? (await hashClientIp(record.salt, record.clientIp));
  const checked = validateTrafficEvent({
    id: await eventId(record.ts, clientHash, record.rawPath, record.requestId),
    ts: record.ts,
    method: eventMethodOf(record.method),
    path: record.normalise(record.rawPath),
    status: record.status,
    durationMs: record.durationMs,
    bytes: record.bytes,
    clientHash,
    colo: record.colo,
    country: record.country,
    source: "gateway",
  });
  // Said out loud, never sent half-valid.
  if (!checked.ok)
    throw new Error(`event not recorded (${checked.rejection.code}): ${checked.rejection.message}`);
  return checked.value;
}

/**
 * The events of a flushed batch, in order. A record that cannot become an event is left out and
 * logged (each distinct reason once, with a count), never failing the others.
 */
export async function eventsOf(records: readonly RequestRecord[]): Promise<TrafficEvent[]> {
  const settled = await Promise.allSettled(records.map(eventOf));
  const events: TrafficEvent[] = [];
  const failures = new Map<string, number>();
  for (const outcome of settled) {
    if (outcome.status === "fulfilled") events.push(outcome.value);
    else {
      const reason = errorMessage(outcome.reason);
      failures.set(reason, (failures.get(reason) ?? 0) + 1);
    }
  }
  for (const [reason, count] of failures)
    console.error(`pathmeter: recording ${count} request(s) failed: ${reason}`);
  return events;
}
