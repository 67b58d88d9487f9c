/**
 * Config windows: HOT_DAYS ≤ MAX_EVENT_AGE_DAYS (a day is archived while its rows, the dedupe
 * record, are still in D1), and the cleanup horizon always covers the acceptance window.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../worker/src/config";
import type { Env } from "../../worker/src/env";
import { manifest } from "../../worker/src/manifest";
import { oldestAcceptedTs, oldestKeptDay } from "../../worker/src/shared/acceptance-window";

const DAY = 86_400_000;
const envOf = (vars: Partial<Record<string, string>>) =>
  ({ ...manifest.vars, ADMIN_TOKEN: "t", CLIENT_IP_SALT: "s", ...vars }) as unknown as Env;

describe("acceptance window and dedupe horizon", () => {
  it("accepts HOT_DAYS up to MAX_EVENT_AGE_DAYS and refuses more, saying why", () => {
    expect(parseConfig(envOf({ HOT_DAYS: "7", MAX_EVENT_AGE_DAYS: "7" })).hotDays).toBe(7);
    expect(() => parseConfig(envOf({ HOT_DAYS: "8", MAX_EVENT_AGE_DAYS: "7" }))).toThrow(ConfigError);
    expect(() => parseConfig(envOf({ HOT_DAYS: "8", MAX_EVENT_AGE_DAYS: "7" }))).toThrow(
      /HOT_DAYS \(8\) must not exceed MAX_EVENT_AGE_DAYS \(7\)/,
    );
  });

  it("keeps every day that holds an accepted timestamp, at any time of day", () => {
    for (const now of [
      Date.UTC(2026, 10, 29, 0, 0),
      Date.UTC(2026, 10, 29, 3, 0),
      Date.UTC(2026, 10, 29, 23, 59),
    ]) {
      for (const days of [1, 3, 7, 30]) {
        const oldest = oldestAcceptedTs(now, days);
        const kept = oldestKeptDay(now, days);
        expect(kept).toBeLessThanOrEqual(oldest);
        expect(oldest - kept).toBeLessThan(DAY);
        expect(kept % DAY).toBe(0);
      }
    }
  });
});
