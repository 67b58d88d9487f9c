/** The gateway reads path and query from the request URL without parsing it (request-record.ts). */
import fc from "fast-check";
import { expect, it } from "vitest";
import { rawPathOf } from "../../worker/src/gateway/request-record";

it("equals new URL(url).pathname + search for any serialised URL", () => {
  fc.assert(
    fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (raw) => {
      // A request's URL is already serialised: that is what the Worker sees.
      const url = new URL(raw);
      expect(rawPathOf(url.href)).toBe(url.pathname + url.search);
    }),
    { numRuns: 500 },
  );
});

it.each([
  "http://h.test",
  "http://h.test/",
  "http://h.test/a?",
  "http://h.test/a??",
  "http://h.test/a?#",
  "http://user:pw@h.test:8080/a/b?x=1#frag",
  "https://h.test/%2F/..%2f/?q=a/b",
  "http://[::1]:80/v6?x",
])("%s", (raw) => {
  const url = new URL(raw);
  expect(rawPathOf(url.href)).toBe(url.pathname + url.search);
});
