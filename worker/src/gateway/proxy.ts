import type { Handler } from "hono";
import type { AppEnv } from "../app-env";

export const proxyToUpstream = (): Handler<AppEnv> =>
  function proxyToUpstream(c) {
    return c.text("todo", 501);
  };
