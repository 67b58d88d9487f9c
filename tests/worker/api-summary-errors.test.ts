/**
 * `GET /_pathmeter/api/stats/summary` with bad input: every unreadable or impossible range is a
 * 400 with a code callers can branch on (never a 500), and a missing or wrong token is a 401.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const T0 = Date.UTC(2026, 10, 20, 8);
const summaryUrl = (query = "") => `http://gateway.test/_pathmeter/api/stats/summary${query}`;
const get = (url: string, token: string | null = env.ADMIN_TOKEN) =>
  SELF.fetch(url, { headers: token === null ? {} : { Authorization: `Bearer ${token}` } });

describe("GET /_pathmeter/api/stats/summary, bad input", () => {
  it.each([
    ["garbage", "?from=yesterday", "invalid_from"],
    ["malformed percent-encoding", "?from=%ZZ", "invalid_from"],
    ["a 10 KB value", `?to=${"9".repeat(10_000)}`, "invalid_to"],
    ["an impossible date", "?from=2026-02-30T00:00:00Z&to=2026-03-05", "invalid_from"],
    ["epoch seconds", `?from=${Math.floor(T0 / 1000)}&to=${T0}`, "invalid_from"],
    ["a negative number", "?from=-5", "invalid_from"],
    ["an empty value", "?from=&to=2026-11-20", "invalid_from"],
    ["a repeated parameter", "?from=2026-11-19&from=2026-11-18&to=2026-11-20", "invalid_from"],
    ["an impossible offset", "?from=2026-11-20T10:00%2B25:00&to=2026-11-21", "invalid_from"],
    ["from equal to to", `?from=${T0}&to=${T0}`, "invalid_range"],
    ["from after to", "?from=2026-11-21&to=2026-11-20", "invalid_range"],
    ["a span of years", "?from=2020-01-01&to=2026-01-01", "invalid_range"],
  ])("rejects %s with 400 and a code", async (_what, query, code) => {
    const res = await get(summaryUrl(query));
    expect(res.status).toBe(400);
    const body = await res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(5);
  });

  it.each([
    ["no token", null],
    ["a wrong token", "not-the-token"],
  ])("answers 401 with an error body to a request with %s", async (_what, token) => {
    const res = await get(summaryUrl(), token);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
  });
});
