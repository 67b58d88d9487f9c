/**
 * `GET /api/live`: the dashboards' WebSocket. Served before the bearer-header guard because
 * browsers cannot set headers on a WebSocket; the hub checks the token itself (subprotocol
 * `bearer.<token>` or a first message `{"token":"..."}`).
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { liveHub } from "../live/publish";
import { ApiError } from "../shared/api-error";

export const liveRoutes = new Hono<AppEnv>();

liveRoutes.get("/", async function live(c) {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket")
    throw new ApiError(426, "bad_request", "this endpoint is a WebSocket: send Upgrade: websocket");
  return liveHub(c.env).fetch(c.req.raw);
});
