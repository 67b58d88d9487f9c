/**
 * SQL of the detail-row ring (shared/day-slots.ts, migration 0005): the slot tables' names, the
 * union of some slots' rows (D1 allows at most 5 terms in one compound SELECT, so longer unions
 * nest), and the seq counter that numbers stored events.
 *
 * seq is assigned by the write path, not by SQLite: `pipeline_counters.last_seq` holds the last
 * seq handed out; a write batch numbers its rows last_seq + 1 … last_seq + n and advances the
 * counter in its last statement, so every statement before it finds the batch's own rows as
 * `seq > last_seq` (a rowid range search in each slot). D1 runs one batch at a time, so no two
 * batches ever share a seq, and a seq is never reused: archive parts can use seq as a cursor.
 */
import { EVENT_SLOTS } from "../shared/day-slots";

/** The table of one slot. Slot numbers come from slotOf(), never from input. */
export const slotTable = (slot: number): string => `traffic_events_p${slot}`;

/** Every slot, ascending. */
export const ALL_SLOTS: readonly number[] = Array.from({ length: EVENT_SLOTS }, (_, slot) => slot);

/** The last seq handed out (0 before the first event): a scalar subquery. */
export const LAST_SEQ = "(SELECT coalesce(max(value), 0) FROM pipeline_counters WHERE name = 'last_seq')";

/** D1's limit on the terms of one compound SELECT (SQLITE_LIMIT_COMPOUND_SELECT). */
const MAX_COMPOUND_TERMS = 5;

/** `selects` joined by UNION ALL, nested so no compound has more than MAX_COMPOUND_TERMS terms. */
export function unionAll(selects: readonly string[]): string {
  if (selects.length <= MAX_COMPOUND_TERMS) return selects.join(" UNION ALL ");
  const groups: string[] = [];
  for (let i = 0; i < selects.length; i += MAX_COMPOUND_TERMS - 1)
    groups.push(`SELECT * FROM (${selects.slice(i, i + MAX_COMPOUND_TERMS - 1).join(" UNION ALL ")})`);
  return unionAll(groups);
}

/**
 * A FROM-clause subquery of `columns` of the rows of `slots` that match `where` (the same text in
 * every arm, so numbered parameters bind once for all). No slot gives an empty row set.
 */
export function slotRows(slots: readonly number[], columns: string, where: string): string {
  if (slots.length === 0) return `(SELECT ${columns} FROM ${slotTable(0)} WHERE false)`;
  return `(${unionAll(slots.map((slot) => `SELECT ${columns} FROM ${slotTable(slot)} WHERE ${where}`))})`;
}
