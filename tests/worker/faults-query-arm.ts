/**
 * The faults of the query-API scenario (faults-query.ts), armed at the edges until undone: the
 * Cache API's match or put throwing (or both), a cached entry whose body breaks while it is read,
 * KV throwing on get or put, and the D1 write of the stats cache's hit/miss counts failing.
 */
import { env } from "cloudflare:test";
import { type MockInstance, vi } from "vitest";

export const QUERY_FAULTS = [
  "none",
  "cache-match-throws",
  "cache-put-throws",
  "cache-down",
  "cache-body-breaks",
  "kv-get-throws",
  "kv-put-throws",
  "cache-counts-fail",
] as const;
export type QueryFault = (typeof QUERY_FAULTS)[number];

const realMatch = caches.default.match.bind(caches.default);

/** A cache hit whose body fails while it is read (a storage error after the headers). */
async function brokenHit(key: RequestInfo | URL): Promise<Response | undefined> {
  const stored = await realMatch(key);
  if (!stored) return undefined;
  const body = new ReadableStream({
    pull(controller) {
      controller.error(new Error("injected: cache body read failed"));
    },
  });
  return new Response(body, { headers: stored.headers });
}

/** Arms `fault` until the returned function is called. */
export function armQueryFault(fault: QueryFault): () => void {
  const unavailable = () => Promise.reject(new Error(`injected: ${fault}`));
  const spies: MockInstance[] = [];
  if (fault === "cache-match-throws" || fault === "cache-down")
    spies.push(vi.spyOn(caches.default, "match").mockImplementation(unavailable));
  if (fault === "cache-put-throws" || fault === "cache-down")
    spies.push(vi.spyOn(caches.default, "put").mockImplementation(unavailable));
  if (fault === "cache-body-breaks")
    spies.push(vi.spyOn(caches.default, "match").mockImplementation(brokenHit));
  if (fault === "kv-get-throws") spies.push(vi.spyOn(env.SNAPSHOTS, "get").mockImplementation(unavailable));
  if (fault === "kv-put-throws") spies.push(vi.spyOn(env.SNAPSHOTS, "put").mockImplementation(unavailable));
  if (fault === "cache-counts-fail") {
    const prepare = env.DB.prepare.bind(env.DB);
    // The counters' upsert fails when it runs; every other statement is untouched.
    spies.push(
      vi
        .spyOn(env.DB, "prepare")
        .mockImplementation((sql: string) =>
          prepare(
            sql.startsWith("INSERT INTO pipeline_counters") && sql.includes("stats_cache_hits")
              ? "SELECT json('injected: not json')"
              : sql,
          ),
        ),
    );
  }
  return () => {
    for (const spy of spies) spy.mockRestore();
  };
}
