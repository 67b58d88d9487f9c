/**
 * Security headers of the dashboard page and its assets: a CSP without inline script (the page
 * loads one hashed script from this Worker and talks only to this origin, WebSocket included),
 * no MIME sniffing, no referrer, no framing.
 */

/** The CSP of the page; `liveOrigin` is this origin as ws:// or wss:// (for the live feed). */
export function contentSecurityPolicy(liveOrigin: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ${liveOrigin}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Headers every dashboard response carries, page and assets alike. */
export const COMMON_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** The ws:// or wss:// origin matching an http:// or https:// request URL. */
export function webSocketOrigin(requestUrl: string): string {
  const url = new URL(requestUrl);
  return `${url.protocol === "https:" ? "wss:" : "ws:"}//${url.host}`;
}
