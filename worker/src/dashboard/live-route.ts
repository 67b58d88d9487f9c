/**
 * `GET /api/live`: the dashboards' WebSocket. Served before the bearer-header guard because
 * browsers cannot set headers on a WebSocket; the hub checks the token itself (subprotocol
 * `bearer.<token>` or a first message `{"token":"..."}`).
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { liveHub } from "../live/publish";
import { ApiError } from "../shared/api-error";
import { errorMessage } from "../shared/errors";

export const liveRoutes = new Hono<AppEnv>();

liveRoutes.get("/", async function live(c) {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket")
    throw new ApiError(426, "bad_request", "this endpoint is a WebSocket: send Upgrade: websocket");
  try {
    return await liveHub(c.env).fetch(c.req.raw);
  } catch (error) {
    // Pages poll the stats API meanwhile; the client retries the socket with backoff.
    console.warn(`pathmeter: live hub unreachable: ${errorMessage(error)}`);
    throw new ApiError(503, "unavailable", "the live hub is unreachable; poll the stats API meanwhile");
  }
});
