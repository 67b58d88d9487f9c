/**
 * Response cache of the stats API (Cache API, `caches.default`), as route middleware.
 *
 * Key: the endpoint, every query parameter (sorted), the answer's format (JSON or CSV) and the
 * current hour when the range end defaults to "now". Each entry carries the data version it was
 * computed at (events stored, last batch, last rollup or cleanup run: one tiny D1 read, made while
 * the cache is looked up); an entry of another version is a miss, so an answer is fresh as soon as
 * a batch lands or a job changed how a range is stored — even for old ranges (late events, dead-letter
 * replays). TTLs
 * only bound how long an entry lives: the endpoint's own for a range still open (reaching into
 * the current hour), an hour for a closed one that late events may still reach, a day once no
 * event can be accepted for it any more (older than MAX_EVENT_AGE_DAYS).
 *
 * Answers carry an ETag (SHA-256 of the body); `If-None-Match` with it gets a 304. A failing
 * cache (match, put or the read of an entry's body throwing) is skipped: the answer then comes
 * from D1, never an error.
 */
import type { z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { accepts } from "hono/accepts";
import type { AppEnv } from "../app-env";
import { readDataVersion } from "../db/stats-cache-counters";
import { DAY_MS, HOUR_MS, hourOf } from "../shared/time";
import { countHit, countMiss } from "./cache-counts";
import { parseInstant } from "./range";
import { toCsv } from "./stats-csv";

/** The data version an entry was computed at (stored with it, never sent to clients). */
const VERSION_HEADER = "X-Pathmeter-Data-Version";
/** TTL of a closed range that late events may still change (the data version keys it too). */
const CLOSED_TTL_SECONDS = 3_600;
/** TTL of a range no event can be accepted for any more. */
const FINAL_TTL_SECONDS = 86_400;

export interface CachePolicy {
  /** TTL of a range reaching into the current hour, in seconds. */
  openTtlSeconds: number;
  /** Parameters holding range ends (exclusive); when one is absent the range ends "now". */
  endParams: readonly string[];
  /**
   * For endpoints that answer CSV: the response field holding the rows (null: the whole answer is
   * the one row, as for summary), and their schema.
   */
  csv?: { rows: string | null; schema: z.ZodObject };
}

/** The latest range end, null when one defaults to now, undefined when one cannot be read. */
function rangeEnd(params: URLSearchParams, names: readonly string[]): number | null | undefined {
  let end = Number.NEGATIVE_INFINITY;
  for (const name of names) {
    const values = params.getAll(name);
    if (values.length === 0) return null;
    try {
      end = Math.max(end, parseInstant(name, values[0] ?? ""));
    } catch {
      return undefined;
    }
    if (values.length > 1) return undefined;
  }
  return end;
}

/** `format` decides; without it the Accept header, q-values honoured (`text/csv;q=0` is a no). */
const wantsCsv = (c: Context<AppEnv>): boolean => {
  const format = c.req.query("format");
  if (format !== undefined) return format === "csv";
  const supports = ["application/json", "text/csv"];
  return accepts(c, { header: "Accept", supports, default: "application/json" }) === "text/csv";
};

async function etagOf(body: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  const hex = [...new Uint8Array(digest).slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `"${hex}"`;
}

const matchesEtag = (header: string | undefined, etag: string): boolean =>
  (header ?? "").split(",").some((t) => t.trim() === "*" || t.trim().replace(/^W\//, "") === etag);

/** Runs a cache operation; a failure is logged and treated as a miss (undefined). */
async function safely<T>(what: string, operation: () => Promise<T>): Promise<T | undefined> {
  try {
    return await operation();
  } catch (error) {
    console.warn(`pathmeter: stats cache ${what} failed: ${error instanceof Error ? error.message : error}`);
    return undefined;
  }
}

/** The answer to the client: the body (or a 304) with its validators. */
function answer(
  c: Context<AppEnv>,
  body: BodyInit | null,
  headers: Headers,
  ttl: number,
  state: string,
): Response {
  const etag = headers.get("ETag") ?? "";
  const common = {
    ETag: etag,
    "Cache-Control": `private, max-age=${ttl}`,
    Vary: "Accept",
    "X-Pathmeter-Cache": state,
  };
  if (matchesEtag(c.req.header("If-None-Match"), etag))
    return new Response(null, { status: 304, headers: common });
  return new Response(body, { headers: { ...common, "Content-Type": headers.get("Content-Type") ?? "" } });
}

function cacheKey(c: Context<AppEnv>, format: string, nowHour: number | null): Request {
  const url = new URL(c.req.url);
  const params = [...url.searchParams].sort(([a, x], [b, y]) =>
    a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1,
  );
  params.push(["~format", format]);
  if (nowHour !== null) params.push(["~hour", String(nowHour)]);
  return new Request(`${url.origin}/~pathmeter-cache${url.pathname}?${new URLSearchParams(params)}`);
}

/** Runs `work` after the answer when the runtime allows it, else before. */
async function afterAnswer(c: Context<AppEnv>, work: Promise<void>): Promise<void> {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    await work;
  }
}

/** The cache middleware of one stats endpoint; see the module comment. */
export const statsCache = (policy: CachePolicy): MiddlewareHandler<AppEnv> =>
  async function statsCache(c, next) {
    const now = Date.now();
    const end = rangeEnd(new URL(c.req.url).searchParams, policy.endParams);
    // An unreadable range is the validator's to answer (400); nothing to cache.
    if (end === undefined) return next();
    const db = c.env.DB;
    const lateDataPossible = end === null || end > now - c.get("config").maxEventAgeDays * DAY_MS - HOUR_MS;
    const ttl =
      end === null || end > hourOf(now)
        ? policy.openTtlSeconds
        : lateDataPossible
          ? CLOSED_TTL_SECONDS
          : FINAL_TTL_SECONDS;
    const csv = policy.csv && wantsCsv(c) ? policy.csv : undefined;
    const key = cacheKey(c, csv ? "csv" : "json", end === null ? hourOf(now) : null);
    // The version is checked against the one stored with the entry, so both reads run at once.
    const [version, stored] = await Promise.all([
      readDataVersion(db),
      safely("match", () => caches.default.match(key)),
    ]);
    // The body is read here, not streamed through: a read that fails half-way is a miss, never
    // a broken answer (entries are small JSON/CSV).
    const hit =
      stored && stored.headers.get(VERSION_HEADER) === version
        ? await safely("read", async () => ({ body: await stored.text(), headers: stored.headers }))
        : undefined;
    if (hit) {
      const write = countHit(db);
      if (write) await afterAnswer(c, write);
      return answer(c, hit.body, hit.headers, ttl, "hit");
    }
    await next();
    if (c.res.status !== 200) return;
    const counted = countMiss(db);
    const json: unknown = await c.res.json();
    const body = csv
      ? toCsv(csv.schema, csv.rows === null ? [json] : ((json as Record<string, unknown[]>)[csv.rows] ?? []))
      : JSON.stringify(json);
    const headers = new Headers({
      "Content-Type": csv ? "text/csv; charset=utf-8" : "application/json",
      ETag: await etagOf(body),
      "Cache-Control": `max-age=${ttl}`,
      [VERSION_HEADER]: version,
    });
    await Promise.all([
      counted,
      safely("put", () => caches.default.put(key, new Response(body, { headers }))),
    ]);
    c.res = undefined;
    c.res = answer(c, body, headers, ttl, "miss");
  };
