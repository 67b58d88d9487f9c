/**
 * Detail rows live in a ring of day partitions: the event of UTC day number d (days since the
 * epoch) is stored in table `traffic_events_p{d mod EVENT_SLOTS}` (migration 0005). Cleanup then
 * empties a whole day with `DROP TABLE` + `CREATE TABLE`, which D1 counts as ~0 rows written,
 * instead of one row written per deleted event (docs/cost.md).
 *
 * A slot is reused EVENT_SLOTS days after the day it held. A day may be cleaned from the start of
 * its (MAX_EVENT_AGE_DAYS + 1)-th following day (the cleanup cron runs at 03:00), and the day
 * that reuses its slot can receive events 5 minutes before it starts (clock skew), so cleanup has
 * EVENT_SLOTS − MAX_EVENT_AGE_DAYS − 1 days (minus 3 h 05 min) to empty it. MAX_EVENT_AGE_DAYS ≤
 * MAX_WINDOW_DAYS keeps ≥ 2 days 21 h of that slack. A slot found still holding another day's
 * rows (cleanup blocked for days, e.g. archive failing) is still correct: both days share the
 * table and cleanup falls back to deleting the day's rows one by one.
 */

const DAY_MS = 86_400_000;

/** Tables in the ring: two weeks. */
export const EVENT_SLOTS = 14;

/** The largest MAX_EVENT_AGE_DAYS the ring allows (see the module comment). */
export const MAX_WINDOW_DAYS = EVENT_SLOTS - 4;

/** The slot (0 … EVENT_SLOTS − 1) of the UTC day holding `ts` (epoch ms). */
export const slotOf = (ts: number): number =>
  ((Math.floor(ts / DAY_MS) % EVENT_SLOTS) + EVENT_SLOTS) % EVENT_SLOTS;

/** The distinct slots of the UTC days that [from, to) touches, ascending; every slot past EVENT_SLOTS days. */
export function slotsOfRange(from: number, to: number): number[] {
  if (to <= from) return [];
  const firstDay = Math.floor(from / DAY_MS);
  const lastDay = Math.floor((to - 1) / DAY_MS);
  const slots = new Set<number>();
  for (let day = firstDay; day <= lastDay && slots.size < EVENT_SLOTS; day++) slots.add(slotOf(day * DAY_MS));
  return [...slots].sort((a, b) => a - b);
}
