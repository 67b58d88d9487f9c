/**
 * `GET /dashboard` (the page, served without a token: it asks for one) and
 * `GET /dashboard/assets/{name}` (its hashed script and style sheet, cached forever).
 * Every data call the page makes goes to the token-protected API.
 */

import { script, style } from "virtual:pathmeter-dashboard-assets";
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../shared/api-error";
import { COMMON_SECURITY_HEADERS, contentSecurityPolicy, webSocketOrigin } from "./headers";
import { dashboardPage } from "./page";

export const dashboardRoutes = new Hono<AppEnv>();

const ASSETS = new Map([script, style].map((asset) => [asset.name, asset]));

dashboardRoutes.get("/", function page(c) {
  const html = dashboardPage({
    prefix: c.get("config").reservedPrefix,
    scriptName: script.name,
    styleName: style.name,
  });
  return c.body(html, 200, {
    ...COMMON_SECURITY_HEADERS,
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": contentSecurityPolicy(webSocketOrigin(c.req.url)),
    // The page names the current asset hashes: always revalidate it.
    "Cache-Control": "no-store",
  });
});

dashboardRoutes.get("/assets/:name", function asset(c) {
  const found = ASSETS.get(c.req.param("name"));
  if (!found) throw new ApiError(404, "not_found", `no dashboard asset ${c.req.param("name")}`);
  return c.body(found.body, 200, {
    ...COMMON_SECURITY_HEADERS,
    "Content-Type": found.contentType,
    "Cache-Control": "public, max-age=31536000, immutable",
  });
});
