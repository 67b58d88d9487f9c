/**
 * The dashboard in a real browser (Debian's Chromium via playwright-core) against the local stack
 * (the production bundle in workerd, demo upstream, real queue and consumer): sign-in, figures
 * equal to the API's, leaderboard and chart, live updates without a reload, the polling fallback
 * when the hub is unreachable, a wrong token, a path of the longest kind kept to one line at desktop
 * and phone widths, and no console errors anywhere.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../scripts/local-stack";
import { adminApi, type Summary, tempStateDir } from "../e2e/helpers";
import {
  headlineRange,
  headlineValues,
  launchChromium,
  luminance,
  measure,
  openPage,
  screenshot,
  signIn,
  type WatchedPage,
} from "./browser";
import { LONG_PATH, sendAndStore, sendTraffic } from "./traffic";

let stack: LocalStack;
let browser: Browser;
let removeState: () => Promise<void>;

beforeAll(async () => {
  const state = await tempStateDir();
  removeState = state.remove;
  stack = await startLocalStack({ stateDir: state.dir, port: 0, crons: false });
  await sendAndStore(stack, 6);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await removeState?.();
});

async function signedIn(colorScheme: "light" | "dark" = "light"): Promise<WatchedPage> {
  const watched = await openPage(browser, colorScheme);
  await signIn(watched.page, stack.url, stack.adminToken);
  await watched.page.waitForSelector('[data-metric="requests"]');
  return watched;
}

const requestsShown = async ({ page }: WatchedPage) =>
  Number(await page.getAttribute('[data-metric="requests"]', "data-value"));

describe("the dashboard in Chromium", () => {
  it("signs in and shows headline figures equal to the API's for the same range", async () => {
    const watched = await signedIn();
    const { page } = watched;
    await page.waitForSelector('body[data-live="open"]');
    const range = await headlineRange(page);
    const api = await adminApi(stack).getJson<Summary>(
      `/api/stats/summary?from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}`,
    );
    const plain = (v: number | null) => (v === null ? "" : String(v));
    expect(await headlineValues(page)).toEqual({
      requests: plain(api.requests),
      errors4xx: plain(api.errors4xx),
      errors5xx: plain(api.errors5xx),
      errorRate: plain(api.errorRate),
      p50: plain(api.latencyMs.p50),
      p95: plain(api.latencyMs.p95),
      p99: plain(api.latencyMs.p99),
      uniqueClients: plain(api.uniqueClients),
    });
    expect(api.requests).toBeGreaterThan(0);
    // Default range: the last 24 hours, ending at the next whole hour.
    expect(Date.parse(range.to) - Date.parse(range.from)).toBe(24 * 3_600_000);
    // The token is in this tab's sessionStorage and nowhere in the URL.
    expect(await page.evaluate(() => sessionStorage.getItem("pathmeter.token"))).toBe(stack.adminToken);
    expect(page.url()).not.toContain(stack.adminToken);
    await screenshot(page, "signed-in");
    expect(watched.errors).toEqual([]);
  });

  it("lists the API's leaderboard rows and draws the chart, for all traffic and one path", async () => {
    const watched = await signedIn();
    const { page } = watched;
    await page.waitForSelector("tr[data-path][data-method]");
    const range = await headlineRange(page);
    const board = await adminApi(stack).getJson<{ paths: { path: string; method: string }[] }>(
      `/api/stats/paths?from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}&sort=requests&limit=50`,
    );
    const rows = await page.$$eval("tr[data-path][data-method]", (trs) =>
      trs.map((tr) => `${tr.getAttribute("data-method")} ${tr.getAttribute("data-path")}`),
    );
    expect(rows).toEqual(board.paths.map((p) => `${p.method} ${p.path}`));
    expect(rows.length).toBeGreaterThan(3);

    await page.waitForSelector("#chart canvas");
    expect(Number(await page.getAttribute("#chart", "data-points"))).toBeGreaterThan(0);
    expect(await page.getAttribute("#chart", "data-subject")).toBe("all");
    // Drill down from the first row (keyboard: focus its path button, press Enter).
    const first = board.paths[0];
    if (!first) throw new Error("the leaderboard is empty");
    await page.focus("tr[data-path] th button");
    await page.keyboard.press("Enter");
    await page.waitForSelector(`#chart[data-subject="${first.method} ${first.path}"] canvas`);
    await screenshot(page, "drill-down");
    expect(watched.errors).toEqual([]);
  });

  it("cuts a 256-character path to one line, keeps the numbers in view and still drills down", async () => {
    const watched = await signedIn();
    const { page } = watched;
    const longRow = `#leaderboard tr[data-method="GET"][data-path="${LONG_PATH}"]`;
    // One line of a table: a row with a short path when no long path is listed (POST has only /orders).
    await page.selectOption("#method-filter", "POST");
    await page.waitForSelector('#leaderboard tr[data-method="GET"]', { state: "detached" });
    const oneLine = (await measure(page, '#leaderboard tr[data-path="/orders"]')).height;
    expect(oneLine).toBeGreaterThan(0);
    await page.selectOption("#method-filter", "");
    await page.waitForSelector(longRow);
    expect(LONG_PATH).toHaveLength(256);
    const lineHigh = async (selector: string) =>
      expect((await measure(page, selector)).height).toBeLessThan(2 * oneLine);
    // The page itself never scrolls sideways (only the table, inside its own box).
    const pageFits = async () =>
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);

    // Desktop (1280 px): one line, cut with an ellipsis, the whole path on hover, numbers in view.
    await lineHigh(longRow);
    const path = await measure(page, `${longRow} th button`);
    expect(path.title).toContain(LONG_PATH);
    expect(path.scrollWidth).toBeGreaterThan(path.clientWidth);
    const requests = await measure(page, `${longRow} td.num`);
    expect(requests.left).toBeGreaterThanOrEqual(0);
    expect(requests.right).toBeLessThanOrEqual((await measure(page, "#leaderboard")).right);
    expect(requests.scrollWidth).toBeLessThanOrEqual(requests.clientWidth);
    await pageFits();
    // The comparison table lists the same path: one line there too, whole on hover, p95 in view.
    const compared = `#compare tr[data-compare="GET ${LONG_PATH}"]`;
    await lineHigh(compared);
    expect((await measure(page, `${compared} th`)).title).toContain(LONG_PATH);
    const p95 = await measure(page, `${compared} td:last-child`);
    expect(p95.right).toBeLessThanOrEqual((await measure(page, "#compare")).right);

    // Drill down: the chart's title is cut too (nothing sticks out of its panel), whole on hover.
    await page.click(`${longRow} th button`);
    await page.waitForSelector(`#chart[data-subject="GET ${LONG_PATH}"] .u-title`);
    const traffic = await measure(page, "#traffic");
    expect(traffic.scrollWidth).toBeLessThanOrEqual(traffic.clientWidth);
    expect((await measure(page, "#chart .u-title")).title).toBe(`GET ${LONG_PATH}`);
    await screenshot(page, "long-path");

    // Phone (400 px): the table may scroll sideways in its box, but rows stay one line high.
    await page.setViewportSize({ width: 400, height: 800 });
    await lineHigh(longRow);
    const narrow = await measure(page, `${longRow} td.num`);
    expect(narrow.scrollWidth).toBeLessThanOrEqual(narrow.clientWidth);
    expect((await measure(page, `${longRow} th button`)).clientWidth).toBeGreaterThan(100);
    await pageFits();
    await screenshot(page, "long-path-phone");
    expect(watched.errors).toEqual([]);
  });

  it("shows new traffic without a reload over the live feed (data-live=open)", async () => {
    const watched = await signedIn();
    const { page } = watched;
    await page.waitForSelector('body[data-live="open"]');
    await page.evaluate(() => {
      document.body.dataset.testMarker = "same page";
    });
    const before = await requestsShown(watched);
    await sendTraffic(stack, 2);
    await expect
      .poll(() => requestsShown(watched), { timeout: 30_000, interval: 200 })
      .toBeGreaterThan(before);
    expect(await page.getAttribute("body", "data-live")).toBe("open");
    expect(await page.getAttribute("body", "data-test-marker")).toBe("same page");
    expect(watched.errors).toEqual([]);
  });

  it("falls back to polling when the hub is unreachable and still shows new traffic", async () => {
    const watched = await openPage(browser);
    const { page } = watched;
    // Every live socket is closed at once, as an unreachable hub would.
    await page.routeWebSocket(/\/_pathmeter\/api\/live$/, (ws) =>
      ws.close({ code: 1011, reason: "hub unreachable (test)" }),
    );
    await signIn(page, stack.url, stack.adminToken);
    await page.waitForSelector('[data-metric="requests"]');
    await page.waitForSelector('body[data-live="polling"]');
    const before = await requestsShown(watched);
    await sendTraffic(stack, 1);
    await expect
      .poll(() => requestsShown(watched), { timeout: 30_000, interval: 250 })
      .toBeGreaterThan(before);
    expect(await page.getAttribute("body", "data-live")).toBe("polling");
    await screenshot(page, "polling");
    expect(watched.errors).toEqual([]);
  });

  it("follows the system's dark mode with readable contrast, in the figures as on the page", async () => {
    const colours = async (watched: WatchedPage) =>
      watched.page.$eval('[data-metric="requests"] .value', (value) => {
        const panel = value.closest(".panel") ?? document.body;
        return { text: getComputedStyle(value).color, background: getComputedStyle(panel).backgroundColor };
      });
    const light = await colours(await signedIn("light"));
    const dark = await signedIn("dark");
    const darkColours = await colours(dark);
    expect(luminance(light.background)).toBeGreaterThan(0.8);
    expect(luminance(darkColours.background)).toBeLessThan(0.1);
    // WCAG contrast ratio of the figure's text on its panel, at least 7:1 (AAA) in both modes.
    for (const { text, background } of [light, darkColours]) {
      const [hi, lo] = [luminance(text), luminance(background)].sort((a, b) => b - a) as [number, number];
      expect((hi + 0.05) / (lo + 0.05)).toBeGreaterThan(7);
    }
    await screenshot(dark.page, "dark");
    expect(dark.errors).toEqual([]);
  });

  it("refuses a wrong token with a clear message and shows no figures", async () => {
    const watched = await openPage(browser);
    const { page } = watched;
    await signIn(page, stack.url, "not-the-token");
    await page.waitForSelector("#sign-in-error:not([hidden])");
    expect(await page.textContent("#sign-in-error")).toContain("not accepted");
    expect(await page.$$("[data-metric]")).toHaveLength(0);
    expect(await page.getAttribute("body", "data-live")).toBe("closed");
    expect(await page.evaluate(() => sessionStorage.getItem("pathmeter.token"))).toBeNull();
    await screenshot(page, "wrong-token");
    // The one failed request is the refused token check itself (Chromium logs every 401).
    expect(watched.errors.every((e) => e.includes("401") && e.includes("/api/ops/health"))).toBe(true);
  });
});
