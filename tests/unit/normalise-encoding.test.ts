/**
 * The canonical percent-encoding of paths (RFC 3986 §6.2.2): one route is one template however a
 * client spelled it — escapes in either case, or raw UTF-8 as the ingest API may receive it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_PATH_LENGTH } from "../../worker/src/event";
import { cleanPath, createNormaliser } from "../../worker/src/event/normalise";

/** A triplet is "%" and two upper-case hex digits; every other character is a path character. */
const CANONICAL = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-F]{2})*$/;

describe("canonical percent-encoding", () => {
  it.each([
    ["upper-cases escapes", "/caf%c3%a9/%e2%9c%93", "/caf%C3%A9/%E2%9C%93"],
    ["decodes encoded unreserved characters", "/%41%62%7e%7E%2d%2E%5f%30", "/Ab~~-._0"],
    ["encodes non-ASCII as UTF-8", "/edge/ü/✓", "/edge/%C3%BC/%E2%9C%93"],
    ["encodes a character outside the BMP", "/😀", "/%F0%9F%98%80"],
    ["encodes space and controls", "/a b\u0001\u007f", "/a%20b%01%7F"],
    ["encodes what a path may not hold", '/"<>\\^`{|}[]', "/%22%3C%3E%5C%5E%60%7B%7C%7D%5B%5D"],
    ["encodes a % that starts no escape", "/100%/%zz/%4", "/100%25/%25zz/%254"],
    ["keeps encoded reserved characters encoded", "/a%2fb%3f%23%40%21%2C", "/a%2Fb%3F%23%40%21%2C"],
    ["keeps sub-delims, ':' and '@' as they are", "/a!$&'()*+,;=:@b%7e", "/a!$&'()*+,;=:@b~"],
    ["keeps escapes of bytes that are not UTF-8", "/%ff%C0", "/%FF%C0"],
    ["encodes a lone surrogate as U+FFFD", "/a\uD800b/\uDC00", "/a%EF%BF%BDb/%EF%BF%BD"],
    ["encodes a high surrogate at the end as U+FFFD", "/a\uD83D", "/a%EF%BF%BD"],
  ])("%s: %s → %s", (_rule, raw, canonical) => {
    expect(cleanPath(raw)).toBe(canonical);
  });

  it.each([
    ["/a/%2E%2E/b", "/b"],
    ["/a/%2e/b", "/a/b"],
    ["/a/./b/../c", "/a/c"],
    ["/../../a", "/a"],
    ["/a/b/..", "/a"],
    ["/..", "/"],
    ["/.well-known/a..b/.x", "/.well-known/a..b/.x"],
  ])("resolves dot segments as the gateway's URL parser does: %s → %s", (raw, resolved) => {
    expect(cleanPath(raw)).toBe(resolved);
    expect(cleanPath(new URL(`http://gateway.test${raw}`).pathname)).toBe(resolved);
  });

  it("does not split a path at an encoded slash or collapse around it", () => {
    expect(cleanPath("/a/%2f%2F/b/")).toBe("/a/%2F%2F/b");
  });

  it("gives a raw UTF-8 path and its encodings, in either case, one template", () => {
    const normalise = createNormaliser([]);
    const spellings = ["/café/x", "/caf%C3%A9/x", "/caf%c3%a9/x", "/caf%c3%A9/x", "/ca%66%C3%A9/x"];
    expect(new Set(spellings.map(normalise))).toEqual(new Set(["/caf%C3%A9/x"]));
  });

  it("gives a path the template of what the URL parser makes of it (the gateway's view)", () => {
    // Characters the URL parser drops or reinterprets (controls, space, "\", "?", "#", dot segments)
    // or that start escapes are left out: the property is about encoding, not the parser's rules.
    const segment = fc
      .string({ unit: "grapheme", minLength: 1, maxLength: 8 })
      .filter((s) => [...s].every((c) => c > " " && !"\\/?#%".includes(c)) && s !== "." && s !== "..");
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), (segments) => {
        const raw = `/${segments.join("/")}`;
        const parsed = new URL(`http://gateway.test${raw}`).pathname;
        expect(cleanPath(raw)).toBe(cleanPath(parsed));
        expect(decodeURIComponent(cleanPath(raw))).toBe(raw);
      }),
    );
  });

  it("is canonical and idempotent for any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (raw) => {
        const canonical = cleanPath(raw);
        expect(canonical).toMatch(CANONICAL);
        expect(cleanPath(canonical)).toBe(canonical);
        // Whatever the case of its escapes, the same path.
        const swapped = canonical.replace(/%[0-9A-F]{2}/g, (triplet) => triplet.toLowerCase());
        expect(cleanPath(swapped)).toBe(canonical);
      }),
    );
  });
});

describe("route templates and the canonical form", () => {
  it.each([
    ["/café/:id", "/caf%c3%a9/7", "/caf%C3%A9/:id"],
    ["/caf%c3%a9/:id", "/café/7", "/caf%C3%A9/:id"],
    ["/%7Eme/:name", "/~me/7", "/~me/:name"],
    ["/:v{v[0-9]{1,2}}/café", "/v12/caf%c3%a9", "/:v{v[0-9]{1,2}}/caf%C3%A9"],
    ["/café/:id?", "/caf%C3%A9", "/caf%C3%A9/:id"],
  ])("route %s matches %s as %s", (route, raw, template) => {
    expect(createNormaliser([route])(raw)).toBe(template);
  });

  it("turns identifier segments into :id after decoding unreserved escapes", () => {
    expect(createNormaliser([])("/items/%31%32%33/%e2%9c%93")).toBe("/items/:id/%E2%9C%93");
  });
});

describe(`the ${MAX_PATH_LENGTH}-character cap on encoded paths`, () => {
  const normalise = createNormaliser([]);

  it("never keeps part of an escape or of an encoded character", () => {
    for (let pad = 0; pad < 12; pad++) {
      const raw = `/${"a".repeat(MAX_PATH_LENGTH - 12 + pad)}✓%2Fé😀`;
      const template = normalise(raw);
      expect(template.length).toBeLessThanOrEqual(MAX_PATH_LENGTH);
      expect(template.length).toBeGreaterThan(MAX_PATH_LENGTH - 12);
      expect(cleanPath(raw).startsWith(template)).toBe(true);
      expect(template).toMatch(CANONICAL);
      expect(() => decodeURIComponent(template)).not.toThrow();
    }
  });

  it("keeps as many whole encoded characters as fit", () => {
    expect(normalise(`/${"é".repeat(200)}`)).toBe(`/${"%C3%A9".repeat(42)}`);
    expect(normalise(`/a${"%2F".repeat(200)}`)).toBe(`/a${"%2F".repeat(84)}`);
  });
});
