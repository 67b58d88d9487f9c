/**
 * Path normalisation (invariant 4): a raw request path becomes a bounded template, so an
 * attacker hitting random URLs cannot grow the number of distinct paths without bound.
 *
 * Order: query string and fragment dropped, repeated slashes collapsed, trailing slash removed,
 * percent-encoding made canonical (event/percent-encoding.ts: `/caf%c3%a9`, `/caf%C3%A9` and
 * `/café` are all `/caf%C3%A9`, `%7E` is `~`), dot segments resolved; then the configured route
 * templates (first match in configured order, matched by hono's own PatternRouter, so `:param`,
 * `:param{regex}` and `*` mean what they mean in hono; a `{regex}` sees the canonical path);
 * otherwise the generic rules turn identifier-like segments into `:id`. The result is at most
 * MAX_PATH_LENGTH.
 */
import { PatternRouter } from "hono/router/pattern-router";
import { BoundedCache } from "../shared/bounded-cache";
import { MAX_PATH_LENGTH } from "./index";
import { canonicalEncoding, encodedCutAt } from "./percent-encoding";

export type Normaliser = (rawPath: string) => string;

/** Raw input beyond this is ignored: the template is capped far below it anyway. */
const MAX_RAW_PATH_LENGTH = 4_096;

const NUMERIC = /^\d+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** ≥ 8 hex characters with at least one digit ("deadbeef" or "accessed" stay words). */
const HEX = /^(?=[a-f]*\d)[0-9a-f]{8,}$/i;
/** ≥ 20 base64url-ish characters mixing letters and digits: tokens, hashes, opaque ids. */
const OPAQUE = /^(?=[\w=-]*\d)(?=[\w=-]*[A-Za-z])[\w=-]{20,}$/;

/** True when a path segment looks like an identifier rather than a name. */
export const isIdSegment = (segment: string): boolean =>
  NUMERIC.test(segment) || UUID.test(segment) || HEX.test(segment) || OPAQUE.test(segment);

/** Query/fragment dropped, slashes collapsed, a leading slash ensured, no trailing slash but `/`. */
function tidyPath(rawPath: string): string {
  let path = rawPath.slice(0, MAX_RAW_PATH_LENGTH);
  const end = path.search(/[?#]/);
  if (end >= 0) path = path.slice(0, end);
  path = `/${path}`.replace(/\/{2,}/g, "/");
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

/**
 * Query/fragment dropped, slashes collapsed, a leading slash ensured, no trailing slash but `/`,
 * the canonical percent-encoding (see event/percent-encoding.ts), dot segments resolved.
 */
export function cleanPath(rawPath: string): string {
  return withoutDotSegments(canonicalEncoding(tidyPath(rawPath)));
}

/**
 * `.` and `..` segments resolved (RFC 3986 §5.2.4), as the gateway's URL parser already does for
 * its paths: an ingested `/a/%2E%2E/b` (decoded to `/a/../b`) or `/a/./b` gives the gateway's `/b`
 * or `/a/b`. Never above the root.
 */
function withoutDotSegments(path: string): string {
  if (!path.includes("/.")) return path;
  const kept: string[] = [];
  for (const segment of path.split("/").slice(1)) {
    if (segment === "..") kept.pop();
    else if (segment !== ".") kept.push(segment);
  }
  return `/${kept.join("/")}`;
}

/**
 * A configured route with its literal segments in the canonical encoding, so they match canonical
 * paths; a `:param` segment (whose `{regex}` may hold "/", braces or "?") is kept as written, and
 * so is hono's trailing "?" (the last segment is optional).
 */
function canonicalRoute(pattern: string): string {
  const optional = pattern.endsWith("?");
  const route = optional ? pattern.slice(0, -1) : pattern;
  let canonical = "";
  let depth = 0;
  let start = 0;
  for (let at = 1; at <= route.length; at++) {
    const char = route[at];
    if (char === "{") depth += 1;
    else if (char === "}") depth = Math.max(0, depth - 1);
    else if ((char === "/" && depth === 0) || at === route.length) {
      const segment = route.slice(start, at);
      canonical += /^\/?:/.test(segment) ? segment : canonicalEncoding(segment);
      start = at;
    }
  }
  return optional ? `${canonical}?` : canonical;
}

/**
 * A template given to filter by (the stats API's `path`), spelled as stored templates are: literal
 * segments in the canonical encoding, `:param{regex}` segments as written, no trailing slash, at
 * most MAX_PATH_LENGTH. A value not starting with "/" (`(other)`) is kept as it is.
 */
export function canonicalTemplate(template: string): string {
  if (!template.startsWith("/")) return template;
  const trimmed = template.length > 1 ? template.replace(/\/+$/, "") || "/" : template;
  return capLength(canonicalRoute(trimmed));
}

/**
 * Cuts to MAX_PATH_LENGTH without leaving half of a `%XX` triplet (or of an encoded UTF-8
 * character) or half of a UTF-16 surrogate pair at the end.
 */
function capLength(path: string): string {
  if (path.length <= MAX_PATH_LENGTH) return path;
  const cut = path.slice(0, encodedCutAt(path, MAX_PATH_LENGTH));
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/** Raw paths whose template is remembered per normaliser (an LRU: see shared/bounded-cache.ts). */
export const TEMPLATES_KEPT = 2_048;

/** The part of a raw path its template depends on: up to the query or fragment, within the cap. */
function pathPart(rawPath: string): string {
  const capped = rawPath.length > MAX_RAW_PATH_LENGTH ? rawPath.slice(0, MAX_RAW_PATH_LENGTH) : rawPath;
  const end = capped.search(/[?#]/);
  return end >= 0 ? capped.slice(0, end) : capped;
}

/**
 * A normaliser for these route templates. Templates are compiled once here, so build it once per
 * config (see `normaliserFor`), not per request. The templates of the last TEMPLATES_KEPT distinct
 * paths are remembered: a busy API asks for the same few paths over and over, and matching the
 * routes and the identifier rules again for each request is the gateway's hottest string work.
 */
export function createNormaliser(
  routes: readonly string[],
  /** Where templates are remembered (a test passes its own to look inside). */
  templates: BoundedCache<string, string> = new BoundedCache(TEMPLATES_KEPT),
): Normaliser {
  const router = new PatternRouter<string>();
  for (const route of routes) router.add("ALL", canonicalRoute(route), canonicalRoute(tidyPath(route)));
  const templateOf = (path: string): string => {
    const [matches] = router.match("ALL", path);
    const template = matches[0]?.[0];
    if (template !== undefined) return capLength(template);
    return capLength(
      path
        .split("/")
        .map((segment) => (isIdSegment(segment) ? ":id" : segment))
        .join("/"),
    );
  };
  return function normalise(rawPath) {
    const key = pathPart(rawPath);
    let template = templates.get(key);
    if (template === undefined) {
      template = templateOf(cleanPath(key));
      templates.set(key, template);
    }
    return template;
  };
}

/** Normalisers by route list (JSON), and by the list object itself to skip the JSON per request. */
const cache = new Map<string, Normaliser>();
const byList = new WeakMap<readonly string[], Normaliser>();

/**
 * The normaliser of a route list, built on first use and reused by every later request. A list is
 * taken as immutable (config parses it once): the same array always gets the same normaliser.
 */
export function normaliserFor(routes: readonly string[]): Normaliser {
  const known = byList.get(routes);
  if (known) return known;
  const key = JSON.stringify(routes);
  let normalise = cache.get(key);
  if (!normalise) {
    normalise = createNormaliser(routes);
    cache.set(key, normalise);
  }
  byList.set(routes, normalise);
  return normalise;
}
