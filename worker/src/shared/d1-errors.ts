/**
 * Which D1 failures are outages rather than bugs. D1 throws an Error whose message names the
 * cause; Cloudflare lists the transient ones — the database's Durable Object restarting, its
 * storage being reset, the network between the Worker and the database, an overloaded database —
 * as "retry the operation" (developers.cloudflare.com/d1/observability/debug-d1/ and
 * /d1/best-practices/retry-queries/). Everything else (a syntax error, a missing table, a type
 * mismatch) is a bug in our SQL and stays a logged 500.
 */

/** Fragments of the messages D1 documents as transient. */
const TRANSIENT_D1_MESSAGES = [
  "Network connection lost",
  "storage caused object to be reset",
  "reset because its code was updated",
  "is overloaded",
  "exceeded timeout",
] as const;

/**
 * D1's own errors name D1 (`D1_ERROR: …`, "D1 DB …"); "Network connection lost." alone is also
 * what a dropped R2, KV or queue call says, and is not answered as a database outage.
 */
const FROM_D1 = /\bD1(_|\s+DB\b)/;

/** Whether `error` is a D1 failure the caller should retry later (an outage, not a bug). */
export function isTransientD1Error(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return FROM_D1.test(message) && TRANSIENT_D1_MESSAGES.some((fragment) => message.includes(fragment));
}

/** Seconds a client is asked to wait (`Retry-After`) after a transient D1 failure. */
export const D1_RETRY_AFTER_SECONDS = 5;
