/**
 * Bench-only Worker: recording ON, but the queue send is a no-op. It is the production Worker's
 * fetch handler with the EVENTS_QUEUE binding swapped for a discarding one, so it does all of the
 * Worker's own recording work (client HMAC, event id, path normalisation, body measuring,
 * validation, packing) and skips only Miniflare's local queue broker and the consumer, which on a
 * laptop run in the same workerd process (and thread) as the gateway; in production the queue is
 * a remote service. The gateway bench reports it beside "on" and "off" to show where the cost of
 * recording lies; it is never the headline.
 */
import { app } from "../../../worker/src/app";
import type { Env } from "../../../worker/src/env";
import type { EventsQueueBody } from "../../../worker/src/shared/pack";

const discardingQueue = {
  send: async () => {},
  sendBatch: async () => {},
} as unknown as Queue<EventsQueueBody>;

/** One swapped env per original env object: config and recorder setup are cached per env object. */
const swapped = new WeakMap<Env, Env>();

const withDiscardingQueue = (env: Env): Env => {
  let stubbed = swapped.get(env);
  if (!stubbed) {
    stubbed = { ...env, EVENTS_QUEUE: discardingQueue };
    swapped.set(env, stubbed);
  }
  return stubbed;
};

export default {
  fetch: (request: Request, env: Env, ctx: ExecutionContext) =>
    app.fetch(request, withDiscardingQueue(env), ctx),
};
