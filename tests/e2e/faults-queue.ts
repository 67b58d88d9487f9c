/**
 * Queue sends failing on the local stack: the Worker's EVENTS_QUEUE binding is replaced (through
 * `startLocalStack`'s `adjustMiniflare` hook) by a workerd wrapped binding around the real local
 * queue that throws on every `failEvery`-th send — alternately before the messages are enqueued
 * and after (so the events reach the queue AND the gateway's direct D1 fallback, which must
 * dedupe them). Everything else is the production bundle with its real queue, consumer and D1.
 */
import type { MiniflareOptions, WorkerOptions } from "miniflare";
import { manifest } from "../../worker/src/manifest";

const WRAPPER = "flaky-events-queue";

/** The wrapper: the real producer as `QUEUE`, a counter of calls, a failure every FAIL_EVERY-th. */
const WRAPPER_SCRIPT = `
export default function flakyQueue(env) {
  let calls = 0;
  const every = Number(env.FAIL_EVERY);
  const call = async (send) => {
    calls += 1;
    const fails = calls % every === 0;
    const after = calls % (2 * every) === 0;
    if (fails && !after) throw new Error("injected: queue send failed before enqueueing");
    const result = await send();
    if (fails) throw new Error("injected: queue send failed after enqueueing");
    return result;
  };
  return {
    send: (body, options) => call(() => env.QUEUE.send(body, options)),
    sendBatch: (messages, options) => call(() => env.QUEUE.sendBatch(messages, options)),
  };
}
`;

/** Options of the local stack with EVENTS_QUEUE wrapped so that every `failEvery`-th send fails. */
export const withFlakyEventsQueue =
  (failEvery: number) =>
  (options: MiniflareOptions): MiniflareOptions => {
    const main = options as WorkerOptions;
    const { EVENTS_QUEUE: real, ...producers } = (main.queueProducers ?? {}) as Record<string, unknown>;
    if (real === undefined) throw new Error("the local stack has no EVENTS_QUEUE binding to wrap");
    const wrapper: WorkerOptions = {
      name: WRAPPER,
      modules: true,
      script: WRAPPER_SCRIPT,
      queueProducers: { QUEUE: { queueName: manifest.queues.events.name } },
    };
    return {
      ...options,
      workers: [
        {
          ...main,
          name: "pathmeter",
          queueProducers: producers as WorkerOptions["queueProducers"],
          wrappedBindings: { EVENTS_QUEUE: { scriptName: WRAPPER, bindings: { FAIL_EVERY: failEvery } } },
        },
        wrapper,
      ],
    } as MiniflareOptions;
  };
