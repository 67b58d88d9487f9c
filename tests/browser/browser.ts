/**
 * Browser harness: Debian's Chromium (apt package `chromium`; .ci/run installs it) driven by
 * playwright-core against the local stack. Collects console errors and page errors per page, and
 * saves screenshots under test-artifacts/browser/ (git-ignored).
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { REPO_ROOT } from "../../scripts/lib/build";

/** Where screenshots go; `CHROMIUM_PATH` points at another Chromium if needed. */
export const ARTIFACTS_DIR = path.join(REPO_ROOT, "test-artifacts", "browser");
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // As root on CI machines Chromium refuses its sandbox; the pages loaded are our own.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console messages of type error and uncaught page errors, as text. */
  errors: string[];
}

/** A fresh context (own sessionStorage) and page whose console errors are collected. */
export async function openPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
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

/** Opens the dashboard and signs in through the form (Enter submits). */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/_pathmeter/dashboard`);
  await page.fill('input[name="token"]', token);
  await page.press('input[name="token"]', "Enter");
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
