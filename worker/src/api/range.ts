/**
 * Time-range query parameters shared by the stats and query APIs.
 *
 * `from`/`to` accept ISO-8601 (`2026-11-20`, `2026-11-20T10:30Z`, `…T10:30:00.000+02:00`; a time
 * without a zone is UTC) or epoch milliseconds. Ranges are half-open [from, to). The aggregates
 * are hourly, so a range is widened to whole UTC hours: `from` down, `to` up.
 */
import type { HourRange } from "../db/read-stats";
import { isPlausibleTimestamp } from "../event";
import { ApiError } from "../shared/api-error";
import { DAY_MS, HOUR_MS, hourOf } from "../shared/time";

export interface RangeOptions {
  /** Length of the range when `from` is omitted, in ms. @default 24 hours */
  defaultSpanMs?: number;
  /** Longest range accepted after alignment, in ms. @default 366 days */
  maxSpanMs?: number;
}

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const EPOCH_MS = /^\d{1,16}$/;

const invalid = (name: string, raw: string, why: string) =>
  new ApiError(400, "invalid_parameter", `${name}=${JSON.stringify(raw.slice(0, 64))}: ${why}`);

/** Minutes east of UTC of `Z`, `+02:00` or `-0530`. */
const offsetMinutes = (zone: string): number => {
  if (zone === "Z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2));
  return hours > 23 || minutes > 59 ? Number.NaN : sign * (hours * 60 + minutes);
};

/** Epoch ms of an ISO-8601 date-time, or NaN; unlike Date.parse, rejects dates such as Feb 30. */
function parseIso(raw: string): number {
  const m = ISO_8601.exec(raw);
  if (!m) return Number.NaN;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((part) => Number(part ?? 0));
  const ms = Number(`${m[7] ?? ""}000`.slice(0, 3));
  const utc = Date.UTC(year ?? 0, (month ?? 0) - 1, day, hour, minute, second, ms);
  const back = new Date(utc);
  const sameFields =
    back.getUTCFullYear() === year &&
    back.getUTCMonth() + 1 === month &&
    back.getUTCDate() === day &&
    back.getUTCHours() === hour &&
    back.getUTCMinutes() === minute &&
    back.getUTCSeconds() === second;
  return sameFields ? utc - offsetMinutes(m[8] ?? "Z") * 60_000 : Number.NaN;
}

/** Parses one instant; throws a 400 `invalid_parameter` that says what was expected. */
export function parseInstant(name: string, raw: string): number {
  // An unencoded "+02:00" in a query string arrives as " 02:00"; the intent is unambiguous.
  const ms = EPOCH_MS.test(raw) ? Number(raw) : parseIso(raw.replace(/ (\d{2}:?\d{2})$/, "+$1"));
  if (Number.isNaN(ms))
    throw invalid(name, raw, "expected ISO-8601 (2026-11-20T10:00:00Z) or epoch milliseconds");
  if (!isPlausibleTimestamp(ms))
    throw invalid(name, raw, "must lie between 2000 and 2100 (epoch milliseconds, not seconds)");
  return ms;
}

/** The single value of a query parameter, undefined when absent; a repeated parameter is a 400. */
function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1) throw invalid(name, values.join(","), "given more than once");
  return values[0];
}

/**
 * The whole-hour range asked for by `from`/`to`. Defaults: `to` = the next UTC hour boundary
 * after `now`, `from` = `to` − defaultSpanMs. Throws 400 `invalid_parameter` for an unreadable
 * value and `invalid_range` when from ≥ to or the range is longer than maxSpanMs.
 */
export function parseHourRange(params: URLSearchParams, now: number, options: RangeOptions = {}): HourRange {
  const { defaultSpanMs = DAY_MS, maxSpanMs = 366 * DAY_MS } = options;
  const rawFrom = single(params, "from");
  const rawTo = single(params, "to");
  const to = rawTo === undefined ? hourOf(now) + HOUR_MS : parseInstant("to", rawTo);
  const from = rawFrom === undefined ? to - defaultSpanMs : parseInstant("from", rawFrom);
  if (from >= to)
    throw new ApiError(400, "invalid_range", "from must be before to (ranges are half-open [from, to))");
  const fromHour = hourOf(from);
  const toHour = Math.ceil(to / HOUR_MS) * HOUR_MS;
  if (toHour - fromHour > maxSpanMs)
    throw new ApiError(
      400,
      "invalid_range",
      `range spans ${(toHour - fromHour) / HOUR_MS} hours; at most ${maxSpanMs / HOUR_MS} are allowed`,
    );
  return { fromHour, toHour };
}
