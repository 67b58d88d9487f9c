/**
 * Bench-only Worker: recording ON with the events queue in another process, as in production,
 * where a send is a call to the Queues service and the broker and the consumer never run on the
 * gateway's thread. It is the production Worker's fetch handler with EVENTS_QUEUE swapped for one
 * that POSTs each send, as JSON, to the queue relay (workers/queue-relay.ts) in a second workerd:
 * that workerd puts the messages on the real local queue, whose consumer (the production one)
 * stores them in its D1. So this side does every piece of the gateway's own work, serialising and
 * sending each packed send included; only the broker and the consumer run elsewhere.
 */
import type { Env } from "../../../worker/src/env";
import type { EventsQueueBody } from "../../../worker/src/shared/pack";
import { fetchWithQueue } from "./swapped-queue";

/** The relay's URL, a binding only this bench Worker has. */
type RelayEnv = Env & { QUEUE_RELAY_URL: string };

/** A queue whose sends are POSTed to `relayUrl`; a send fails (and recording falls back) unless it answers 2xx. */
const relayQueue = (relayUrl: string) => {
  const post = async (messages: readonly MessageSendRequest[]): Promise<void> => {
    const response = await fetch(relayUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(messages),
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`queue relay answered ${response.status}`);
  };
  return {
    send: async (body: EventsQueueBody, options?: QueueSendOptions) => post([{ body, ...options }]),
    sendBatch: async (messages: Iterable<MessageSendRequest<EventsQueueBody>>) => post([...messages]),
  };
};

export default { fetch: fetchWithQueue((env: RelayEnv) => relayQueue(env.QUEUE_RELAY_URL)) };
