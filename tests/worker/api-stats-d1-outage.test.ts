/**
 * The stats API while D1 fails: a failure D1 documents as transient (its Durable Object reset,
 * the network to it lost, overloaded) is a coded 503 `unavailable` with Retry-After on every
 * endpoint, JSON and CSV, so dashboards back off; any other D1 error (a bug in our SQL) stays a
 * logged 500 `internal`. The statements are the real ones; only their execution is made to fail.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { D1_RETRY_AFTER_SECONDS } from "../../worker/src/shared/d1-errors";
import { getStats } from "./api-stats-fixtures";
import { resetStorage } from "./harness";

/** Messages of D1 outages, as D1 words them (developers.cloudflare.com/d1/observability/debug-d1/). */
const OUTAGES = {
  "network lost": "D1_ERROR: Network connection lost.",
  "code updated": "D1_ERROR: D1 DB reset because its code was updated.",
  "failed start": "D1_ERROR: Internal error while starting up D1 DB storage caused object to be reset.",
  overloaded: "D1_ERROR: D1 DB is overloaded. Too many requests queued.",
  "storage timeout": "D1_ERROR: D1 DB storage operation exceeded timeout which caused object to be reset.",
};
const BUG = "D1_ERROR: no such column: requestz at offset 7: SQLITE_ERROR";

/** [name in the test's title, endpoint, query] */
const ENDPOINTS = [
  ["summary", "summary", {}],
  ["paths", "paths", {}],
  ["paths as CSV", "paths", { format: "csv" }],
  ["timeseries", "timeseries", {}],
  [
    "compare",
    "compare",
    { from: "2026-11-20", to: "2026-11-21", baseFrom: "2026-11-19", baseTo: "2026-11-20" },
  ],
] as const;

/** Makes every D1 statement and batch fail with `message` when it runs (prepare still works). */
function failD1(message: string): void {
  const fail = () => Promise.reject(new Error(message));
  const prepare = env.DB.prepare.bind(env.DB);
  const failing = (statement: D1PreparedStatement): D1PreparedStatement => {
    const bind = statement.bind.bind(statement);
    vi.spyOn(statement, "bind").mockImplementation((...values) => failing(bind(...values)));
    for (const method of ["first", "all", "run", "raw"] as const)
      vi.spyOn(statement, method).mockImplementation(fail);
    return statement;
  };
  vi.spyOn(env.DB, "prepare").mockImplementation((sql: string) => failing(prepare(sql)));
  vi.spyOn(env.DB, "batch").mockImplementation(fail);
}

let logged: ReturnType<typeof vi.spyOn>;
beforeEach(async () => {
  await resetStorage();
  logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

describe("stats API while D1 fails", () => {
  it.each(
    Object.entries(OUTAGES).flatMap(([name, outage]) =>
      ENDPOINTS.map(([title, endpoint, params]) => [name, title, endpoint, params, outage] as const),
    ),
  )("D1 %s: %s answers 503 unavailable with Retry-After", async (_name, _title, endpoint, params, outage) => {
    failD1(outage);
    // A range no other test asked for: the answer cannot come from the Cache API.
    const res = await getStats(endpoint, { ...params, bust: crypto.randomUUID() });
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe(String(D1_RETRY_AFTER_SECONDS));
    expect(await res.json()).toEqual({
      error: { code: "unavailable", message: "the database (D1) is unavailable; retry later" },
    });
    expect(logged).toHaveBeenCalledWith(expect.stringContaining(outage));
  });

  it.each(ENDPOINTS)("a bug in our SQL stays a 500 internal: %s", async (_title, endpoint, params) => {
    failD1(BUG);
    const res = await getStats(endpoint, { ...params, bust: crypto.randomUUID() });
    expect(res.status).toBe(500);
    expect(res.headers.get("Retry-After")).toBeNull();
    expect(await res.json()).toEqual({ error: { code: "internal", message: "internal error" } });
  });
});
