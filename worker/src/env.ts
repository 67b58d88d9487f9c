/**
 * The Worker's environment, derived from the bindings manifest so the two cannot drift.
 */

import type { TrafficEvent } from "./event";
import type { Manifest } from "./manifest";
import type { LiveHubApi } from "./shared/live-protocol";

type Binding<Name extends string, T> = { readonly [K in Name]: T };

export type Env = Binding<Manifest["d1"]["binding"], D1Database> &
  Binding<Manifest["kv"]["binding"], KVNamespace> &
  Binding<Manifest["r2"]["binding"], R2Bucket> &
  Binding<Manifest["queues"]["events"]["binding"], Queue<TrafficEvent>> &
  Binding<
    Manifest["durableObjects"]["liveHub"]["binding"],
    DurableObjectNamespace<LiveHubApi & Rpc.DurableObjectBranded>
  > &
  Binding<keyof Manifest["vars"], string> &
  Binding<Manifest["secrets"][number], string>;
