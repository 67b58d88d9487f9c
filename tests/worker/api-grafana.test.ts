/**
 * grafana/pathmeter.json, the ready dashboard: parsed as Grafana would, every query of every
 * panel (Infinity data source: URL, params, headers, root selector, columns) is called against
 * the Worker with the dashboard's variables filled in, and answers 200 with every column present.
 */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import dashboard from "../../grafana/pathmeter.json";
import { DAY, generateEvents, HOUR, load } from "./harness";

interface Target {
  refId: string;
  datasource: { type: string; uid: string };
  type: string;
  source: string;
  url: string;
  url_options: {
    method: string;
    params: { key: string; value: string }[];
    headers: { key: string; value: string }[];
  };
  root_selector: string;
  columns: { selector: string; text: string; type: string }[];
}

const START = Date.UTC(2026, 10, 1);
const variables: Record<string, string> = {
  statsApiUrl: "http://gateway.test/_pathmeter/api/stats",
  token: env.ADMIN_TOKEN,
  sort: "errors",
  datasource: "infinity",
  __from: String(START),
  __to: String(START + DAY),
};

const interpolate = (text: string) =>
  text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a?: string, b?: string) => variables[a ?? b ?? ""] ?? whole);

const select = (value: unknown, selector: string): unknown =>
  selector === ""
    ? value
    : selector.split(".").reduce((v, key) => (v as Record<string, unknown>)?.[key], value);

const targets = dashboard.panels.flatMap((panel) =>
  panel.targets.map((target) => [panel.title, target as Target] as const),
);

beforeAll(async () => {
  await load(generateEvents({ prefix: "g", count: 300, startMs: START, spanMs: 6 * HOUR, clients: 30 }));
});

describe("grafana/pathmeter.json", () => {
  it("has panels for totals, leaderboard, time series and error rate, and the URL and token variables", () => {
    const titles = dashboard.panels.map((p) => p.title).join(" | ");
    for (const word of ["Totals", "Leaderboard", "per hour", "Error rate"]) expect(titles).toContain(word);
    const names = dashboard.templating.list.map((v) => v.name);
    expect(names).toEqual(expect.arrayContaining(["statsApiUrl", "token"]));
    expect(targets.length).toBeGreaterThanOrEqual(6);
  });

  it.each(targets)("%s: its query answers with every column", async (_title, target) => {
    expect(target.datasource.type).toBe("yesoreyeram-infinity-datasource");
    expect([target.type, target.source, target.url_options.method]).toEqual(["json", "url", "GET"]);
    expect(target.url).toMatch(/^\$\{statsApiUrl\}\//);
    const url = new URL(interpolate(target.url));
    for (const p of target.url_options.params) url.searchParams.set(p.key, interpolate(p.value));
    const headers = Object.fromEntries(target.url_options.headers.map((h) => [h.key, interpolate(h.value)]));
    const res = await SELF.fetch(url, { headers });
    expect(res.status, await res.clone().text()).toBe(200);
    const root = select(await res.json(), target.root_selector);
    const rows = Array.isArray(root) ? root : [root];
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows)
      for (const column of target.columns) {
        const value = select(row, column.selector);
        expect(value, column.selector).not.toBeUndefined();
        if (column.type === "number")
          expect(value === null || typeof value === "number", column.selector).toBe(true);
        if (column.type === "timestamp") expect(Number.isNaN(Date.parse(String(value)))).toBe(false);
      }
  });
});
