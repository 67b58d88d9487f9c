/**
 * pathStats: hono middleware that records one TrafficEvent per request it wraps. The duration is
 * measured around `await next()` (time to response headers). On the request path it only takes
 * the facts the request and response already hold and adds them to the isolate's open batch;
 * hashing the client, deriving the id, normalising the path and delivering run when the batch is
 * flushed (coalesce.ts, request-record.ts), after the responses were returned. So the client never
 * waits for analytics and never sees them fail (a failure is logged with its message only). The
 * request whose context runs its batch's flush (coalesce.ts: the one that opened or filled it)
 * awaits the flush with `waitUntil`, and a request whose size is known only once its body has
 * streamed awaits that too, so none is lost when the isolate goes away.
 */
import type { Context, Env as HonoEnv, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { configOf } from "../config";
import { type Delivery, deliverEvents, type EventSink, eventSinkOf } from "../delivery/send-events";
import type { Env } from "../env";
import { normaliserFor } from "../event/normalise";
import { errorMessage } from "../shared/errors";
import { type MeasuredResponse, measureBody } from "./body-bytes";
import {
  type CoalesceOptions,
  Coalescer,
  CoalescerRegistry,
  DEFAULT_COALESCE,
  type Joined,
} from "./coalesce";
import { eventsOf, type RequestRecord, recordOf } from "./request-record";

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

/** This Worker's setup per env object: built once, not per request. */
const setups = new WeakMap<object, RecorderSetup>();

function pathmeterSetup(env: unknown): RecorderSetup {
  if (!isPathmeterEnv(env))
    throw new Error(
      "pathStats() without options needs pathmeter's bindings; pass options.setup for other envs",
    );
  let setup = setups.get(env);
  if (!setup) {
    // Not cached when a setting cannot be parsed: it throws again, and is reported, next time.
    setup = { salt: env.CLIENT_IP_SALT, routes: configOf(env).routes, sink: eventSinkOf(env) };
    setups.set(env, setup);
  }
  return setup;
}

const logFailure = (error: unknown) =>
  console.error(`pathmeter: recording a request failed: ${errorMessage(error)}`);

/** One coalescer of request records per sink and isolate; records become events at flush. */
const coalescers = (options: CoalesceOptions) =>
  new CoalescerRegistry<RequestRecord>(
    (sink: EventSink) =>
      new Coalescer<RequestRecord>(async (records) => deliverEvents(sink, await eventsOf(records)), options),
  );
const defaultCoalescers = coalescers(DEFAULT_COALESCE);

/** The response measured; when measuring throws, the response as it is, of unknown size. */
function measuredOrAsIs(response: Response, method: string): MeasuredResponse {
  try {
    return measureBody(response, method);
  } catch (error) {
    logFailure(error);
    return { response, bytes: null };
  }
}

/** The flush the caller must keep its context alive for, or null when another request runs it. */
const ownFlush = (joined: Joined): Promise<Delivery> | null => (joined.runsFlush ? joined.flushed : null);

/**
 * Adds the request's record to its batch and returns what the request's `waitUntil` must await
 * (never rejecting), or null when nothing: the batch's flush when this request runs it, the body's
 * streaming (then the flush, if it runs it) when the size is not known yet. Sync up to the add,
 * so a response of known size costs no promise of its own.
 */
function record<E extends HonoEnv>(
  c: Context<E>,
  timing: { ts: number; durationMs: number },
  options: PathStatsOptions<E>,
  registry: CoalescerRegistry<RequestRecord>,
): Promise<unknown> | null {
  const request = c.req.raw;
  const measured = measuredOrAsIs(c.res, request.method);
  // Only when rebuilt: hono's `c.res` setter copies every header into yet another Response.
  if (measured.response !== c.res) c.res = measured.response;
  const setup = options.setup ? options.setup(c) : pathmeterSetup(c.env);
  const coalescer = registry.for(setup.sink);
  const derivation = { salt: setup.salt, normalise: normaliserFor(setup.routes) };
  const { bytes } = measured;
  const { ts, durationMs } = timing;
  const status = c.res.status;
  if (!(bytes instanceof Promise))
    return ownFlush(coalescer.join(recordOf(request, { ts, durationMs, status, bytes }, derivation)));
  return bytes
    .then((sent) =>
      ownFlush(coalescer.join(recordOf(request, { ts, durationMs, status, bytes: sent }, derivation))),
    )
    .catch(logFailure);
}

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
): MiddlewareHandler<E> => {
  const registry = options.coalesce ? coalescers(options.coalesce) : defaultCoalescers;
  return async function pathStats(c, next) {
    const ts = Date.now();
    const started = performance.now();
    await next();
    const durationMs = performance.now() - started;
    let work: Promise<unknown> | null;
    try {
      work = record(c, { ts, durationMs }, options, registry);
    } catch (error) {
      logFailure(error);
      return;
    }
    if (work === null) return;
    try {
      c.executionCtx.waitUntil(work);
    } catch {
      // No ExecutionContext (not running in a Worker): the work still runs, just unawaited.
    }
  };
};
