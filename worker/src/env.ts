/**
 * The Worker's environment, generated from the manifest's binding table so the two cannot drift:
 * each binding's kind maps to the type workerd gives it at runtime.
 */

import type { BindingSpec, Manifest } from "./manifest";
import type { LiveHubApi } from "./shared/live-protocol";
import type { EventsQueueBody } from "./shared/pack";

/**
 * The message body each queue carries, by its key in `manifest.queues`: packed events
 * (shared/pack.ts; the consumer also reads single events from older senders).
 */
interface QueueMessages {
  events: EventsQueueBody;
  deadLetters: EventsQueueBody;
}

/**
 * The RPC surface behind each Durable Object binding, by class name (for
 * `DurableObjectNamespace<T>`); an interface from the pure layer, not the class, so env.ts
 * imports nothing above it. A class left out binds as an untyped namespace.
 */
interface DurableObjectClasses {
  LiveHub: LiveHubApi & Rpc.DurableObjectBranded;
}

/** The runtime type of a binding of the given spec. */
type RuntimeType<S extends BindingSpec> = S extends { kind: "d1" }
  ? D1Database
  : S extends { kind: "kv" }
    ? KVNamespace
    : S extends { kind: "r2" }
      ? R2Bucket
      : S extends { kind: "queue"; queue: infer Q extends keyof QueueMessages }
        ? Queue<QueueMessages[Q]>
        : S extends { kind: "durableObject"; className: infer C }
          ? C extends keyof DurableObjectClasses
            ? DurableObjectNamespace<DurableObjectClasses[C]>
            : DurableObjectNamespace
          : S extends { kind: "var" | "secret" }
            ? string
            : never;

/** Every binding of the manifest's table, typed by its kind. */
export type Env = { readonly [N in keyof Manifest["bindings"]]: RuntimeType<Manifest["bindings"][N]> };
