/**
 * Which jobs run at a given minute. The Free plan allows five cron triggers per account, so a stack
 * deploys only the manifest's `cronTriggers` (two) and every invocation picks its jobs from
 * `scheduledTime` alone: a job runs when its own schedule (`manifest.crons`, e.g. archive
 * "0 2 * * *") matches that minute. Pure: the scheduled handler, the local stack's crons (through
 * the same handler) and the run-now endpoint all call `jobsDueAt`.
 */
import { type CronJob, manifest } from "../manifest";

const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;

/** [min, max] of each of the five cron fields: minute, hour, day of month, month, day of week. */
const FIELD_RANGES: readonly (readonly [number, number])[] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

/** A number or a day name (SUN..SAT) of a cron field. */
function fieldValue(text: string): number {
  const day = DAY_NAMES.indexOf(text.toUpperCase() as (typeof DAY_NAMES)[number]);
  const value = day >= 0 ? day : Number(text);
  if (!Number.isInteger(value)) throw new Error(`unsupported cron value "${text}"`);
  return value;
}

/** True when `value` is selected by one cron field: `*`, `n`, `a-b`, any of them `/step`, lists with `,`. */
function fieldMatches(field: string, value: number, [min, max]: readonly [number, number]): boolean {
  return field.split(",").some((part) => {
    const [range = "", stepText] = part.split("/");
    const step = stepText === undefined ? 1 : fieldValue(stepText);
    const [from, to] =
      range === "*"
        ? [min, max]
        : range.includes("-")
          ? range.split("-").map(fieldValue)
          : [fieldValue(range), stepText === undefined ? fieldValue(range) : max];
    if (from === undefined || to === undefined || step < 1)
      throw new Error(`unsupported cron field "${field}"`);
    return value >= from && value <= to && (value - from) % step === 0;
  });
}

/** True when the 5-field cron expression `cron` (UTC) fires at the minute containing `time` (epoch ms). */
export function cronMatches(cron: string, time: number): boolean {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`a cron needs 5 fields, got "${cron}"`);
  const [minute = "", hour = "", dayOfMonth = "", month = "", dayOfWeek = ""] = fields;
  const at = new Date(time);
  const weekday = at.getUTCDay();
  const inField = (field: string, value: number, index: number) =>
    fieldMatches(field, value, FIELD_RANGES[index] ?? [0, 59]);
  const dayOfMonthOk = inField(dayOfMonth, at.getUTCDate(), 2);
  // 0 and 7 are both Sunday.
  const dayOfWeekOk = inField(dayOfWeek, weekday, 4) || (weekday === 0 && inField(dayOfWeek, 7, 4));
  // Standard cron: when both day fields are restricted, either one matching is enough.
  const dayOk =
    dayOfMonth !== "*" && dayOfWeek !== "*" ? dayOfMonthOk || dayOfWeekOk : dayOfMonthOk && dayOfWeekOk;
  return (
    inField(minute, at.getUTCMinutes(), 0) &&
    inField(hour, at.getUTCHours(), 1) &&
    inField(month, at.getUTCMonth() + 1, 3) &&
    dayOk
  );
}

/** Every job, in the order an invocation runs them (manifest order). */
export const JOB_NAMES = Object.keys(manifest.crons) as CronJob[];

/** The jobs whose schedule (`manifest.crons`) matches the minute of `scheduledTime` (epoch ms). */
export function jobsDueAt(scheduledTime: number): CronJob[] {
  return JOB_NAMES.filter((job) => cronMatches(manifest.crons[job], scheduledTime));
}

/** True when `cron` is one of the schedules a stack deploys (`manifest.cronTriggers`). */
export const isCronTrigger = (cron: string): boolean =>
  (manifest.cronTriggers as readonly string[]).includes(cron);
