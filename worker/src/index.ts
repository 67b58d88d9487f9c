/** Worker entry: HTTP (gateway + pathmeter API), the events/dead-letter queues, and the crons. */
import { app } from "./app";
import { queue } from "./consumer/queue";
import type { Env } from "./env";
import type { TrafficEvent } from "./event";
import { scheduled } from "./jobs/scheduled";

export default {
  fetch: app.fetch,
  queue,
  scheduled,
} satisfies ExportedHandler<Env, TrafficEvent>;
