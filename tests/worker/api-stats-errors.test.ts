/**
 * The stats API with bad input: every unreadable, unknown or out-of-range parameter is a 400 whose
 * code names it (`invalid_<parameter>`), reversed and too long ranges are `invalid_range`, never
 * a 500; and every endpoint (the OpenAPI document included) wants the token.
 */
import { describe, expect, it } from "vitest";
import { getStats } from "./api-stats-fixtures";
import { api } from "./harness";

const D = "2026-11-20";
const ENDPOINTS = ["summary", "paths", "timeseries", "compare"] as const;

const rangeCases = ENDPOINTS.flatMap((endpoint) =>
  (
    [
      [{ from: "yesterday" }, "invalid_from"],
      [{ to: "2026-02-30" }, "invalid_to"],
      [{ from: "1763600000" }, "invalid_from"],
      [{ to: "" }, "invalid_to"],
      [{ from: `${D}T10:00+25:00` }, "invalid_from"],
      [{ from: "2026-11-21", to: D }, "invalid_range"],
      [{ from: D, to: D }, "invalid_range"],
      [{ from: "2020-01-01", to: "2026-01-01" }, "invalid_range"],
    ] as const
  ).map(([params, code]) => [endpoint, params, code] as const),
);

const parameterCases = [
  ["paths", { sort: "latency" }, "invalid_sort"],
  ["paths", { limit: "0" }, "invalid_limit"],
  ["paths", { limit: "1001" }, "invalid_limit"],
  ["paths", { limit: "ten" }, "invalid_limit"],
  ["paths", { limit: "2.5" }, "invalid_limit"],
  ["paths", { method: "get" }, "invalid_method"],
  ["paths", { format: "xml" }, "invalid_format"],
  ["timeseries", { granularity: "minute" }, "invalid_granularity"],
  ["timeseries", { path: "" }, "invalid_path"],
  ["timeseries", { path: `/${"x".repeat(300)}` }, "invalid_path"],
  ["timeseries", { method: "BREW" }, "invalid_method"],
  ["timeseries", { from: "2026-01-01", to: "2026-06-01", granularity: "hour" }, "invalid_range"],
  ["timeseries", { from: "2020-01-01", to: "2026-01-01", granularity: "day" }, "invalid_range"],
  ["compare", { baseFrom: "soon" }, "invalid_baseFrom"],
  ["compare", { baseTo: "-1" }, "invalid_baseTo"],
  ["compare", { from: D, to: "2026-11-21", baseFrom: "2026-11-19", baseTo: "2026-11-18" }, "invalid_range"],
  ["compare", { limit: "5000" }, "invalid_limit"],
] as const;

describe("stats API, bad parameters", () => {
  it.each([...rangeCases, ...parameterCases])("%s %j → 400 %s", async (endpoint, params, code) => {
    const res = await getStats(endpoint, params);
    expect(res.status).toBe(400);
    const body = await res.json<{ error: { code: string; message: string } }>();
    expect(body).toEqual({ error: { code, message: expect.any(String) } });
    expect(body.error.message.length).toBeGreaterThan(5);
  });

  it.each([
    ["2025-01-01", "2026-01-03", "367 days (8808 hours)"],
    ["2025-01-01", "2026-01-02T01:00Z", "366.04 days (8785 hours)"],
  ])("says a range %s..%s is too long in days and hours", async (from, to, spans) => {
    const res = await getStats("summary", { from, to });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        code: "invalid_range",
        message: `from/to: the range spans ${spans}; at most 366 days (8784 hours) are allowed`,
      },
    });
  });

  it("rejects a repeated parameter naming it", async () => {
    const res = await api(`/api/stats/paths?sort=requests&sort=errors`);
    expect(res.status).toBe(400);
    expect((await res.json<{ error: { code: string; message: string } }>()).error).toEqual({
      code: "invalid_sort",
      message: "sort: given 2 times; give it once",
    });
  });
});

describe("stats API, tokens", () => {
  const paths = [...ENDPOINTS.map((e) => `/api/stats/${e}`), "/api/openapi.json"];
  it.each(
    paths.flatMap((path) => [[path, "no token", null] as const, [path, "a wrong token", "nope"] as const]),
  )("%s answers 401 to %s", async (path, _what, token) => {
    const res = await api(path, {}, token);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
  });
});
