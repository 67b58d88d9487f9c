/**
 * Aggregates for the query benchmark, written straight into a fresh local D1 (no events): 90
 * days × 1,000 paths of hourly counters, hourly sketches for the last HOURLY_SKETCH_DAYS (30) and
 * daily sketches before them — what rollup and tiering leave — plus the all-paths total sketches,
 * the daily pre-merged sketches of each closed day still kept hourly (migrations/0006), and every
 * day older than HOT_DAYS marked as cleaned (unique clients from the HyperLogLogs, as
 * after archive and cleanup). One statement per day and table, rows generated in SQL.
 */
import type { Miniflare } from "miniflare";
import { encodeHll, encodeLatency } from "../../worker/src/sketches/codec";
import { HyperLogLog } from "../../worker/src/sketches/hll";
import { bucketOf } from "../../worker/src/sketches/latency";
import { seededRandom } from "../lib/seeded-random";

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
export const PATH_COUNT = 1_000;
export const DAYS = 90;
const HOURLY_SKETCH_DAYS = 30;
const HOT_DAYS = 3;
/** Distinct sketch bodies reused across rows (the bytes, not their variety, cost the reads). */
const VARIANTS = 40;

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

interface Variants {
  latency: string[];
  clients: string[];
}

/**
 * Hourly sketches — latency of ~40 buckets and sparse HyperLogLogs of ~60 clients — and what 24
 * of them merge into (a day's pre-merged sketch: wider histograms, dense HyperLogLogs), as hex.
 */
async function sketchVariants(): Promise<{ hourly: Variants; daily: Variants }> {
  const rand = seededRandom(9);
  const hourly: Variants = { latency: [], clients: [] };
  const daily: Variants = { latency: [], clients: [] };
  for (let v = 0; v < VARIANTS; v++) {
    const day = new Map<number, number>();
    const dayClients = new HyperLogLog();
    for (let h = 0; h < 24; h++) {
      const histogram = new Map<number, number>();
      const base = 5 + rand() * 200;
      for (let i = 0; i < 400; i++) {
        const bucket = bucketOf(base * (0.5 + rand() * 3));
        histogram.set(bucket, (histogram.get(bucket) ?? 0) + 1);
        day.set(bucket, (day.get(bucket) ?? 0) + 1);
      }
      const hll = new HyperLogLog();
      for (let i = 0; i < 60; i++) hll.add(`client-${Math.floor(rand() * 5_000)}`);
      dayClients.merge(hll);
      if (h > 0) continue;
      hourly.latency.push(hex(encodeLatency(histogram)));
      hourly.clients.push(hex(await encodeHll(hll)));
    }
    daily.latency.push(hex(encodeLatency(day)));
    daily.clients.push(hex(await encodeHll(dayClients, "fast")));
  }
  return { hourly, daily };
}

export const benchPath = (p: number) => `/api/v1/resource-${p}/items/:id`;

/** Writes the aggregates of DAYS days ending at `end` (a UTC day boundary). */
type BenchD1 = Awaited<ReturnType<Miniflare["getD1Database"]>>;

export async function loadAggregates(db: BenchD1, end: number, log: (line: string) => void): Promise<void> {
  const paths = JSON.stringify(Array.from({ length: PATH_COUNT }, (_, p) => benchPath(p)));
  const variants = await sketchVariants();
  const all = JSON.stringify(["*"]);
  for (let d = 0; d < DAYS; d++) {
    const day = end - (DAYS - d) * DAY_MS;
    const hours = JSON.stringify(Array.from({ length: 24 }, (_, h) => day + h * HOUR_MS));
    await db
      .prepare(
        `INSERT INTO path_stats_hourly SELECT h.value, p.value, 'GET', 50 + abs(random()) % 200, 0,
           40 + abs(random()) % 150, 0, abs(random()) % 10, abs(random()) % 5, 5000.5 + abs(random()) % 20000,
           0.5, 500 + abs(random()) % 1000, 100000 FROM json_each(?1) h, json_each(?2) p`,
      )
      .bind(hours, paths)
      .run();
    const grain = end - day > HOURLY_SKETCH_DAYS * DAY_MS ? "day" : "hour";
    const starts = grain === "day" ? JSON.stringify([day]) : hours;
    for (const kind of ["latency", "clients"] as const)
      for (const who of [paths, all])
        await db
          .prepare(
            `INSERT INTO path_sketches (kind, grain, start, path, method, sketch, version)
             SELECT ?1, ?2, h.value, p.value, CASE p.value WHEN '*' THEN '*' ELSE 'GET' END,
               unhex(json_extract(?5, '$[' || (abs(random()) % ${VARIANTS}) || ']')), 1
             FROM json_each(?3) h, json_each(?4) p`,
          )
          .bind(kind, grain, starts, who, JSON.stringify(variants.hourly[kind]))
          .run();
    await writeRollups(db, day, day + DAY_MS < end);
    if (grain === "hour" && day + DAY_MS < end) await writePremerged(db, day, paths, variants.daily);
    if (end - day > HOT_DAYS * DAY_MS)
      await db
        .prepare("INSERT INTO day_lifecycle (day, cleaning_since, cleaned_at) VALUES (?1, ?2, ?2)")
        .bind(new Date(day).toISOString().slice(0, 10), end)
        .run();
    if ((d + 1) % 15 === 0) log(`loaded ${d + 1} of ${DAYS} days`);
  }
  // The current hour still waits for rollup (its rows are read hourly, as in production).
  await db
    .prepare("INSERT INTO rollup_pending (hour) VALUES (?1)")
    .bind(Math.floor(Date.now() / HOUR_MS) * HOUR_MS)
    .run();
}

/** The day's pre-merged sketches and its fingerprint, as the rollup job writes them (jobs/premerge-days.ts). */
async function writePremerged(db: BenchD1, day: number, paths: string, variants: Variants): Promise<void> {
  await db
    .prepare(
      `INSERT INTO sketch_days (day, fingerprint) SELECT ?1, count(*) + sum(version) FROM path_sketches
       WHERE grain = 'hour' AND start >= ?1 AND start < ?1 + ?2`,
    )
    .bind(day, DAY_MS)
    .run();
  for (const kind of ["latency", "clients"] as const)
    await db
      .prepare(
        `INSERT INTO path_sketches_premerged (kind, path, method, day, fingerprint, sketch)
         SELECT ?1, p.value, CASE p.value WHEN '*' THEN '*' ELSE 'GET' END, ?2,
           (SELECT fingerprint FROM sketch_days WHERE day = ?2),
           unhex(json_extract(?4, '$[' || (abs(random()) % ${VARIANTS}) || ']'))
         FROM json_each(?3) p`,
      )
      .bind(kind, day, JSON.stringify([...JSON.parse(paths), "*"]), JSON.stringify(variants[kind]))
      .run();
}

const SUMS = "sum(requests), sum(status_4xx), sum(status_5xx), sum(duration_sum_ms), max(duration_max_ms)";

/** The counter roll-ups the rollup job writes (worker/src/db/stats-rollups.ts), for one day. */
async function writeRollups(db: BenchD1, day: number, dayIsOver: boolean): Promise<void> {
  await db
    .prepare(
      `INSERT INTO stats_hourly_totals SELECT hour, ${SUMS} FROM path_stats_hourly
       WHERE hour >= ?1 AND hour < ?1 + ?2 GROUP BY hour`,
    )
    .bind(day, DAY_MS)
    .run();
  if (!dayIsOver) return;
  for (const group of ["path, method", "'*', '*'"])
    await db
      .prepare(
        `INSERT INTO path_stats_daily SELECT ?1, ${group}, ${SUMS} FROM path_stats_hourly
         WHERE hour >= ?1 AND hour < ?1 + ?2 ${group.startsWith("path") ? "GROUP BY path, method" : ""}`,
      )
      .bind(day, DAY_MS)
      .run();
}
