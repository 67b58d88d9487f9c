/**
 * Bearer-token guard for everything under the reserved prefix. Any request without exactly
 * `Authorization: Bearer <the admin token>` is a 401 with a challenge, whatever else it sends
 * (Basic auth, a token in the query string, a wrong or differently long token); the comparison
 * is constant-time (shared/tokens.ts).
 */
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../app-env";
import { ApiError } from "../shared/api-error";
import { bearerTokenOf, tokensEqual } from "../shared/tokens";

const unauthorized = () =>
  new HTTPException(401, {
    res: new Response(null, { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="pathmeter"' } }),
  });

export const requireAdminToken = (): MiddlewareHandler<AppEnv> =>
  async function requireAdminToken(c, next) {
    const expected = c.env.ADMIN_TOKEN;
    if (!expected) throw new ApiError(503, "not_configured", "ADMIN_TOKEN is not set for this Worker");
    // Compared even when no token was sent: every refusal takes the same path.
    if (!(await tokensEqual(bearerTokenOf(c.req.header("Authorization")), expected))) throw unauthorized();
    await next();
  };
