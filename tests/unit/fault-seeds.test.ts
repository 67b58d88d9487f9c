import { describe, expect, it } from "vitest";
import { faultSeeds } from "../fault-seeds";

describe("faultSeeds", () => {
  it("keeps a scenario's own seeds when FAULT_SEEDS is unset or blank", () => {
    expect(faultSeeds([1, 2], undefined)).toEqual([1, 2]);
    expect(faultSeeds([1, 2], " ")).toEqual([1, 2]);
  });

  it("runs the seeds named instead, each once, in order", () => {
    expect(faultSeeds([1, 2], "7, 8,9,7")).toEqual([7, 8, 9]);
    expect(faultSeeds([1], "0")).toEqual([0]);
  });

  it.each(["7;8", "seven", "7,", "-1", "1.5", "1e3", "1234567890"])(
    "refuses %j with a clear message",
    (raw) => {
      expect(() => faultSeeds([1], raw)).toThrow(/FAULT_SEEDS must be comma-separated integers/);
    },
  );
});
