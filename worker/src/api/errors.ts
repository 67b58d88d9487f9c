/**
 * The app's one error handler: `ApiError`s (shared/api-error.ts) and hono's HTTPExceptions become
 * `{"error":{"code":"...","message":"..."}}` responses; a D1 outage is a 503 with Retry-After;
 * anything else is a logged 500.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ConfigError } from "../config";
import { ApiError, type ApiErrorCode, errorBody } from "../shared/api-error";
import { D1_RETRY_AFTER_SECONDS, isTransientD1Error } from "../shared/d1-errors";

/**
 * The app's one error handler: known errors keep their status; a setting that cannot be parsed is
 * a 503 `not_configured` naming the setting (its value stays in the log and in health); a D1
 * failure that D1 documents as transient is a 503 `unavailable` with Retry-After, so clients and
 * dashboards back off instead of reporting a bug; anything else is a logged 500.
 */
export function onError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return c.json(errorBody(err.code, err.message), err.status, err.headers);
  if (err instanceof ConfigError) {
    console.error(`pathmeter: ${err.message}`);
    const message = `${err.setting} cannot be parsed; GET /api/ops/health lists the problems`;
    return c.json(errorBody("not_configured", message), 503);
  }
  if (err instanceof HTTPException) {
    const code: ApiErrorCode =
      err.status === 401 ? "unauthorized" : err.status === 413 ? "body_too_large" : "bad_request";
    const message = err.status === 401 ? "a valid bearer token is required" : err.message || "bad request";
    const res = c.json(errorBody(code, message), err.status as ContentfulStatusCode);
    const challenge = err.getResponse().headers.get("WWW-Authenticate");
    if (challenge) res.headers.set("WWW-Authenticate", challenge);
    return res;
  }
  if (isTransientD1Error(err)) {
    console.error(`pathmeter: the database (D1) failed: ${err.message}`);
    const res = c.json(errorBody("unavailable", "the database (D1) is unavailable; retry later"), 503);
    res.headers.set("Retry-After", String(D1_RETRY_AFTER_SECONDS));
    return res;
  }
  // Only the message: never the env, the request headers or anything that may hold a secret.
  console.error(`pathmeter: unhandled ${err.name}: ${err.message}`);
  return c.json(errorBody("internal", "internal error"), 500);
}
