/**
 * The traffic the pipeline end-to-end test sends, and its ground truth: what the summary must
 * say, computed here from what was sent and what the gateway answered, never read back from pathmeter.
 */

import { seededRandom } from "./helpers";

export interface GatewayCall {
  method: "GET" | "POST";
  path: string;
  /** The template the path must be normalised to. */
  template: string;
  body?: string;
}

export interface Truth {
  requests: number;
  errors4xx: number;
  errors5xx: number;
  clients: Set<string>;
  templates: Set<string>;
  durations: number[];
}

export const GATEWAY_IPS = Array.from({ length: 7 }, (_, i) => `198.51.100.${i + 1}`);

/** Demo API calls: several raw paths per template, and 2xx/4xx/5xx answers. */
export function gatewayCalls(): GatewayCall[] {
  const calls: GatewayCall[] = [];
  const get = (path: string, template: string) => calls.push({ method: "GET", path, template });
  for (const id of [1, 2, 42, 250, 500, 501, 9000]) get(`/users/${id}`, "/users/:id");
  get("/users/3f1c2b9e-7d4a-4c1e-9b2f-0a6e5d4c3b2a", "/users/:id");
  for (const id of [7, 12, 13, 26, 40, 600]) get(`/users/${id}/orders`, "/users/:id/orders");
  for (const page of ["1", "2", "7", "0"]) get(`/products?page=${page}`, "/products");
  get("/health", "/health");
  get("/internal/missing", "/internal/missing");
  for (const body of ['{"productId":3}', '{"productId":8}', "not json", "{}"])
    calls.push({ method: "POST", path: "/orders", template: "/orders", body });
  return [...calls, ...calls];
}

export const emptyTruth = (): Truth => ({
  requests: 0,
  errors4xx: 0,
  errors5xx: 0,
  clients: new Set(),
  templates: new Set(),
  durations: [],
});

export function count(truth: Truth, status: number, client: string, template: string): void {
  truth.requests += 1;
  if (status >= 400 && status < 500) truth.errors4xx += 1;
  if (status >= 500) truth.errors5xx += 1;
  truth.clients.add(client);
  truth.templates.add(template);
}

export const INGEST_PATHS = [
  { raw: "/v1/items/123", template: "/v1/items/:id" },
  { raw: "/v1/items/9/reviews", template: "/v1/items/:id/reviews" },
  { raw: "/v1/search?q=shoes", template: "/v1/search" },
] as const;
export const INGEST_STATUSES = [200, 200, 200, 201, 404, 429, 500, 503];

/** 70 distinct ingest events in one closed hour: 60 with ids, 10 whose id the API derives. */
export function ingestEvents(hour: number) {
  const random = seededRandom(7);
  const duration = () => Math.round((3 + random() ** 3 * 900) * 100) / 100;
  const withIds = Array.from({ length: 60 }, (_, i) => {
    const path = INGEST_PATHS[i % INGEST_PATHS.length] ?? INGEST_PATHS[0];
    const client =
      i % 3 === 0 ? { clientIp: `192.0.2.${(i % 4) + 1}` } : { clientHash: `partner-client-${i % 5}` };
    return {
      id: `e2e-ingest-${i}`,
      ts: hour + 1_000 + i * 30_000,
      method: i % 4 === 0 ? "POST" : "GET",
      path: path.raw,
      status: INGEST_STATUSES[i % INGEST_STATUSES.length] ?? 200,
      durationMs: duration(),
      ...client,
    };
  });
  const derivedIds = Array.from({ length: 10 }, (_, j) => ({
    ts: hour + 40 * 60_000 + j * 1_000,
    method: "GET",
    path: "/v1/search?q=boots",
    status: 200,
    durationMs: duration(),
    clientHash: "partner-client-0",
    requestId: `partner-req-${j}`,
  }));
  return { withIds, derivedIds };
}

export const merge = (a: Truth, b: Truth): Truth => ({
  requests: a.requests + b.requests,
  errors4xx: a.errors4xx + b.errors4xx,
  errors5xx: a.errors5xx + b.errors5xx,
  clients: new Set([...a.clients, ...b.clients]),
  templates: new Set([...a.templates, ...b.templates]),
  durations: [...a.durations, ...b.durations],
});
