/**
 * The access tests' view of pathmeter's own routes: every route of the reserved app's route table
 * (so a route added later is covered without editing the tests), its parameters filled in.
 */
import { reserved } from "../../worker/src/app";

export interface ReservedRoute {
  method: string;
  /** Path under the reserved prefix, parameters filled in, e.g. `/api/ops/jobs/rollup`. */
  path: string;
}

/**
 * Served without a bearer header by design (ARCHITECTURE.md): the dashboard page asks for the
 * token itself and its hashed script and styles hold no data; the live WebSocket takes the token
 * as a subprotocol or first message, which the hub checks (tests/worker/live-hub.test.ts).
 */
export const SERVED_WITHOUT_TOKEN = new Set([
  "GET /dashboard",
  "GET /dashboard/assets/sample",
  "GET /api/live",
]);

const SAMPLE_PARAMS: Record<string, string> = { job: "rollup", day: "2026-11-20" };

const filled = (path: string): string =>
  path.replace(/:(\w+)(\{[^}]*\})?/g, (_m, name: string) => SAMPLE_PARAMS[name] ?? "sample");

/** Every concrete route (not middleware, not the catch-all), once per method and path. */
export function reservedRoutes(): ReservedRoute[] {
  const seen = new Map<string, ReservedRoute>();
  for (const route of reserved.routes) {
    if (route.method === "ALL" || route.path.includes("*")) continue;
    const path = filled(route.path);
    seen.set(`${route.method} ${path}`, { method: route.method, path });
  }
  return [...seen.values()];
}

/** The routes that must refuse a request without the admin token. */
export const protectedRoutes = (): ReservedRoute[] =>
  reservedRoutes().filter((r) => !SERVED_WITHOUT_TOKEN.has(`${r.method} ${r.path}`));
