/**
 * The ingest-API traffic of the rows bench: a day of events over 50 paths × 2 methods and a
 * fixed number of clients, as an upstream gateway would POST them (raw paths, client IPs,
 * request ids, no event ids: the Worker derives them), generated from a seed.
 */
import { seededRandom } from "../lib/seeded-random";

export interface IngestItem {
  ts: number;
  method: "GET" | "POST";
  path: string;
  status: number;
  durationMs: number;
  bytes: number;
  clientIp: string;
  requestId: string;
}

const STATUSES = [200, 200, 200, 200, 200, 200, 200, 201, 204, 304, 400, 404, 404, 429, 500, 503];

/** `count` events spread over the UTC day starting at `dayStart`, in time order. */
export function ingestDay(options: {
  count: number;
  dayStart: number;
  clients: number;
  seed: number;
}): IngestItem[] {
  const random = seededRandom(options.seed);
  const items = Array.from({ length: options.count }, (_, i): IngestItem => {
    const resource = Math.floor(random() * 50);
    const client = Math.floor(random() ** 2 * options.clients);
    return {
      ts: options.dayStart + Math.floor(random() * 86_400_000),
      method: random() < 0.7 ? "GET" : "POST",
      path: `/api/svc${resource % 10}/resource-${resource}`,
      status: STATUSES[Math.floor(random() * STATUSES.length)] ?? 200,
      durationMs: Math.round(Math.exp(1 + random() * 5) * 100) / 100,
      bytes: Math.floor(random() * 20_000),
      clientIp: `10.${client >> 16}.${(client >> 8) & 255}.${client & 255}`,
      requestId: `bench-${options.seed}-${i}`,
    };
  });
  return items.sort((a, b) => a.ts - b.ts);
}
