/**
 * Bench-only Worker: pathmeter's gateway with recording OFF — the same hono proxy to the same
 * upstream, without the pathStats middleware. The gateway bench compares the real bundle
 * (recording on) against this.
 */
import { Hono } from "hono";
import { onError } from "../../../worker/src/api/errors";
import type { AppEnv } from "../../../worker/src/app-env";
import { configOf } from "../../../worker/src/config";
import { proxyToUpstream } from "../../../worker/src/gateway/proxy";

const app = new Hono<AppEnv>();
app.onError(onError);
app.use("*", async function withConfig(c, next) {
  c.set("config", configOf(c.env));
  await next();
});
app.all("*", proxyToUpstream());

export default { fetch: app.fetch };
