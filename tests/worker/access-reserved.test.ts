/**
 * Access to pathmeter's own routes (issue 12, invariant 6): every reserved route, and every
 * spelling of it a client might try (doubled or encoded slashes, dot segments, case, trailing
 * slashes), without a token, with a wrong one, one of another length, Basic auth or a token in
 * the query, is refused with a 401 or proxied to the upstream — never served. The token is
 * compared in constant time: fixed-length digests through crypto.subtle.timingSafeEqual.
 */
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { TEST_SECRETS } from "../secrets";
import { protectedRoutes, type ReservedRoute, reservedRoutes } from "./access-routes";
import { callWorker, resetStorage } from "./harness";

const ORIGIN = "http://gateway.test";
const TOKEN = TEST_SECRETS.ADMIN_TOKEN;
const UPSTREAM_BODY = "upstream-sentinel";

/** Authorization headers (or none) that must never open a reserved route. */
const WRONG_CREDENTIALS: Record<string, Record<string, string>> = {
  "no header": {},
  "same length, last character wrong": { Authorization: `Bearer ${TOKEN.slice(0, -1)}X` },
  "same length, first character wrong": { Authorization: `Bearer X${TOKEN.slice(1)}` },
  "a prefix of the token": { Authorization: `Bearer ${TOKEN.slice(0, -1)}` },
  "the token plus one character": { Authorization: `Bearer ${TOKEN}0` },
  "a very long token": { Authorization: `Bearer ${TOKEN.repeat(500)}` },
  "an empty bearer token": { Authorization: "Bearer " },
  "the scheme alone": { Authorization: "Bearer" },
  "two tokens": { Authorization: `Bearer ${TOKEN}, Bearer ${TOKEN}` },
  "the token without a scheme": { Authorization: TOKEN },
  "another scheme": { Authorization: `Token ${TOKEN}` },
  "Basic auth, token as password": { Authorization: `Basic ${btoa(`admin:${TOKEN}`)}` },
  "Basic auth, token as user": { Authorization: `Basic ${btoa(`${TOKEN}:`)}` },
  "the token in a cookie": { Cookie: `token=${TOKEN}` },
  "the token in another header": { "X-Admin-Token": TOKEN },
};

/** Ways to spell a reserved path that a lax router might map onto it. */
const PATH_VARIANTS: Record<string, (path: string) => string> = {
  exact: (p) => `/_pathmeter${p}`,
  "doubled slash before the prefix": (p) => `//_pathmeter${p}`,
  "doubled slash after the prefix": (p) => `/_pathmeter/${p}`,
  "encoded slash before the prefix": (p) => `/%2F_pathmeter${p}`,
  "encoded slash after the prefix": (p) => `/_pathmeter%2F${p.slice(1)}`,
  "encoded underscore": (p) => `/%5Fpathmeter${p}`,
  "dot-dot segment": (p) => `/_pathmeter/../_pathmeter${p}`,
  "encoded dot-dot segment": (p) => `/_pathmeter/%2e%2e/_pathmeter${p}`,
  "dot segment": (p) => `/_pathmeter/.${p}`,
  backslashes: (p) => `/_pathmeter${p.replaceAll("/", "\\")}`,
  "upper-case prefix": (p) => `/_PATHMETER${p}`,
  "upper-case route": (p) => `/_pathmeter${p.toUpperCase()}`,
  "trailing slash": (p) => `/_pathmeter${p}/`,
  "trailing encoded slash": (p) => `/_pathmeter${p}%2F`,
  "token in the query": (p) => `/_pathmeter${p}?token=${TOKEN}&access_token=${TOKEN}`,
  "matrix parameter": (p) => `/_pathmeter${p};token=${TOKEN}`,
};

let upstream: MockInstance<typeof fetch>;

beforeEach(async () => {
  await resetStorage();
  upstream = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response(UPSTREAM_BODY));
  // Refusals and proxied requests log nothing sensitive; keep the output quiet.
  vi.spyOn(console, "warn").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const send = (route: ReservedRoute, path: string, headers: Record<string, string>) =>
  callWorker(new Request(`${ORIGIN}${path}`, { method: route.method, headers }));

/** A 401 with pathmeter's error body and a Bearer challenge. */
function expectRefused(answer: { response: Response; body: string }, what: string): void {
  expect(answer.response.status, what).toBe(401);
  expect(JSON.parse(answer.body), what).toEqual({
    error: { code: "unauthorized", message: expect.any(String) },
  });
  expect(answer.response.headers.get("WWW-Authenticate"), what).toMatch(/^Bearer /);
}

describe("the route table", () => {
  it("has the documented routes, and each one opens with the right token", async () => {
    const routes = reservedRoutes().map((r) => `${r.method} ${r.path}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        "POST /ingest",
        "GET /api/stats/summary",
        "GET /api/ops/health",
        "GET /api/snapshot",
        "GET /api/archives",
      ]),
    );
    for (const route of protectedRoutes()) {
      const answer = await send(route, `/_pathmeter${route.path}`, { Authorization: `Bearer ${TOKEN}` });
      expect(answer.response.status, `${route.method} ${route.path}`).not.toBe(401);
      expect(answer.response.status, `${route.method} ${route.path}`).toBeLessThan(500);
    }
    expect(upstream).not.toHaveBeenCalled();
  });
});

describe("every reserved route refuses wrong credentials", () => {
  for (const [what, headers] of Object.entries(WRONG_CREDENTIALS)) {
    it(what, async () => {
      for (const route of protectedRoutes()) {
        expectRefused(
          await send(route, `/_pathmeter${route.path}`, headers),
          `${route.method} ${route.path}`,
        );
      }
      expect(upstream).not.toHaveBeenCalled();
    });
  }
});

describe("every spelling of a reserved route is refused or proxied, never served", () => {
  for (const [what, spell] of Object.entries(PATH_VARIANTS)) {
    it(what, async () => {
      for (const route of protectedRoutes()) {
        for (const headers of [{}, WRONG_CREDENTIALS["Basic auth, token as password"] ?? {}]) {
          const path = spell(route.path);
          const calls = upstream.mock.calls.length;
          const answer = await send(route, path, headers);
          const label = `${route.method} ${path}`;
          if (upstream.mock.calls.length > calls) {
            // Proxied: the upstream answered, nothing of pathmeter's.
            expect(upstream.mock.calls.length, label).toBe(calls + 1);
            expect(answer.body, label).toBe(UPSTREAM_BODY);
          } else expectRefused(answer, label);
        }
      }
    });
  }

  it("the prefix itself, with and without a trailing slash, and unknown routes under it", async () => {
    const route = { method: "GET", path: "" };
    for (const path of ["/_pathmeter", "/_pathmeter/", "/_pathmeter/nope", "/_pathmeter/api/ops/nope"])
      expectRefused(await send(route, path, {}), path);
    expect(upstream).not.toHaveBeenCalled();
  });
});

describe("the comparison is constant-time", () => {
  it("every check compares two 32-byte digests with crypto.subtle.timingSafeEqual, whatever was sent", async () => {
    const compare = vi.spyOn(crypto.subtle, "timingSafeEqual");
    const [route] = protectedRoutes();
    if (!route) throw new Error("no protected route");
    const presented = [...Object.values(WRONG_CREDENTIALS), { Authorization: `Bearer ${TOKEN}` }];
    for (const headers of presented) await send(route, `/_pathmeter${route.path}`, headers);
    expect(compare).toHaveBeenCalledTimes(presented.length);
    for (const [a, b] of compare.mock.calls) {
      expect([a.byteLength, b.byteLength]).toEqual([32, 32]);
    }
    expect(compare.mock.results.map((r) => r.value)).toEqual([...presented.map(() => false).slice(1), true]);
  });
});
