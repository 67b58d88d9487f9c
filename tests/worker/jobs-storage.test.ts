/**
 * The storage budget of docs/storage.md, measured: what a row of each aggregate table really
 * costs in D1 (database size before/after, indexes and page overhead included), and the 3-year
 * arithmetic for 1,000 active paths under 10 GB recomputed from those measurements.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { writeEvents } from "../../worker/src/db/write-events";
import { encodeHll, encodeLatency } from "../../worker/src/sketches/codec";
import { HyperLogLog } from "../../worker/src/sketches/hll";
import { generateEvents, random } from "./harness";

/** Upper bounds per row, in bytes, as docs/storage.md states them. */
const DOCUMENTED = { counters: 160, denseClients: 2_200, latency150: 650, sparseClients100: 650, event: 280 };
const GB = 1e9;

const size = async () => (await env.DB.prepare("SELECT 1").run()).meta.size_after;
const pathOf = (p: number) => `/api/v1/resource-${p}/items/:id`;

async function bytesPerRow(rows: number, insert: (i: number) => Promise<unknown>): Promise<number> {
  const before = await size();
  for (let i = 0; i < rows; i++) await insert(i);
  return ((await size()) - before) / rows;
}

function sketchInsert(kind: string, sketch: Uint8Array, offset: number) {
  return (i: number) =>
    env.DB.prepare(
      "INSERT INTO path_sketches (kind, grain, start, path, method, sketch, version) VALUES (?1, 'day', ?2, ?3, 'GET', ?4, 1)",
    )
      .bind(kind, offset + (i % 20) * 86_400_000, pathOf(Math.floor(i / 20)), sketch)
      .run();
}

describe("storage budget", () => {
  it("fits 3 years of aggregates for 1,000 active paths in 10 GB, by measured row sizes", {
    timeout: 120_000,
  }, async () => {
    const counters = await bytesPerRow(40, (chunk) =>
      env.DB.prepare(
        `INSERT INTO path_stats_hourly SELECT 1700000000000 + (value % 500) * 3600000, '/api/v1/resource-' || (value / 500) || '/items/:id',
           'GET', 12345, 0, 12000, 100, 200, 45, 1234567.25, 0.5, 9876.75, 123456789
         FROM json_each(?1)`,
      )
        .bind(JSON.stringify(Array.from({ length: 500 }, (_, i) => chunk * 500 + i)))
        .run(),
    ).then((perChunk) => perChunk / 500);

    const rand = random(5);
    const dense = new HyperLogLog();
    for (let i = 0; i < 200_000; i++) dense.add(`client-${i}`);
    const sparse = new HyperLogLog();
    for (let i = 0; i < 100; i++) sparse.add(`client-${i}`);
    // 150 buckets: latencies spread over 20 ms – 400 ms, a busy endpoint's hour
    const latency = new Map<number, number>();
    for (let i = 0; i < 150; i++) latency.set(300 + i, 1 + Math.floor(rand() * 5_000));
    const denseClients = await bytesPerRow(1_000, sketchInsert("clients", await encodeHll(dense), 0));
    const latency150 = await bytesPerRow(1_000, sketchInsert("latency", encodeLatency(latency), 0));
    const sparseClients100 = await bytesPerRow(1_000, sketchInsert("clients", await encodeHll(sparse), 1));

    // ids and client hashes shaped as the gateway makes them: `{ts}-{32 hex}` and 64 hex
    const hex = (n: number, length: number) => n.toString(16).padStart(length, "0").slice(-length);
    const generated = generateEvents({
      prefix: "s",
      count: 20_000,
      startMs: Date.UTC(2026, 0, 1),
      spanMs: 3_600_000,
      clients: 5_000,
    });
    const events = generated.map((e, i) => ({
      ...e,
      id: `${e.ts}-${hex(i * 2_654_435_761, 32)}`,
      clientHash: hex(Number(e.clientHash.slice(7)) * 40_503, 64),
    }));
    const before = await size();
    for (let i = 0; i < events.length; i += 2_000)
      await writeEvents(env.DB, events.slice(i, i + 2_000), { maxPathsPerDay: 2_000 });
    const event = ((await size()) - before) / events.length;

    const measured = { counters, denseClients, latency150, sparseClients100, event };
    for (const [name, bytes] of Object.entries(measured))
      expect(bytes, name).toBeLessThanOrEqual(DOCUMENTED[name as keyof typeof DOCUMENTED]);

    // docs/storage.md: 1,000 paths, 3 years, HOURLY_SKETCH_DAYS = 30, every sketch "heavy"
    const paths = 1_000;
    const days = 3 * 365;
    const hourlyDays = Number(env.HOURLY_SKETCH_DAYS);
    const counterRows = paths * 24 * days;
    const sketchPairs = (paths + 1) * (24 * hourlyDays + days);
    const heavy = counterRows * counters + sketchPairs * (denseClients + latency150);
    expect(heavy).toBeLessThan(10 * GB);
    expect(
      counterRows * DOCUMENTED.counters + sketchPairs * (DOCUMENTED.denseClients + DOCUMENTED.latency150),
    ).toBeLessThan(10 * GB);
  });
});
