/**
 * Worker entry: HTTP (gateway, pathmeter API, dashboard), the events/dead-letter queues, the crons
 * and the live hub's Durable Object class.
 */
import { app } from "./app";
import { queue } from "./consumer/queue";
import type { Env } from "./env";
import type { TrafficEvent } from "./event";
import { scheduled } from "./jobs/scheduled";

/** Durable Object classes are exported by name from the entry module (see the manifest's durableObject bindings). */
export { LiveHub } from "./live/hub";

export default {
  fetch: app.fetch,
  queue,
  scheduled,
} satisfies ExportedHandler<Env, TrafficEvent>;
