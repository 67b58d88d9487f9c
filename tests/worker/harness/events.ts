/**
 * The one generator of test traffic: seeded (scripts/lib/seeded-random.ts), so every run sees
 * the same events and a failure reproduces. Every worker test that needs events takes them here,
 * shaped by options; the defaults span two UTC days, all status classes and a wide latency range.
 */
import { seededRandom } from "../../../scripts/lib/seeded-random";
import type { EventMethod, TrafficEvent } from "./worker";

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/**
 * Events start here by default: 21:00 UTC two days ago, so a few hours span two UTC days and
 * stay inside the acceptance window (MAX_EVENT_AGE_DAYS) that the consumer enforces.
 */
export const DEFAULT_START_MS = Math.floor(Date.now() / DAY) * DAY - 2 * DAY + 21 * HOUR;

/** A seeded PRNG for a test's own random choices (the same one the generator uses). */
export const random = seededRandom;

const PATHS = ["/", "/users", "/users/:id", "/users/:id/orders", "/orders/:id", "/search", "/v2/items/:id"];
const METHODS: readonly EventMethod[] = ["GET", "GET", "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"];
const STATUSES = [101, 200, 200, 200, 201, 204, 301, 304, 400, 401, 404, 404, 429, 500, 502, 503];

export interface GenerateOptions {
  /** Part of every id; events of different prefixes never share an id. */
  prefix: string;
  count: number;
  seed?: number;
  /** Events fall in [startMs, startMs + spanMs). Default: DEFAULT_START_MS and 5 hours. */
  startMs?: number;
  spanMs?: number;
  /** Client hashes are `client-0` … `client-{clients-1}`. */
  clients?: number;
  paths?: readonly string[];
  methods?: readonly EventMethod[];
  source?: TrafficEvent["source"];
}

/**
 * Log-uniform durations from 1/4 ms to a minute in multiples of 1/4 ms (exact in binary, so sums
 * compare exactly), 3% of them zero.
 */
const durationOf = (rand: () => number): number =>
  rand() < 0.03 ? 0 : Math.round(4 * 0.25 * 240_000 ** rand()) / 4;

/** `count` valid events, deterministic for a given seed and options. */
export function generateEvents(options: GenerateOptions): TrafficEvent[] {
  const { prefix, count, seed = 1, startMs = DEFAULT_START_MS, spanMs = 5 * HOUR, clients = 40 } = options;
  const rand = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  return Array.from({ length: count }, (_, i) => {
    const ts = startMs + Math.floor(rand() * spanMs);
    return {
      id: `${ts}-${prefix}-${i}`,
      ts,
      method: pick(options.methods ?? METHODS),
      path: pick(options.paths ?? PATHS),
      status: pick(STATUSES),
      durationMs: durationOf(rand),
      bytes: rand() < 0.1 ? null : Math.floor(rand() * 100_000),
      clientHash: `client-${Math.floor(rand() * clients)}`,
      colo: rand() < 0.5 ? "FRA" : null,
      country: rand() < 0.5 ? "DE" : null,
      source: options.source ?? (rand() < 0.5 ? "gateway" : "ingest"),
    };
  });
}

/** `n` random lower-case hex digits from `rand`: ids and client hashes shaped as the gateway's. */
export const hexDigits = (rand: () => number, n: number): string =>
  Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join("");
