/**
 * After a load run: waiting until every recorded request is stored (the queue drain time) and
 * checking pathmeter's counts against what was sent, exactly — the health endpoint's events
 * stored, and the stats API's requests, 4xx and 5xx per path template and method.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { RouteCount } from "./traffic";

export interface Pathmeter {
  /** Gateway origin. */
  url: string;
  adminToken: string;
}

async function getJson<T>(stack: Pathmeter, route: string): Promise<T> {
  const res = await fetch(`${stack.url}/_pathmeter${route}`, {
    headers: { Authorization: `Bearer ${stack.adminToken}` },
  });
  if (!res.ok) throw new Error(`GET ${route}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface Health {
  eventsStored: number;
  rejected: { total: number };
  deadLetters: { total: number };
}

export const readHealth = (stack: Pathmeter) => getJson<Health>(stack, "/api/ops/health");

export interface Drain {
  /** From the call (the load's end) until events stored reached `expected`; null if it never did. */
  drainMs: number | null;
  stored: number;
}

/**
 * Polls health until exactly `expected` events are stored; stops at once when more are (a double
 * count) and at the deadline with the last count seen.
 */
export async function waitForDrain(stack: Pathmeter, expected: number, timeoutMs = 120_000): Promise<Drain> {
  const started = performance.now();
  let stored = -1;
  while (performance.now() - started < timeoutMs) {
    stored = (await readHealth(stack)).eventsStored;
    if (stored === expected) return { drainMs: Math.round(performance.now() - started), stored };
    if (stored > expected) break;
    await sleep(100);
  }
  return { drainMs: null, stored };
}

interface StatsPathRow {
  path: string;
  method: string;
  requests: number;
  errors4xx: number;
  errors5xx: number;
}

/** One route's expected and stored counts. */
export interface RouteCheck {
  method: string;
  template: string;
  sent: number;
  stored: number;
  sent4xx: number;
  stored4xx: number;
  sent5xx: number;
  stored5xx: number;
}

const countOf = (route: RouteCount, match: (status: number) => boolean) =>
  Object.entries(route.byStatus).reduce((sum, [status, n]) => sum + (match(Number(status)) ? n : 0), 0);

/** The stats API's rows for [fromMs, toMs), next to the expected counts per route. */
export async function checkRoutes(
  stack: Pathmeter,
  expected: readonly RouteCount[],
  fromMs: number,
  toMs: number,
): Promise<RouteCheck[]> {
  const { paths } = await getJson<{ paths: StatsPathRow[] }>(
    stack,
    `/api/stats/paths?from=${fromMs}&to=${toMs}&limit=500`,
  );
  const key = (method: string, template: string) => `${method} ${template}`;
  const stored = new Map(paths.map((row) => [key(row.method, row.path), row]));
  const checks = expected.map((route) => {
    const row = stored.get(key(route.method, route.template));
    stored.delete(key(route.method, route.template));
    return {
      method: route.method,
      template: route.template,
      sent: route.requests,
      stored: row?.requests ?? 0,
      sent4xx: countOf(route, (s) => s >= 400 && s < 500),
      stored4xx: row?.errors4xx ?? 0,
      sent5xx: countOf(route, (s) => s >= 500),
      stored5xx: row?.errors5xx ?? 0,
    };
  });
  // Anything stored that was never sent (a wrong template, a stray request) is a mismatch too.
  for (const row of stored.values())
    checks.push({
      method: row.method,
      template: row.path,
      sent: 0,
      stored: row.requests,
      sent4xx: 0,
      stored4xx: row.errors4xx,
      sent5xx: 0,
      stored5xx: row.errors5xx,
    });
  return checks;
}

/** Whether every route's stored counts equal its sent counts. */
export const routesMatch = (checks: readonly RouteCheck[]): boolean =>
  checks.every((c) => c.sent === c.stored && c.sent4xx === c.stored4xx && c.sent5xx === c.stored5xx);
