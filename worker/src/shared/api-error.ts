/**
 * Errors callers can branch on: every pathmeter error response is
 * `{"error":{"code":"...","message":"..."}}` with a 4xx status for bad input, 401 without a token.
 * Thrown by any HTTP layer (api, ingest, gateway), turned into a response by `api/errors.ts`.
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export type ApiErrorCode =
  | "unauthorized"
  | "not_found"
  | "method_not_allowed"
  | "bad_request"
  | "invalid_json"
  /** A body that is not what its Content-Encoding says (corrupt or truncated gzip). */
  | "invalid_body"
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
    /** Headers the answer carries, e.g. a 405's Allow. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(status, { message });
  }
}

export const errorBody = (code: ApiErrorCode, message: string) => ({ error: { code, message } });
