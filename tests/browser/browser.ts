/**
 * Browser harness: Chromium (scripts/lib/chromium.ts) against the local stack. Collects console errors and page errors per page, and
 * saves screenshots under test-artifacts/browser/ (git-ignored).
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { REPO_ROOT } from "../../scripts/lib/build";

export { launchChromium, signInToDashboard as signIn } from "../../scripts/lib/chromium";

/** Where screenshots go (git-ignored). */
export const ARTIFACTS_DIR = path.join(REPO_ROOT, "test-artifacts", "browser");

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console messages of type error and uncaught page errors, as text. */
  errors: string[];
}

/** A fresh context (own sessionStorage) and page whose console errors are collected. */
export async function openPage(
  browser: Browser,
  colorScheme: "light" | "dark" = "light",
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  return { page, context, errors };
}

/** Saves a full-page screenshot as test-artifacts/browser/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The headline figures as the page shows them: metric → data-value. */
export async function headlineValues(page: Page): Promise<Record<string, string>> {
  return page.$$eval("[data-metric]", (nodes) =>
    Object.fromEntries(nodes.map((n) => [n.getAttribute("data-metric"), n.getAttribute("data-value")])),
  );
}

/** The range the headline figures are for, as the API echoed it. */
export async function headlineRange(page: Page): Promise<{ from: string; to: string }> {
  const from = await page.getAttribute("#figures", "data-from");
  const to = await page.getAttribute("#figures", "data-to");
  if (!from || !to) throw new Error("the headline figures carry no range");
  return { from, to };
}

/** Relative luminance (WCAG) of a computed `rgb(r, g, b)` colour, 0 (black) to 1 (white). */
export function luminance(rgb: string): number {
  const [r = 0, g = 0, b = 0] = (rgb.match(/\d+(\.\d+)?/g) ?? []).map(Number).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Where an element is and whether its content fits it, in CSS pixels. */
export interface Measured {
  left: number;
  right: number;
  width: number;
  height: number;
  /** Content width (scrollWidth) and visible width (clientWidth): more content than room = cut. */
  scrollWidth: number;
  clientWidth: number;
  title: string | null;
}

/** Measures the first element matching `selector` (getBoundingClientRect and scroll sizes). */
export async function measure(page: Page, selector: string): Promise<Measured> {
  return page.$eval(selector, (node) => {
    const box = node.getBoundingClientRect();
    return {
      left: box.left,
      right: box.right,
      width: box.width,
      height: box.height,
      scrollWidth: node.scrollWidth,
      clientWidth: node.clientWidth,
      title: node.getAttribute("title"),
    };
  });
}
