/**
 * Debian's Chromium (apt package `chromium`, which .ci/run installs when missing) driven by
 * playwright-core, which downloads no browser of its own. Used by the browser tests and the
 * live-update benchmark.
 */
import { accessSync, constants } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";

/**
 * Where a Chromium may be: `CHROMIUM_PATH` first, then Debian's package (what .ci/run installs),
 * then the names other distributions and hosted CI runners (Google Chrome) use.
 */
const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
];

/** The first candidate that is an executable file. */
export function chromiumPath(): string {
  for (const candidate of CANDIDATES) {
    if (!candidate) continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not this one
    }
  }
  throw new Error(
    "no Chromium found: `apt-get install chromium` (Debian), or set CHROMIUM_PATH to a Chromium or Chrome binary",
  );
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
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
