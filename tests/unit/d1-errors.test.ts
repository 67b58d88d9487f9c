import { describe, expect, it } from "vitest";
import { isTransientD1Error } from "../../worker/src/shared/d1-errors";

describe("isTransientD1Error", () => {
  it.each([
    "D1_ERROR: Network connection lost.",
    "D1_ERROR: D1 DB reset because its code was updated.",
    "D1 DB is overloaded. Too many requests queued.",
    "D1_ERROR: D1 DB storage operation exceeded timeout which caused object to be reset.",
  ])("takes D1's documented outage %j as transient", (message) => {
    expect(isTransientD1Error(new Error(message))).toBe(true);
  });

  it.each([
    ["a bug in our SQL", "D1_ERROR: no such table: path_statz: SQLITE_ERROR"],
    ["a type mismatch", "D1_TYPE_ERROR: Type 'undefined' not supported for value 'undefined'"],
    ["another binding's dropped call", "Network connection lost."],
    ["anything else", "TypeError: cannot read properties of undefined"],
  ])("does not take %s as a D1 outage", (_kind, message) => {
    expect(isTransientD1Error(new Error(message))).toBe(false);
  });
});
