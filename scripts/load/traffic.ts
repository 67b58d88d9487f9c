/**
 * The load run's traffic: a fixed mix of requests to the demo API (several methods, raw paths
 * that normalise to a handful of templates, 2xx and 4xx answers, many client IPs) and the
 * ground truth kept from what was sent and answered — never read back from pathmeter.
 *
 * No request carries an X-Request-Id, so the gateway gives each one a fresh random id: every
 * request is a distinct event, and `events stored == requests sent` is the exact expectation.
 * No request makes the demo API answer 5xx (user ids that are multiples of 13 are left out of
 * /orders), so any 5xx seen is pathmeter's own.
 */

export interface LoadCall {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  /** The template the gateway must normalise `path` to. */
  template: string;
  body?: string;
  headers: Record<string, string>;
}

/** One (method, template) pair and how many requests of it were answered, by status. */
export interface RouteCount {
  method: string;
  template: string;
  requests: number;
  byStatus: Record<string, number>;
}

const ipFor = (i: number) => `198.51.100.${(i * 37) % 250}`;

/** Users whose orders answer 200 (not 500): the demo API fails every 13th user's orders. */
const orderUsers = (count: number) =>
  Array.from({ length: count * 2 }, (_, i) => i * 7 + 1)
    .filter((id) => id % 13 !== 0)
    .slice(0, count);

/** The requests each connection cycles through, in this order. */
export function loadCalls(): LoadCall[] {
  const calls: Omit<LoadCall, "headers">[] = [];
  for (const id of [1, 42, 250, 499])
    calls.push({ method: "GET", path: `/users/${id}`, template: "/users/:id" });
  for (const id of orderUsers(4))
    calls.push({ method: "GET", path: `/users/${id}/orders`, template: "/users/:id/orders" });
  for (const page of [1, 3])
    calls.push({ method: "GET", path: `/products?page=${page}`, template: "/products" });
  calls.push({ method: "GET", path: "/users/9000", template: "/users/:id" }); // 404
  calls.push({ method: "POST", path: "/orders", template: "/orders", body: '{"productId":7}' });
  calls.push({ method: "POST", path: "/orders", template: "/orders", body: "{}" }); // 422
  calls.push({ method: "PUT", path: "/users/8", template: "/users/:id" }); // 404: no such route
  calls.push({ method: "DELETE", path: "/orders", template: "/orders" }); // 404
  calls.push({ method: "GET", path: "/health", template: "/health" });
  return calls.map((call, i) => ({
    ...call,
    headers: {
      "CF-Connecting-IP": ipFor(i),
      ...(call.body === undefined ? {} : { "Content-Type": "application/json" }),
    },
  }));
}

const routeKey = (method: string, template: string) => `${method} ${template}`;

/** Sums per-call answer counts (index = position in loadCalls()) into per-route counts. */
export function countsByRoute(
  calls: readonly LoadCall[],
  answered: readonly Record<string, number>[],
): RouteCount[] {
  const routes = new Map<string, RouteCount>();
  for (const [i, call] of calls.entries()) {
    const key = routeKey(call.method, call.template);
    const route = routes.get(key) ?? {
      method: call.method,
      template: call.template,
      requests: 0,
      byStatus: {},
    };
    for (const [status, n] of Object.entries(answered[i] ?? {})) {
      route.requests += n;
      route.byStatus[status] = (route.byStatus[status] ?? 0) + n;
    }
    routes.set(key, route);
  }
  return [...routes.values()].sort((a, b) =>
    routeKey(a.method, a.template).localeCompare(routeKey(b.method, b.template)),
  );
}

/** Adds per-route counts of several phases together. */
export function addRouteCounts(...phases: readonly RouteCount[][]): RouteCount[] {
  const calls: LoadCall[] = [];
  const answered: Record<string, number>[] = [];
  for (const route of phases.flat()) {
    calls.push({
      method: route.method as LoadCall["method"],
      path: route.template,
      template: route.template,
      headers: {},
    });
    answered.push(route.byStatus);
  }
  return countsByRoute(calls, answered);
}
