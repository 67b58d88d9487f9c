/**
 * UTC hour and day arithmetic and the ISO-8601 forms times are shown in, for every layer. Jobs
 * run "as of" a clock value (the cron's scheduledTime), never Date.now(), so these take the
 * time as an argument.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Start of the UTC hour containing `ms`. */
export const hourOf = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** Start of the UTC day containing `ms`. */
export const dayStartOf = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;

/** `YYYY-MM-DD` of the UTC day containing `ms`. */
export const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Epoch ms of a `YYYY-MM-DD` UTC day, or null when it is not a real calendar day. */
export function parseIsoDay(day: string): number | null {
  const m = ISO_DAY.exec(day);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isFinite(ms) && isoDay(ms) === day ? ms : null;
}

/** ISO-8601 of an epoch ms, as reports show times. */
export const isoTime = (ms: number): string => new Date(ms).toISOString();
