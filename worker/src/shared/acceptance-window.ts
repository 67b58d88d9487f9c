/**
 * The acceptance window: how old an event may be and still be accepted (MAX_EVENT_AGE_DAYS).
 * It is also the dedupe horizon: detail rows, whose unique id index recognises duplicates, are
 * deleted only once their whole UTC day has left the window (jobs/cleanup.ts), so every event
 * the API or the consumer accepts can still be recognised as a duplicate.
 */

const DAY_MS = 86_400_000;

/** The ingest API refuses events starting more than this far ahead of its clock (`in_future`). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The consumer refuses events starting more than this far ahead of its clock (`in_future`): an
 * hour more than the API allows, so an event the API accepted is never refused by a consumer
 * whose clock is a little behind. Only a hand-made message can carry one; a far-future event
 * would otherwise sit in the detail slot of a day years ahead.
 */
export const MAX_QUEUED_FUTURE_MS = MAX_CLOCK_SKEW_MS + 60 * 60_000;

/** The oldest `ts` (epoch ms) accepted at `now`. */
export const oldestAcceptedTs = (now: number, maxEventAgeDays: number): number =>
  now - maxEventAgeDays * DAY_MS;

/**
 * Start of the oldest UTC day whose detail rows must be kept at `now`: every day that ends
 * after the window starts. Cleanup deletes only days before it.
 */
export const oldestKeptDay = (now: number, maxEventAgeDays: number): number => {
  const oldest = oldestAcceptedTs(now, maxEventAgeDays);
  return oldest - (oldest % DAY_MS);
};
