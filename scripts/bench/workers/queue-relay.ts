/**
 * Bench-only Worker: the production Worker (queue consumer, crons, live hub) whose fetch handler
 * only relays: a POSTed JSON array of queue messages is sent, unchanged, to its EVENTS_QUEUE. It
 * is the other end of workers/gateway-remote-queue.ts, so the gateway bench can run the local
 * queue broker and the consumer in a workerd of their own, as production runs them away from the
 * gateway.
 */
import type { Env } from "../../../worker/src/env";
import type { TrafficEvent } from "../../../worker/src/event";
import worker, { LiveHub } from "../../../worker/src/index";
import type { EventsQueueBody } from "../../../worker/src/shared/pack";

export { LiveHub };

async function relay(request: Request, env: Env): Promise<Response> {
  if (request.method !== "POST") return new Response("POST a JSON array of queue messages", { status: 405 });
  const messages = await request.json<MessageSendRequest<EventsQueueBody>[]>();
  await env.EVENTS_QUEUE.sendBatch(messages);
  return new Response(null, { status: 204 });
}

export default { ...worker, fetch: relay } satisfies ExportedHandler<Env, TrafficEvent>;
