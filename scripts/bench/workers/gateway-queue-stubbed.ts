/**
 * Bench-only Worker: recording ON, but the queue send is a no-op. It does all of the Worker's
 * own recording work (client HMAC, event id, path normalisation, body measuring, validation) and
 * skips only Miniflare's local queue broker, which on a laptop runs in the same workerd process
 * as the gateway (in production the queue is a remote service). The gateway bench reports it
 * beside "on" and "off" to show where the cost of recording lies; it is never the headline.
 */
import { Hono } from "hono";
import { onError } from "../../../worker/src/api/errors";
import type { AppEnv } from "../../../worker/src/app-env";
import { configOf } from "../../../worker/src/config";
import { pathStats } from "../../../worker/src/gateway/path-stats";
import { proxyToUpstream } from "../../../worker/src/gateway/proxy";
import type { EventsQueueBody } from "../../../worker/src/shared/pack";

const discardingQueue = {
  send: async () => {},
  sendBatch: async () => {},
} as unknown as Queue<EventsQueueBody>;

const app = new Hono<AppEnv>();
app.onError(onError);
app.use("*", async function withConfig(c, next) {
  c.set("config", configOf(c.env));
  await next();
});
app.all(
  "*",
  pathStats<AppEnv>({
    setup: (c) => ({
      salt: c.env.CLIENT_IP_SALT,
      routes: c.get("config").routes,
      sink: { queue: discardingQueue, db: c.env.DB, maxPathsPerDay: c.get("config").maxPathsPerDay },
    }),
  }),
  proxyToUpstream(),
);

export default { fetch: app.fetch };
