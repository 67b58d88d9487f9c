/**
 * The e2e accuracy check itself: it accepts exactly the sketch's 1% relative error, at every
 * magnitude, and nothing more (it once let a sub-millisecond percentile be 6% off).
 */
import { describe, expect, it } from "vitest";
import { withinOnePercent } from "./helpers";

describe("withinOnePercent", () => {
  it.each([0.1, 3, 250, 86_400_000])("accepts up to 1%% off and rejects 1.001%% off, at %s ms", (exact) => {
    expect(withinOnePercent(exact, exact)).toBe(true);
    expect(withinOnePercent(exact * 1.01, exact)).toBe(true);
    expect(withinOnePercent(exact * 0.99, exact)).toBe(true);
    expect(withinOnePercent(exact * 1.01001, exact)).toBe(false);
    expect(withinOnePercent(exact * 0.98999, exact)).toBe(false);
  });

  it("rejects a missing percentile, and anything but 0 for an exact 0", () => {
    expect(withinOnePercent(null, 5)).toBe(false);
    expect(withinOnePercent(0, 0)).toBe(true);
    expect(withinOnePercent(0.001, 0)).toBe(false);
  });

  it("rejects a sub-millisecond percentile 6% off, which the old absolute slack accepted", () => {
    expect(withinOnePercent(0.106, 0.1)).toBe(false);
  });
});
