/**
 * Hostile input for the property-based tests (fast-check): event fields that are each valid or
 * hostile (wrong types, huge or non-finite numbers, far-future and ancient timestamps, NUL, lone
 * surrogates, very long strings, deep nesting), whole ingest bodies, query strings and request
 * paths. Every property runs a bounded, seeded number of times; fast-check prints the seed and
 * the shrunk counterexample of a failure, so it can be replayed with `{ seed, path }`.
 */
import { env } from "cloudflare:test";
import fc from "fast-check";
import { EVENT_METHODS } from "../../worker/src/event";

/** Runs per property in `npm test`: small, fixed seed (change the seed to explore further). */
export const RUNS = { numRuns: 50, seed: 20261129 } as const;

const DAY = 86_400_000;
const METHODS = [...EVENT_METHODS];

/** Nested arrays/objects `depth` levels deep, as a JS value. */
export const nested = (depth: number): unknown => {
  let value: unknown = "bottom";
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
};

/** Values of the wrong type or out of any range, shared by every field. */
const junk = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom(undefined, null, true, false, "", " ", "\u0000", "NaN", "Infinity", "-0", [], {}),
    fc.double(),
    fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((n) => Number(n)),
    fc.constantFrom(Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 2, -(2 ** 53) - 2),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.integer({ min: 1, max: 64 }).map(nested),
    fc.string({ maxLength: 8 }).map((s) => s.repeat(20_000)),
    fc.dictionary(fc.constantFrom("__proto__", "constructor", "toString", "valueOf", "x"), fc.jsonValue(), {
      maxKeys: 3,
    }),
  );

/** Mostly the valid arbitrary (so whole events are often valid), else one of the hostile ones. */
const mostly = <T>(valid: fc.Arbitrary<T>, ...hostile: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: valid, weight: 4 * hostile.length },
    ...hostile.map((arbitrary) => ({ arbitrary, weight: 1 })),
  );

/** Valid-looking field values, and hostile ones for the same field. */
export const fields = (now: number) => ({
  ts: mostly(
    fc.integer({ min: now - 6 * DAY, max: now + 4 * 60_000 }),
    fc.constantFrom(0, 1, -1, 946_684_799_999, 4_102_444_800_000, now + 10 * DAY, now - 400 * DAY, now + 0.5),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
    junk(),
  ),
  method: mostly(
    fc.constantFrom(...METHODS),
    fc.constantFrom(...METHODS.map((m) => m.toLowerCase())),
    fc.constantFrom("PROPFIND", "G ET", "GET\u0000", "\u0130GET", ""),
    junk(),
  ),
  path: mostly(
    fc.webPath().map((p) => `/${p}`),
    hostilePath(),
    junk(),
  ),
  status: mostly(fc.integer({ min: 100, max: 599 }), fc.constantFrom(99, 600, 200.5, "200", -200), junk()),
  durationMs: mostly(
    fc.double({ min: 0, max: 86_400_000, noNaN: true }),
    fc.constantFrom(-1, -0, 86_400_001, 1e308),
    junk(),
  ),
  bytes: mostly(fc.constant(undefined), fc.nat(), fc.constantFrom(-1, 1.5, 2 ** 53, "10"), junk()),
  id: mostly(
    fc.constant(undefined),
    fc.string({ minLength: 1, maxLength: 80 }),
    fc.string({ minLength: 81, maxLength: 200 }),
    junk(),
  ),
  clientIp: mostly(fc.constant(undefined), fc.ipV4(), fc.ipV6(), junk()),
  requestId: mostly(fc.constant(undefined), fc.string({ minLength: 1, maxLength: 40 }), junk()),
});

/** An ingest event whose fields are each valid or hostile, plus extra unknown keys. */
export const hostileEvent = (now: number): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .tuple(
      fc.record(fields(now), { requiredKeys: ["ts", "method", "path", "status", "durationMs"] }),
      fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 }),
    )
    .map(([event, extra]) => ({ ...extra, ...event }));

/** Paths an attacker sends: dot segments, encodings, NUL, unicode, huge segments, many segments. */
export function hostilePath(): fc.Arbitrary<string> {
  const segment = fc.oneof(
    fc.constantFrom("..", ".", "%2e%2e", "%2E.", "%00", "%2F", "%5C", "%", "%zz", "%ff%fe", "~", "", ";x=1"),
    fc.string({ unit: "grapheme", maxLength: 10 }).map(encodeURIComponent),
    fc
      .string({ unit: "binary", maxLength: 10 })
      .map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "x"))),
    fc.constantFrom("a", "b", "c").map((c) => c.repeat(5_000)),
    fc.uuid(),
    fc.nat().map(String),
  );
  return fc
    .tuple(fc.array(segment, { minLength: 0, maxLength: 30 }), fc.option(fc.webQueryParameters()))
    .map(([segments, query]) => `/${segments.join("/")}${query === null ? "" : `?${query}`}`);
}

/** Query strings for the stats API: known names with hostile values, and random names. */
export function hostileQuery(names: readonly string[]): fc.Arbitrary<string> {
  const value = fc.oneof(
    fc.string({ unit: "binary", maxLength: 30 }),
    fc.integer().map(String),
    fc.double().map(String),
    fc
      .date({ noInvalidDate: false })
      .map((d) => (Number.isNaN(d.getTime()) ? "Invalid Date" : d.toISOString())),
    fc.constantFrom(
      "",
      "0",
      "-1",
      "1e400",
      "9".repeat(400),
      "2026-02-30",
      "2026-11-20T25:00Z",
      "+275760-09-13",
    ),
  );
  const name = fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 10 }));
  return fc
    .array(fc.tuple(name, value), { maxLength: 6 })
    .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&"));
}

/**
 * How the stored data compares with the ids that were delivered: how many of them are stored,
 * and how far the hourly aggregates' request counts are above (`doubleCounted`) or below
 * (`uncounted`) the stored events.
 */
export async function storedTally(
  ids: readonly string[],
): Promise<{ storedIds: number; doubleCounted: number; uncounted: number }> {
  const [stored, events, counted] = await env.DB.batch<{ n: number }>([
    env.DB.prepare(
      "SELECT count(*) AS n FROM traffic_events WHERE id IN (SELECT value FROM json_each(?1))",
    ).bind(JSON.stringify(ids)),
    env.DB.prepare("SELECT count(*) AS n FROM traffic_events"),
    env.DB.prepare("SELECT coalesce(sum(requests), 0) AS n FROM path_stats_hourly"),
  ]);
  const n = (result: D1Result<{ n: number }> | undefined) => result?.results[0]?.n ?? 0;
  const difference = n(counted) - n(events);
  return {
    storedIds: n(stored),
    doubleCounted: Math.max(0, difference),
    uncounted: Math.max(0, -difference),
  };
}
