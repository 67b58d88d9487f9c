/** The bounded LRU map behind the gateway's memos (shared/bounded-cache.ts). */
import fc from "fast-check";
import { expect, it } from "vitest";
import { BoundedCache } from "../../worker/src/shared/bounded-cache";

it("keeps at most maxEntries keys, forgetting the least recently used first", () => {
  const cache = new BoundedCache<string, number>(3);
  cache.set("a", 1);
  cache.set("b", 2);
  cache.set("c", 3);
  expect(cache.get("a")).toBe(1); // a is now the most recently used
  cache.set("d", 4); // forgets b
  expect(cache.size).toBe(3);
  expect(cache.get("b")).toBeUndefined();
  expect([cache.get("a"), cache.get("c"), cache.get("d")]).toEqual([1, 3, 4]);
  cache.set("c", 30); // an update refreshes, it does not grow
  expect(cache.size).toBe(3);
  expect(cache.get("c")).toBe(30);
  cache.delete("c");
  expect(cache.get("c")).toBeUndefined();
  expect(cache.size).toBe(2);
});

it("agrees with a model LRU on any sequence of operations, and never grows past its bound", () => {
  const op = fc.oneof(
    fc.record({
      kind: fc.constant("set" as const),
      key: fc.integer({ min: 0, max: 12 }),
      value: fc.integer(),
    }),
    fc.record({ kind: fc.constant("get" as const), key: fc.integer({ min: 0, max: 12 }) }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 80 }), (max, ops) => {
      const cache = new BoundedCache<number, number>(max);
      // The model: keys in recency order, least recent first.
      let model: [number, number][] = [];
      for (const o of ops) {
        const found = model.find(([k]) => k === o.key);
        if (o.kind === "get") {
          expect(cache.get(o.key)).toBe(found?.[1]);
          if (found) model = [...model.filter(([k]) => k !== o.key), found];
        } else {
          cache.set(o.key, o.value);
          model = [...model.filter(([k]) => k !== o.key), [o.key, o.value] as [number, number]].slice(-max);
        }
        expect(cache.size).toBe(model.length);
        expect(cache.size).toBeLessThanOrEqual(max);
      }
    }),
  );
});

it("refuses a bound that is not a positive integer", () => {
  expect(() => new BoundedCache(0)).toThrow(RangeError);
  expect(() => new BoundedCache(1.5)).toThrow(RangeError);
});
