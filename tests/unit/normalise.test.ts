/** Path normalisation rules (invariant 4), as pure functions. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_PATH_LENGTH } from "../../worker/src/event";
import {
  cleanPath,
  createNormaliser,
  isIdSegment,
  normaliserFor,
  TEMPLATES_KEPT,
} from "../../worker/src/event/normalise";
import { BoundedCache } from "../../worker/src/shared/bounded-cache";

describe("cleanPath", () => {
  it.each([
    ["/users/1?page=2&x=y", "/users/1"],
    ["/users/1#frag", "/users/1"],
    ["//a///b//", "/a/b"],
    ["/a/b/", "/a/b"],
    ["/", "/"],
    ["", "/"],
    ["?only=query", "/"],
    ["relative/path", "/relative/path"],
  ])("%s → %s", (raw, clean) => {
    expect(cleanPath(raw)).toBe(clean);
  });
});

describe("identifier segments", () => {
  it.each([
    ["0", true],
    ["12345678901234567890", true],
    ["550e8400-e29b-41d4-a716-446655440000", true],
    ["550E8400-E29B-41D4-A716-446655440000", true],
    ["deadbeef01", true],
    ["5f2b3c4d", true],
    ["abcdefghijABCDEFGHIJ0123", true],
    ["0123456789abcdefghij", true], // exactly 20 mixed characters
    ["2024-01-01_2024-12-31", false], // long and opaque-looking, but no letters
    ["eyJhbGciOiJIUzI1NiJ9_x-Y", true],
    ["deadbeef", false], // hex letters only: a word
    ["5f2b3c4", false], // hex, but shorter than 8
    ["v1", false],
    ["users", false],
    ["abcdefghijklmnopqrstuvwxyz", false], // long, but no digit
    ["0123456789abcdefghi", false], // 19 chars, not hex: too short to be opaque
    ["orders.json", false],
    [":id", false],
  ])("%s → %s", (segment, isId) => {
    expect(isIdSegment(segment)).toBe(isId);
  });
});

describe("createNormaliser", () => {
  const normalise = createNormaliser([
    "/users/:id/orders/:orderId",
    "/users/me",
    "/files/*",
    "/api/:version{v[0-9]+}/ping",
  ]);

  it.each([
    ["/users/7/orders/9?x=1", "/users/:id/orders/:orderId"],
    ["/users/abc/orders/def/", "/users/:id/orders/:orderId"],
    ["//users//7//orders//9", "/users/:id/orders/:orderId"],
    ["/users/me", "/users/me"],
    ["/users/42", "/users/:id"],
    ["/users/42/orders", "/users/:id/orders"],
    ["/files/a/b/c.txt", "/files/*"],
    ["/api/v2/ping", "/api/:version{v[0-9]+}/ping"],
    ["/api/beta/ping", "/api/beta/ping"],
    ["/items/550e8400-e29b-41d4-a716-446655440000/reviews/3", "/items/:id/reviews/:id"],
    ["/blob/5f2b3c4d9e", "/blob/:id"],
    ["/", "/"],
  ])("%s → %s", (raw, template) => {
    expect(normalise(raw)).toBe(template);
  });

  it("uses the first configured template that matches", () => {
    const first = createNormaliser(["/users/me", "/users/:id"]);
    expect(first("/users/me")).toBe("/users/me");
    expect(createNormaliser(["/users/:id", "/users/me"])("/users/me")).toBe("/users/:id");
  });

  it(`caps the template at ${MAX_PATH_LENGTH} characters`, () => {
    const long = `/${"segment/".repeat(100)}`;
    const result = normalise(long);
    expect(result).toHaveLength(MAX_PATH_LENGTH);
    expect(long.startsWith(result)).toBe(true);
    expect(normalise(`/${"x".repeat(100_000)}`)).toHaveLength(MAX_PATH_LENGTH);
  });

  it("does not cut a surrogate pair in half", () => {
    const path = `/${"a".repeat(MAX_PATH_LENGTH - 2)}😀`;
    const result = normalise(path);
    expect(result.length).toBe(MAX_PATH_LENGTH - 1);
    expect(result.endsWith("a")).toBe(true);
  });

  it("builds a normaliser once per route list", () => {
    expect(normaliserFor(["/a/:id"])).toBe(normaliserFor(["/a/:id"]));
    expect(normaliserFor(["/a/:id"])).not.toBe(normaliserFor(["/b/:id"]));
    expect(normaliserFor(["/a/:id"])("/a/xyz")).toBe("/a/:id");
  });
});

describe("the template memo", () => {
  const routes = ["/users/:id/orders/:orderId", "/files/*"];
  const segment = fc.oneof(
    fc.constantFrom(
      "users",
      "orders",
      "files",
      "42",
      "550e8400-e29b-41d4-a716-446655440000",
      "deadbeef01",
      "",
    ),
    fc.string({ maxLength: 12 }),
  );
  const rawPath = fc
    .tuple(fc.array(segment, { maxLength: 6 }), fc.constantFrom("", "?a=1", "?", "#f", "?x#y"))
    .map(([segments, tail]) => `/${segments.join("/")}${tail}`);

  it("gives exactly the templates of the rules, for first and repeated paths alike", () => {
    fc.assert(
      fc.property(fc.array(rawPath, { minLength: 1, maxLength: 40 }), (paths) => {
        // A fresh normaliser with a memo of 4 (so it also forgets) against one with no reuse at all.
        const memoised = createNormaliser(routes, new BoundedCache(4));
        for (const path of [...paths, ...paths.slice().reverse()])
          expect(memoised(path)).toBe(createNormaliser(routes)(path));
      }),
    );
  });

  it("remembers at most its bound of distinct paths, however many it sees", () => {
    const templates = new BoundedCache<string, string>(64);
    const normalise = createNormaliser([], templates);
    for (let i = 0; i < 10_000; i++)
      expect(normalise(`/random/${i.toString(36)}x/${i}`)).toMatch(/^\/random\//);
    expect(templates.size).toBe(64);
    expect(TEMPLATES_KEPT).toBeLessThanOrEqual(10_000);
  });

  it("keys the memo on the path without its query, so query strings do not fill it", () => {
    const templates = new BoundedCache<string, string>(64);
    const normalise = createNormaliser([], templates);
    for (let i = 0; i < 1_000; i++) expect(normalise(`/search?q=${i}`)).toBe("/search");
    expect(templates.size).toBe(1);
  });
});
