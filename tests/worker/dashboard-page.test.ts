/**
 * The dashboard page and its assets as the Worker serves them: without a token, with the right
 * content types, a CSP without inline script or style, no sniffing, no referrer, no framing; and
 * nothing else under the reserved prefix opened up by it.
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const ORIGIN = "http://pathmeter.test";
const PAGE = `${ORIGIN}/_pathmeter/dashboard`;

const expectSecurityHeaders = (res: Response) => {
  expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
  expect(res.headers.get("Referrer-Policy")).toBe("no-referrer");
  expect(res.headers.get("X-Frame-Options")).toBe("DENY");
};

/** The CSP as a map of directive → sources. */
const directives = (csp: string) =>
  new Map(
    csp.split(";").map((part) => {
      const [name = "", ...sources] = part.trim().split(/\s+/);
      return [name, sources] as const;
    }),
  );

async function page(): Promise<{ res: Response; html: string }> {
  const res = await SELF.fetch(PAGE);
  return { res, html: await res.text() };
}

describe("GET /_pathmeter/dashboard", () => {
  it("serves the page without a token, as HTML that is never cached", async () => {
    const { res, html } = await page();
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expectSecurityHeaders(res);
    expect(html).toMatch(/<input[^>]* name="token"/);
    expect(html).toContain('<body data-live="closed" data-prefix="/_pathmeter">');
  });

  it("forbids inline script and style, framing and other origins by CSP", async () => {
    const { res, html } = await page();
    const csp = directives(res.headers.get("Content-Security-Policy") ?? "");
    expect(csp.get("default-src")).toEqual(["'none'"]);
    expect(csp.get("script-src")).toEqual(["'self'"]);
    expect(csp.get("style-src")).toEqual(["'self'"]);
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
    expect(csp.get("connect-src")).toEqual(["'self'", "ws://pathmeter.test"]);
    expect(res.headers.get("Content-Security-Policy")).not.toContain("unsafe");
    // Every script is external and no element carries a style attribute.
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/ src="/);
    expect(html).not.toMatch(/<script\b[^>]*>[^<]+<\/script>/);
    expect(html).not.toMatch(/\sstyle="/);
  });

  it("serves its hashed script and style sheet with their types, cached forever", async () => {
    const { html } = await page();
    const script = html.match(/<script defer src="([^"]+)"/)?.[1];
    const style = html.match(/<link rel="stylesheet" href="([^"]+)"/)?.[1];
    expect(script).toMatch(/^\/_pathmeter\/dashboard\/assets\/app\.[0-9a-f]{12}\.js$/);
    expect(style).toMatch(/^\/_pathmeter\/dashboard\/assets\/app\.[0-9a-f]{12}\.css$/);
    for (const [url, type, marker] of [
      [script, "text/javascript; charset=utf-8", "data-metric"],
      [style, "text/css; charset=utf-8", ".u-legend"],
    ] as const) {
      const res = await SELF.fetch(`${ORIGIN}${url}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toBe(type);
      expect(res.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
      expectSecurityHeaders(res);
      expect(await res.text()).toContain(marker);
    }
  });

  it("answers an unknown asset with a 404 JSON error", async () => {
    const res = await SELF.fetch(`${PAGE}/assets/app.000000000000.js`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
  });

  it.each(["/_pathmeter/dashboardx", "/_pathmeter/api/stats/summary", "/_pathmeter/dashboard-data"])(
    "still requires the token for %s",
    async (path) => {
      const res = await SELF.fetch(`${ORIGIN}${path}`);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
    },
  );
});
