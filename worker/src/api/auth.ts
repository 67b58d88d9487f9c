/**
 * Bearer-token guard for everything under the reserved prefix except the proxied paths.
 * hono's bearerAuth compares tokens in constant time.
 */
import type { MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import type { AppEnv } from "../app-env";
import { ApiError } from "../shared/api-error";

export const requireAdminToken = (): MiddlewareHandler<AppEnv> =>
  async function requireAdminToken(c, next) {
    const token = c.env.ADMIN_TOKEN;
    if (!token) throw new ApiError(503, "not_configured", "ADMIN_TOKEN is not set for this Worker");
    return bearerAuth<AppEnv>({ token })(c, next);
  };
