/**
 * Errors callers can branch on: every pathmeter error response is
 * `{"error":{"code":"...","message":"..."}}` with a 4xx status for bad input, 401 without a token.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export type ApiErrorCode =
  | "unauthorized"
  | "not_found"
  | "bad_request"
  | "invalid_json"
  | "invalid_range"
  | "invalid_parameter"
  /** The stats API names the bad parameter: invalid_from, invalid_sort, ... */
  | `invalid_${string}`
  | "body_too_large"
  | "too_many_events"
  | "unsupported_media_type"
  | "upstream_unreachable"
  | "not_configured"
  | "unavailable"
  | "internal";

export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(status, { message });
  }
}

export const errorBody = (code: ApiErrorCode, message: string) => ({ error: { code, message } });

/** The app's one error handler: known errors keep their status; anything else is a logged 500. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return c.json(errorBody(err.code, err.message), err.status);
  if (err instanceof HTTPException) {
    const code: ApiErrorCode =
      err.status === 401 ? "unauthorized" : err.status === 413 ? "body_too_large" : "bad_request";
    const message = err.status === 401 ? "a valid bearer token is required" : err.message || "bad request";
    const res = c.json(errorBody(code, message), err.status as ContentfulStatusCode);
    const challenge = err.getResponse().headers.get("WWW-Authenticate");
    if (challenge) res.headers.set("WWW-Authenticate", challenge);
    return res;
  }
  // Only the message: never the env, the request headers or anything that may hold a secret.
  console.error(`pathmeter: unhandled ${err.name}: ${err.message}`);
  return c.json(errorBody("internal", "internal error"), 500);
}
