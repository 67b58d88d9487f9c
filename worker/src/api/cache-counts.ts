/**
 * Hit and miss counts of the stats cache, shown by health as `cache: {hits, misses}`.
 *
 * Cost: a D1 write per request would make every cache hit pay for a D1 row written ($1/M) and a
 * round trip — more than the hit saves. So each isolate counts in memory and writes its counts
 * (one upsert) on a miss, which reads D1 anyway, or at most once a minute while only hits come
 * (in waitUntil, after the answer). Health adds this isolate's unwritten counts to the stored
 * ones. What other isolates have not written yet is missing until they do; an evicted isolate
 * loses at most its last minute of hits. Counting is never allowed to fail an answer.
 */
import { addCacheCounts, readCacheCounts } from "../db/stats-cache-counters";

const FLUSH_EVERY_MS = 60_000;

const unwritten = { hits: 0, misses: 0, lastWrite: Date.now() };

async function write(db: D1Database): Promise<void> {
  const { hits, misses } = unwritten;
  if (hits === 0 && misses === 0) return;
  unwritten.lastWrite = Date.now();
  try {
    await addCacheCounts(db, hits, misses);
    unwritten.hits -= hits;
    unwritten.misses -= misses;
  } catch (error) {
    console.warn(`pathmeter: cache counts not written: ${error instanceof Error ? error.message : error}`);
  }
}

/** Counts a hit; returns a write to run after the answer when a minute passed since the last. */
export function countHit(db: D1Database): Promise<void> | null {
  unwritten.hits++;
  return Date.now() - unwritten.lastWrite >= FLUSH_EVERY_MS ? write(db) : null;
}

/** Counts a miss and writes the counts (the miss reads D1 anyway). */
export async function countMiss(db: D1Database): Promise<void> {
  unwritten.misses++;
  await write(db);
}

/** Stored counts plus this isolate's unwritten ones. */
export async function cacheCounts(db: D1Database): Promise<{ hits: number; misses: number }> {
  const stored = await readCacheCounts(db);
  return { hits: stored.hits + unwritten.hits, misses: stored.misses + unwritten.misses };
}
