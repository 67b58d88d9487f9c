/**
 * Synthetic traffic for the benchmarks: realistic spreads of paths, methods, statuses, clients
 * and latencies over the last hours, generated from a seed so every run measures the same data.
 */
import { createHash } from "node:crypto";
import type { TrafficEvent } from "../../worker/src/event";
import { seededRandom as seeded } from "../lib/seeded-random";

const TEMPLATES = [
  "/users/:id",
  "/users/:id/orders",
  "/orders",
  "/orders/:id",
  "/products",
  "/products/:id",
  "/cart",
  "/checkout",
  "/search",
  "/health",
];
const API_VERSIONS = ["/v1", "/v2", ""];
const STATUSES = [200, 200, 200, 200, 200, 200, 200, 201, 204, 301, 400, 401, 404, 404, 429, 500, 503];
const METHODS = ["GET", "GET", "GET", "POST", "PUT", "DELETE"] as const;

export interface TrafficOptions {
  count: number;
  seed: number;
  /** Events are spread over [now − spanHours, now). */
  spanHours: number;
  clients: number;
  now?: number;
}

/** `count` valid TrafficEvents with unique ids, ~30 path templates and lognormal-ish latencies. */
export function syntheticEvents(options: TrafficOptions): TrafficEvent[] {
  const random = seeded(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const now = options.now ?? Date.now();
  const span = options.spanHours * 3_600_000;
  return Array.from({ length: options.count }, (_, i) => {
    const ts = now - 1 - Math.floor(random() * span);
    const client = Math.floor(random() ** 2 * options.clients);
    const hex = createHash("sha256").update(`${options.seed}:${i}`).digest("hex").slice(0, 32);
    return {
      id: `${ts}-${hex}`,
      ts,
      method: pick(METHODS),
      path: pick(API_VERSIONS) + pick(TEMPLATES),
      status: pick(STATUSES),
      durationMs: Math.round(Math.exp(1 + random() * 4.5) * 100) / 100,
      bytes: Math.floor(random() * 20_000),
      clientHash: createHash("sha256").update(`client-${client}`).digest("hex").slice(0, 32),
      colo: pick(["FRA", "AMS", "LHR", "IAD"]),
      country: pick(["DE", "NL", "GB", "US"]),
      source: "gateway",
    };
  });
}

/** Splits into consecutive batches of `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
