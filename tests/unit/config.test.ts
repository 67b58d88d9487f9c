/**
 * Config windows: HOT_DAYS ≤ MAX_EVENT_AGE_DAYS (a day is archived while its rows, the dedupe
 * record, are still in D1), and the cleanup horizon always covers the acceptance window.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../worker/src/config";
import type { Env } from "../../worker/src/env";
import { manifest } from "../../worker/src/manifest";
import { oldestAcceptedTs, oldestKeptDay } from "../../worker/src/shared/acceptance-window";
import { EVENT_SLOTS, MAX_WINDOW_DAYS, slotOf, slotsOfRange } from "../../worker/src/shared/day-slots";

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

  it("accepts MAX_EVENT_AGE_DAYS up to MAX_WINDOW_DAYS and refuses more: the window must fit the ring", () => {
    const most = String(MAX_WINDOW_DAYS);
    expect(parseConfig(envOf({ MAX_EVENT_AGE_DAYS: most })).maxEventAgeDays).toBe(MAX_WINDOW_DAYS);
    expect(() => parseConfig(envOf({ MAX_EVENT_AGE_DAYS: String(MAX_WINDOW_DAYS + 1) }))).toThrow(
      new RegExp(
        `MAX_EVENT_AGE_DAYS \\(${MAX_WINDOW_DAYS + 1}\\) must not exceed ${MAX_WINDOW_DAYS}: .* ring of ${EVENT_SLOTS} day tables`,
      ),
    );
  });

  it("leaves cleanup at least two days to empty a slot before the ring reuses it", () => {
    // A day d may be cleaned from d + (window + 1) days, 03:00; slot d mod EVENT_SLOTS takes
    // events again from d + EVENT_SLOTS days minus 5 minutes of clock skew.
    const slack = (EVENT_SLOTS - MAX_WINDOW_DAYS - 1) * DAY - 3 * 3_600_000 - 5 * 60_000;
    expect(slack).toBeGreaterThan(2 * DAY);
    for (let day = 20_000; day < 20_000 + 3 * EVENT_SLOTS; day++)
      expect(slotOf((day + EVENT_SLOTS) * DAY + 1)).toBe(slotOf(day * DAY + DAY - 1));
    expect(slotsOfRange(0, 3 * DAY)).toEqual([0, 1, 2]);
    expect(slotsOfRange(0, 100 * DAY)).toHaveLength(EVENT_SLOTS);
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
