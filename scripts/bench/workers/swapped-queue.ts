/**
 * Bench-only helper: the production Worker's fetch handler with its EVENTS_QUEUE binding swapped
 * for another queue, so a bench side does all of the Worker's own recording work and differs from
 * production only in where a send goes. One swapped env per original env object, because config
 * and recorder setup are cached per env object (worker/src/config.ts, gateway/path-stats.ts).
 */
import { app } from "../../../worker/src/app";
import type { Env } from "../../../worker/src/env";
import type { EventsQueueBody } from "../../../worker/src/shared/pack";

/** The Queue methods the Worker calls (delivery/send-events.ts), whatever they resolve to. */
export interface SendingQueue {
  send(body: EventsQueueBody, options?: QueueSendOptions): Promise<unknown>;
  sendBatch(messages: Iterable<MessageSendRequest<EventsQueueBody>>): Promise<unknown>;
}

/** A fetch handler serving the production app with `queueFor(env)` as its EVENTS_QUEUE. */
export function fetchWithQueue<E extends Env>(queueFor: (env: E) => SendingQueue) {
  const swapped = new WeakMap<E, Env>();
  const swap = (env: E): Env => {
    let withQueue = swapped.get(env);
    if (!withQueue) {
      // Only send/sendBatch are ever called on the binding, and their results are not read.
      withQueue = { ...env, EVENTS_QUEUE: queueFor(env) as unknown as Queue<EventsQueueBody> };
      swapped.set(env, withQueue);
    }
    return withQueue;
  };
  return (request: Request, env: E, ctx: ExecutionContext) => app.fetch(request, swap(env), ctx);
}
