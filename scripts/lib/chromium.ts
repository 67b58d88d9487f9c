/**
 * Debian's Chromium (apt package `chromium`, which .ci/run installs when missing) driven by
 * playwright-core, which downloads no browser of its own. Used by the browser tests and the
 * live-update benchmark.
 */
import { type Browser, chromium, type Page } from "playwright-core";

/** The Chromium binary; `CHROMIUM_PATH` points at another one. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // As root on CI machines Chromium refuses its sandbox; the pages loaded are our own.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

/** Opens the dashboard of the Worker at `baseUrl` and signs in through its form (Enter submits). */
export async function signInToDashboard(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/_pathmeter/dashboard`);
  await page.fill('input[name="token"]', token);
  await page.press('input[name="token"]', "Enter");
}
