/**
 * A request to one of pathmeter's own endpoints with a method it does not serve gets 405 with an
 * `Allow` header naming the methods it does (HEAD wherever GET), for every route of the reserved
 * app's route table; a path with no endpoint stays 404, and neither is answered without the token.
 */
import { describe, expect, it } from "vitest";
import { reservedRoutes } from "./access-routes";
import { api } from "./harness";

const CANDIDATES = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/** Each route path with the methods its routes serve. */
function methodsByPath(): Map<string, Set<string>> {
  const byPath = new Map<string, Set<string>>();
  for (const { method, path } of reservedRoutes()) {
    const methods = byPath.get(path) ?? new Set<string>();
    methods.add(method);
    byPath.set(path, methods);
  }
  return byPath;
}

describe("a served path with another method", () => {
  const cases = [...methodsByPath()].map(([path, methods]) => ({
    path,
    served: [...methods, ...(methods.has("GET") ? ["HEAD"] : [])].sort(),
    wrong: CANDIDATES.find((m) => !methods.has(m)),
  }));

  it("covers the ingest API, the stats API and the ops API", () => {
    const paths = cases.map((c) => c.path);
    for (const path of ["/ingest", "/api/stats/paths", "/api/ops/jobs/rollup"]) expect(paths).toContain(path);
  });

  it.each(cases)("$wrong $path → 405, Allow: $served", async ({ path, served, wrong }) => {
    if (wrong === undefined) throw new Error(`${path} serves every candidate method: pick another`);
    const res = await api(path, { method: wrong });
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")?.split(", ")).toEqual(served);
    const body = await res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe("method_not_allowed");
    expect(body.error.message).toBe(
      `${wrong} is not served at /_pathmeter${path}; use ${served.join(" or ")}`,
    );
  });

  it("answers HEAD and OPTIONS on a POST-only endpoint the same way", async () => {
    for (const method of ["HEAD", "OPTIONS"]) {
      const res = await api("/ingest", { method });
      expect(res.status, method).toBe(405);
      expect(res.headers.get("Allow")).toBe("POST");
    }
  });

  it("is 401 without the token, naming no method", async () => {
    const res = await api("/ingest", { method: "GET" }, null);
    expect(res.status).toBe(401);
    expect(res.headers.get("Allow")).toBeNull();
  });
});

it("answers 404 for a path with no endpoint, whatever the method, a served path with a slash added included", async () => {
  const paths = ["/api/no-such-endpoint", "/ingest/", "/api/stats/summary/", "/dashboard/"];
  for (const path of paths)
    for (const method of ["GET", "POST"]) {
      const res = await api(path, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
        `no pathmeter endpoint at ${method} /_pathmeter${path}`,
      );
      expect(res.headers.get("Allow")).toBeNull();
    }
});
