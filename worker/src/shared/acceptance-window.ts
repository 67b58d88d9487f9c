/**
 * The acceptance window: how old an event may be and still be accepted (MAX_EVENT_AGE_DAYS).
 * It is also the dedupe horizon: detail rows, whose unique id index recognises duplicates, are
 * deleted only once their whole UTC day has left the window (jobs/cleanup.ts), so every event
 * the API or the consumer accepts can still be recognised as a duplicate.
 */

const DAY_MS = 86_400_000;

/**
 * Events starting more than this far ahead of the server clock are `in_future`: at the ingest
 * API, and again at the consumer, where only a hand-made message can carry one (our senders
 * check first). A far-future event would sit in the detail slot of a day years ahead.
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

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
