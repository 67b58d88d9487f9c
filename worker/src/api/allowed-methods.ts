/**
 * Which methods pathmeter's own routes answer at a path, for a 405's `Allow` header: a request to
 * an endpoint with the wrong method (GET on the ingest API) is told what to use, not "no such
 * endpoint". Read from the app's route table, so a route added later is covered.
 */
import { PatternRouter } from "hono/router/pattern-router";
import type { RouterRoute } from "hono/types";

/** A lookup of the methods answered at a path (HEAD wherever GET is, as hono serves it). */
export function allowedMethods(routes: readonly RouterRoute[]): (path: string) => string[] {
  let router: PatternRouter<string> | undefined;
  const build = () => {
    const built = new PatternRouter<string>();
    // Every concrete route, not middleware nor a catch-all; matched whatever the method asked.
    for (const route of routes)
      if (route.method !== "ALL" && !route.path.includes("*")) built.add("ALL", route.path, route.method);
    return built;
  };
  return (path) => {
    // hono matches strictly (`/ingest/` is not `/ingest`); PatternRouter would allow the slash.
    if (path.length > 1 && path.endsWith("/")) return [];
    router ??= build();
    const [matches] = router.match("ALL", path);
    const methods = new Set(matches.map(([method]) => method));
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods].sort();
  };
}
