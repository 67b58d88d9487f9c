/**
 * The Worker's environment, derived from the bindings manifest so the two cannot drift.
 */

import type { Manifest } from "./manifest";
import type { EventsQueueBody } from "./shared/pack";

type Binding<Name extends string, T> = { readonly [K in Name]: T };

export type Env = Binding<Manifest["d1"]["binding"], D1Database> &
  Binding<Manifest["kv"]["binding"], KVNamespace> &
  Binding<Manifest["r2"]["binding"], R2Bucket> &
  Binding<Manifest["queues"]["events"]["binding"], Queue<EventsQueueBody>> &
  Binding<keyof Manifest["vars"], string> &
  Binding<Manifest["secrets"][number], string>;
