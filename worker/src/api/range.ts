/**
 * Instants in query parameters (the stats API's schemas, archives, jobs).
 *
 * `from`/`to` accept ISO-8601 (`2026-11-20`, `2026-11-20T10:30Z`, `…T10:30:00.000+02:00`; a time
 * without a zone is UTC) or epoch milliseconds. Ranges are half-open [from, to); the stats API
 * widens them to whole UTC hours (stats-params.ts).
 */
import { isPlausibleTimestamp } from "../event";
import { ApiError } from "../shared/api-error";

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
