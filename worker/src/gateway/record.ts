import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";

export const pathStats = (): MiddlewareHandler<AppEnv> =>
  async function pathStats(_c, next) {
    await next();
  };
