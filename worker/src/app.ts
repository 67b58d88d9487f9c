/**
 * The HTTP app: pathmeter's own routes under the reserved prefix (token-protected), and every
 * other path proxied to the upstream and recorded.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { allowedMethods } from "./api/allowed-methods";
import { archiveRoutes } from "./api/archives";
import { requireAdminToken } from "./api/auth";
import { deadLetterRoutes } from "./api/dead-letters";
import { onError } from "./api/errors";
import { jobsRoutes } from "./api/jobs";
import { queryApi } from "./api/openapi";
import { opsRoutes } from "./api/ops";
import { snapshotRoutes } from "./api/snapshot";
import type { AppEnv } from "./app-env";
import { configOf } from "./config";
import { liveRoutes } from "./dashboard/live-route";
import { dashboardRoutes } from "./dashboard/routes";
import { pathStats } from "./gateway/path-stats";
import { proxyToUpstream } from "./gateway/proxy";
import { ingestRoutes } from "./ingest/route";
import { ApiError } from "./shared/api-error";

const withConfig: MiddlewareHandler<AppEnv> = async function withConfig(c, next) {
  c.set("config", configOf(c.env));
  await next();
};

/**
 * pathmeter's own routes, served under the reserved prefix (configurable, so not a basePath).
 * Exported for the access tests, which walk its route table.
 */
export const reserved = new Hono<AppEnv>();
reserved.onError(onError);
reserved.use("*", withConfig);
// Before the bearer guard: the page asks for the token itself, and browsers cannot put one on a
// WebSocket (the live hub checks it from the subprotocol or the first message).
reserved.route("/dashboard", dashboardRoutes);
reserved.route("/api/live", liveRoutes);
reserved.use("*", requireAdminToken());
reserved.route("/ingest", ingestRoutes);
reserved.route("/", queryApi);
reserved.route("/api/ops", opsRoutes);
reserved.route("/api/ops/jobs", jobsRoutes);
reserved.route("/api/ops/dead-letters", deadLetterRoutes);
reserved.route("/api/archives", archiveRoutes);
reserved.route("/api/snapshot", snapshotRoutes);
const allowedAt = allowedMethods(reserved.routes);
reserved.all("*", (c) => {
  const allowed = allowedAt(c.req.path);
  // Said as the caller wrote it: with the reserved prefix this app is served under.
  const asked = `${c.get("config").reservedPrefix}${c.req.path === "/" ? "" : c.req.path}`;
  if (allowed.length > 0)
    throw new ApiError(
      405,
      "method_not_allowed",
      `${c.req.method} is not served at ${asked}; use ${allowed.join(" or ")}`,
      {
        Allow: allowed.join(", "),
      },
    );
  throw new ApiError(404, "not_found", `no pathmeter endpoint at ${c.req.method} ${asked}`);
});

/**
 * The whole HTTP app: the reserved prefix dispatched to pathmeter's own routes, every other path
 * recorded by `recorder` and proxied. Built once with `pathStats()` for the Worker; the gateway
 * bench builds it without a recorder (recording off) to compare like with like.
 */
export function createApp(recorder: MiddlewareHandler<AppEnv> | null): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(onError);
  app.use("*", withConfig);
  app.all("*", async function dispatch(c, next) {
    const prefix = c.get("config").reservedPrefix;
    const path = c.req.path;
    if (path === prefix || path.startsWith(`${prefix}/`)) {
      const url = new URL(c.req.url);
      url.pathname = path.slice(prefix.length) || "/";
      return reserved.fetch(new Request(url, c.req.raw), c.env, c.executionCtx);
    }
    await next();
  });
  if (recorder) app.all("*", recorder, proxyToUpstream());
  else app.all("*", proxyToUpstream());
  return app;
}

export const app = createApp(pathStats());
