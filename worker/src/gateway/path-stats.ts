/**
 * pathStats: hono middleware that records one TrafficEvent per request it wraps. The duration is
 * measured around `await next()` (time to response headers); everything else — hashing the
 * client, deriving the id, normalising the path, waiting for the body size, delivering — runs
 * after the response inside `waitUntil`, so the client never waits for analytics and never sees
 * them fail (a failure is logged with its message only). Events of concurrent requests are
 * coalesced into one packed queue send (coalesce.ts).
 */
import type { Context, Env as HonoEnv, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { configOf } from "../config";
import { type EventSink, eventSinkOf } from "../delivery/send-events";
import type { Env } from "../env";
import { validateTrafficEvent } from "../event";
import { clientIpOf, hashClientIp } from "../event/client-hash";
import { eventId, requestIdOf } from "../event/id";
import { normaliserFor } from "../event/normalise";
import { errorMessage } from "../shared/errors";
import { measureBody } from "./body-bytes";
import { type CoalesceOptions, coalescerFor, DEFAULT_COALESCE } from "./coalesce";

/** What recording needs from a request's environment. */
export interface RecorderSetup {
  /** Secret salt of the client-IP HMAC. */
  salt: string;
  /** Route templates matched before the generic normalisation rules, e.g. `["/users/:id"]`. */
  routes: readonly string[];
  /** Where events go: the queue, with a direct D1 fallback. */
  sink: EventSink;
}

export interface PathStatsOptions<E extends HonoEnv = AppEnv> {
  /**
   * Reads the setup from the request context; called after the response, per request.
   * @default this Worker's bindings: CLIENT_IP_SALT, ROUTES, EVENTS_QUEUE, DB, MAX_PATHS_PER_DAY
   */
  setup?: (c: Context<E>) => RecorderSetup;
  /**
   * How the events of concurrent requests are sent together (see coalesce.ts).
   * @default { maxEvents: 250, maxDelayMs: 50 }
   */
  coalesce?: CoalesceOptions;
}

const isPathmeterEnv = (env: unknown): env is Env =>
  typeof env === "object" && env !== null && "EVENTS_QUEUE" in env && "DB" in env && "CLIENT_IP_SALT" in env;

function pathmeterSetup(env: unknown): RecorderSetup {
  if (!isPathmeterEnv(env))
    throw new Error(
      "pathStats() without options needs pathmeter's bindings; pass options.setup for other envs",
    );
  return { salt: env.CLIENT_IP_SALT, routes: configOf(env).routes, sink: eventSinkOf(env) };
}

/** What is known about the request before it is handled. */
interface RequestFacts {
  ts: number;
  method: string;
  rawPath: string;
  clientIp: string;
  requestId: string;
  colo: string | null;
  country: string | null;
}

const cfText = (cf: unknown, key: "colo" | "country"): string | null => {
  const value = typeof cf === "object" && cf !== null ? (cf as Record<string, unknown>)[key] : undefined;
  return typeof value === "string" && value !== "" ? value : null;
};

function factsOf(request: Request, ts: number): RequestFacts {
  const url = new URL(request.url);
  return {
    ts,
    method: request.method,
    rawPath: url.pathname + url.search,
    clientIp: clientIpOf(request.headers),
    requestId: requestIdOf(request.headers),
    colo: cfText(request.cf, "colo"),
    country: cfText(request.cf, "country"),
  };
}

async function recordRequest(
  facts: RequestFacts,
  outcome: { status: number; durationMs: number; bytes: Promise<number | null> },
  setup: RecorderSetup,
  coalesce: CoalesceOptions,
): Promise<void> {
  const clientHash = await hashClientIp(setup.salt, facts.clientIp);
  const candidate = {
    id: await eventId(facts.ts, clientHash, facts.rawPath, facts.requestId),
    ts: facts.ts,
    method: facts.method,
    path: normaliserFor(setup.routes)(facts.rawPath),
    status: outcome.status,
    durationMs: outcome.durationMs,
    bytes: await outcome.bytes,
    clientHash,
    colo: facts.colo,
    country: facts.country,
    source: "gateway",
  };
  const checked = validateTrafficEvent(candidate);
  // e.g. a WebDAV method outside HTTP_METHODS: said out loud, never sent half-valid.
  if (!checked.ok)
    throw new Error(`event not recorded (${checked.rejection.code}): ${checked.rejection.message}`);
  await coalescerFor(setup.sink, coalesce).add(checked.value);
}

const logFailure = (error: unknown) =>
  console.error(`pathmeter: recording a request failed: ${errorMessage(error)}`);

/**
 * Records every request this middleware wraps as one TrafficEvent (see the module comment).
 * pathmeter's own app mounts it in front of the proxy; any hono app on Workers can mount it
 * without the proxy:
 *
 * @example
 * ```ts
 * import { pathStats } from "pathmeter/worker/src/gateway/path-stats";
 *
 * // An app whose Env has pathmeter's bindings (DB, EVENTS_QUEUE, CLIENT_IP_SALT, ROUTES, ...):
 * app.use("/api/*", pathStats());
 *
 * // An app with its own binding names (name its env type: `c` cannot infer it):
 * type MyEnv = { Bindings: { IP_SALT: string; ANALYTICS_Q: Queue<EventPack>; ANALYTICS_DB: D1Database } };
 * const api = new Hono<MyEnv>();
 * api.use("*", pathStats<MyEnv>({
 *   setup: (c) => ({
 *     salt: c.env.IP_SALT,
 *     routes: ["/users/:id/orders/:orderId"],
 *     sink: { queue: c.env.ANALYTICS_Q, db: c.env.ANALYTICS_DB, maxPathsPerDay: 2000 },
 *   }),
 * }));
 * ```
 */
export const pathStats = <E extends HonoEnv = AppEnv>(
  options: PathStatsOptions<E> = {},
): MiddlewareHandler<E> =>
  async function pathStats(c, next) {
    const facts = factsOf(c.req.raw, Date.now());
    const started = performance.now();
    await next();
    const durationMs = performance.now() - started;

    let bytes: Promise<number | null> = Promise.resolve(null);
    try {
      const measured = measureBody(c.res);
      c.res = measured.response;
      bytes = measured.bytes;
    } catch (error) {
      logFailure(error);
    }
    const status = c.res.status;
    const work = (async () => {
      const setup = options.setup ? options.setup(c) : pathmeterSetup(c.env);
      await recordRequest(facts, { status, durationMs, bytes }, setup, options.coalesce ?? DEFAULT_COALESCE);
    })().catch(logFailure);
    try {
      c.executionCtx.waitUntil(work);
    } catch {
      // No ExecutionContext (not running in a Worker): the work still runs, just unawaited.
    }
  };
