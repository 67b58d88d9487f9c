/** Bounded wait until the local stack has stored a number of events (benchmarks' sanity check). */
import { setTimeout as sleep } from "node:timers/promises";
import type { Miniflare } from "miniflare";
import { manifest } from "../../worker/src/manifest";

/** Polls pipeline_counters.events_stored until it reaches `expected`; throws at the deadline. */
export async function waitForStoredEvents(
  mf: Miniflare,
  expected: number,
  timeoutMs = 120_000,
): Promise<number> {
  const db = await mf.getD1Database(manifest.d1.binding);
  const deadline = Date.now() + timeoutMs;
  let stored = 0;
  while (Date.now() < deadline) {
    const row = await db
      .prepare("SELECT value FROM pipeline_counters WHERE name = 'events_stored'")
      .first<{ value: number }>();
    stored = row?.value ?? 0;
    if (stored >= expected) break;
    await sleep(250);
  }
  if (stored !== expected) throw new Error(`${stored} of ${expected} recorded requests were stored`);
  return stored;
}
