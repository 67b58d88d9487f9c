/**
 * Event ids, derived the same way by the gateway and the ingest API so a re-sent event is stored
 * once: `${ts}-${32 hex}`, the hex being the first 128 bits of SHA-256 over
 * JSON([ts, clientHash, rawPath, requestId]). An ingested event with neither `id` nor `requestId`
 * has nothing that names its request: what it says of itself stands in for the request id
 * (factsRequestId), so two requests of one client to one path in the same millisecond (or second,
 * for a sender with coarse clocks) stay two events unless they agree in every field.
 *
 * Why 128 bits: by the birthday bound, n random b-bit values collide with probability
 * p ≈ n² / 2^(b+1). At n = 10^10 events and b = 128: p ≈ 10^20 / 2^129 ≈ 10^20 / 6.8·10^38
 * ≈ 1.5·10^-19, i.e. never in practice. (64 bits would give ≈ 2.7, a near-certain collision.)
 * The ts prefix makes it smaller still: two ids can only collide when both events start in the
 * same millisecond, so the real bound is Σ over milliseconds of n_ms² / 2^129.
 */
import { toHex } from "../shared/hex";

const encoder = new TextEncoder();

/** `${ts}-${32 hex}` for one request; the same inputs always give the same id. */
export async function eventId(
  ts: number,
  clientHash: string,
  rawPath: string,
  requestId: string,
): Promise<string> {
  const input = encoder.encode(JSON.stringify([ts, clientHash, rawPath, requestId]));
  return `${ts}-${toHex(await crypto.subtle.digest("SHA-256", input), 16)}`;
}

/** What an ingested event says of itself beside ts, client and path. */
export interface EventFacts {
  method: string;
  status: number;
  durationMs: number;
  bytes?: number | null | undefined;
}

/** The stand-in request id of an ingested event sent without `id` and `requestId`. */
export const factsRequestId = (facts: EventFacts): string =>
  JSON.stringify(["facts", facts.method, facts.status, facts.durationMs, facts.bytes ?? null]);

/** The request's id: Cloudflare's `CF-Ray`, else `X-Request-Id`, else a fresh random UUID. */
export const requestIdOf = (headers: Headers): string =>
  headers.get("CF-Ray") ?? headers.get("X-Request-Id") ?? crypto.randomUUID();
