/**
 * The gateway's proxy: every request outside the reserved prefix goes to the upstream API with
 * its method, headers, streamed body and query string; the upstream's status, headers and
 * streamed body come back. Built on hono's `proxy` helper, which (checked in hono 4.13's source)
 * drops hop-by-hop headers both ways (Connection, Keep-Alive, TE, Trailer, Transfer-Encoding,
 * Upgrade, Proxy-*), drops Accept-Encoding so the runtime negotiates compression itself, and
 * drops Content-Encoding/Content-Length of a compressed upstream response because the runtime
 * hands over the decoded body (and re-encodes it for the client as negotiated).
 */
import type { Handler } from "hono";
import { proxy } from "hono/proxy";
import type { AppEnv } from "../app-env";
import { ApiError } from "../shared/api-error";
import { errorMessage } from "../shared/errors";
import { NULL_BODY_STATUSES } from "./body-bytes";

/** The upstream URL of a request: upstream origin + upstream base path + request path + query. */
export function upstreamTarget(upstream: URL, requestUrl: string): string {
  const url = new URL(requestUrl);
  const base = upstream.pathname.replace(/\/+$/, "");
  return `${upstream.origin}${base}${url.pathname}${url.search}`;
}

/**
 * Carries an upstream's 101 (a WebSocket accepted) past hono's proxy helper, which rebuilds every
 * response around its body — and a 101's WebSocket is not a body, so the rebuild would throw and
 * turn an accepted upgrade into a 502. The handler returns the upstream's response as it is.
 */
class Upgraded extends Error {
  override name = "Upgraded";
  constructor(readonly response: Response) {
    super("the upstream switched protocols");
  }
}

/**
 * The upstream's response, without a body where its status allows none: an upstream that sends
 * one with a 204 or 304 would otherwise make rebuilding the response throw, and the client get a
 * 502 for an answer that arrived. The stray body is cancelled, releasing the connection.
 */
async function fetchUpstream(request: Request): Promise<Response> {
  const response = await fetch(request);
  if (response.status === 101) throw new Upgraded(response);
  if (!response.body || !NULL_BODY_STATUSES.has(response.status)) return response;
  response.body.cancel().catch(() => {});
  return new Response(null, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/**
 * Forwards the request to `config.upstreamUrl` and returns the upstream's response unchanged
 * (redirects are passed back, never followed). Errors, as `{"error":{"code","message"}}`:
 * - 503 `not_configured` when UPSTREAM_URL is empty: the gateway is not set up yet, nothing failed;
 * - 502 `upstream_unreachable` when the upstream cannot be reached (DNS, connection, reset).
 * The Host header is not forwarded: the upstream sees its own host name, from its URL. Nor is
 * `Expect: 100-continue`: the body has already reached the Worker, and an upstream that answered
 * the interim 100 would make fetch throw (a Response cannot carry a 1xx), turning the request into
 * a 502. Each hop handles 100-continue itself (RFC 9110 §10.1.1).
 */
export const proxyToUpstream = (): Handler<AppEnv> =>
  async function proxyToUpstream(c) {
    const upstream = c.get("config").upstreamUrl;
    if (!upstream)
      throw new ApiError(503, "not_configured", "UPSTREAM_URL is not set: there is no API to proxy to");
    try {
      return await proxy(upstreamTarget(upstream, c.req.url), {
        raw: c.req.raw,
        headers: { ...c.req.header(), host: undefined, expect: undefined },
        redirect: "manual",
        customFetch: fetchUpstream,
      });
    } catch (error) {
      if (error instanceof Upgraded) return error.response;
      console.warn(`pathmeter: upstream unreachable: ${errorMessage(error)}`);
      throw new ApiError(502, "upstream_unreachable", "the upstream API could not be reached");
    }
  };
