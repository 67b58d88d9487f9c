/**
 * The selected time range: a preset relative to now (1 h, 24 h, 7 d, 30 d; default 24 h) or a
 * custom [from, to). Presets end at the next whole UTC hour, as the API's default does, so the
 * page and the API agree on the range without rounding surprises.
 */

export const HOUR_MS = 3_600_000;

export const PRESETS = [
  { id: "1h", label: "1 h", spanMs: HOUR_MS },
  { id: "24h", label: "24 h", spanMs: 24 * HOUR_MS },
  { id: "7d", label: "7 d", spanMs: 7 * 24 * HOUR_MS },
  { id: "30d", label: "30 d", spanMs: 30 * 24 * HOUR_MS },
] as const;

export type PresetId = (typeof PRESETS)[number]["id"];
export const DEFAULT_PRESET: PresetId = "24h";

export type RangeChoice = { kind: "preset"; id: PresetId } | { kind: "custom"; from: number; to: number };

export interface Range {
  from: number;
  to: number;
  /** A preset range moves with the clock and takes live updates; a custom one is fixed. */
  live: boolean;
  label: string;
}

/** The concrete range of a choice at time `now`. */
export function resolveRange(choice: RangeChoice, now: number = Date.now()): Range {
  if (choice.kind === "custom")
    return { from: choice.from, to: choice.to, live: choice.to > now, label: "custom range" };
  const preset = PRESETS.find((p) => p.id === choice.id) ?? PRESETS[1];
  const to = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;
  return { from: to - preset.spanMs, to, live: true, label: `last ${preset.label}` };
}

/** The period of the same length just before `range`, for "compared with the previous period". */
export const previousPeriod = (range: Range): { from: number; to: number } => ({
  from: range.from - (range.to - range.from),
  to: range.from,
});

/** Hourly points up to 31 days, daily beyond (the API's hourly series stops at 92 days). */
export const granularityOf = (range: Range): "hour" | "day" =>
  range.to - range.from > 31 * 24 * HOUR_MS ? "day" : "hour";

/** Reads a `<input type="datetime-local">` value as UTC, or NaN. */
export const parseLocalUtc = (value: string): number => (value ? Date.parse(`${value}:00Z`) : Number.NaN);

/** The value for a `<input type="datetime-local">` showing `ms` in UTC. */
export const toLocalUtc = (ms: number): string => new Date(ms).toISOString().slice(0, 16);
