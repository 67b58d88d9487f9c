/**
 * CSV answers of the stats API (`format=csv` or `Accept: text/csv`) over the lifecycle fixture:
 * one header row, and every row equal to its JSON row field for field (nested fields dotted).
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  ALL_DAYS,
  DAY,
  DAYS,
  flatten,
  getStats,
  parseCsv,
  setupLifecycle,
  statsJson,
} from "./api-stats-fixtures";

beforeAll(async () => {
  await setupLifecycle();
});

describe("CSV", () => {
  const cases = [
    ["paths", { ...ALL_DAYS, sort: "errors" }, "paths"],
    ["timeseries", { from: DAYS.rolledUp, to: DAYS.hot + DAY, path: "/search", method: "POST" }, "points"],
    ["compare", { from: DAYS.hot, to: DAYS.hot + DAY }, "paths"],
  ] as const;

  it.each(cases)(
    "%s: format=csv and Accept: text/csv agree with JSON row for row",
    async (endpoint, params, key) => {
      const json = await statsJson<Record<string, unknown[]>>(endpoint, params);
      const rows = (json[key] ?? []).map((row) => flatten(row));
      expect(rows.length).toBeGreaterThan(1);
      for (const res of [
        await getStats(endpoint, { ...params, format: "csv" }),
        await getStats(endpoint, params, { headers: { Accept: "text/csv" } }),
      ]) {
        expect(res.status).toBe(200);
        expect(res.headers.get("Content-Type")).toMatch(/^text\/csv/);
        const [header, ...lines] = parseCsv(await res.text());
        expect(header).toEqual(Object.keys(rows[0] ?? {}));
        expect(lines.map((line) => Object.fromEntries(line.map((v, i) => [header?.[i], v])))).toEqual(rows);
      }
    },
  );

  it("summary: format=csv and Accept: text/csv answer its one row, equal to the JSON", async () => {
    const json = flatten(await statsJson<Record<string, unknown>>("summary", ALL_DAYS));
    for (const res of [
      await getStats("summary", { ...ALL_DAYS, format: "csv" }),
      await getStats("summary", ALL_DAYS, { headers: { Accept: "text/csv" } }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toMatch(/^text\/csv/);
      const [header, ...lines] = parseCsv(await res.text());
      expect(header).toEqual(Object.keys(json));
      expect(lines.map((line) => Object.fromEntries(line.map((v, i) => [header?.[i], v])))).toEqual([json]);
    }
  });

  it("weighs Accept by its q-values: text/csv;q=0 is a no, the higher q wins", async () => {
    const typeFor = async (accept: string) =>
      (await getStats("summary", ALL_DAYS, { headers: { Accept: accept } })).headers.get("Content-Type");
    expect(await typeFor("text/csv;q=0, application/json")).toMatch(/^application\/json/);
    expect(await typeFor("text/csv;q=0.5, application/json")).toMatch(/^application\/json/);
    expect(await typeFor("application/json;q=0.5, text/csv")).toMatch(/^text\/csv/);
    expect(await typeFor("text/html,application/xhtml+xml,*/*;q=0.8")).toMatch(/^application\/json/);
  });

  it("answers an empty CSV with its header row", async () => {
    const res = await getStats("paths", { from: DAYS.hot + 5 * DAY, to: DAYS.hot + 6 * DAY, format: "csv" });
    expect(await res.text()).toBe(
      "path,method,requests,errors4xx,errors5xx,errorRate,latencyMs.p50,latencyMs.p95,latencyMs.p99,latencyMs.avg,uniqueClients\r\n",
    );
  });
});
