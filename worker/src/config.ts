/**
 * Config parsed once from the Worker's vars into typed values; nothing else reads `env.X` strings.
 */
import type { Env } from "./env";
import { isReservedPrefix } from "./shared/reserved-prefix";

export interface Config {
  reservedPrefix: string;
  upstreamUrl: URL | null;
  routes: readonly string[];
  maxPathsPerDay: number;
  /** Days before a day's detail rows are archived to R2. Always ≤ maxEventAgeDays. */
  hotDays: number;
  /**
   * The acceptance window, and so the dedupe horizon: an event older than this is rejected
   * (`too_old`), and a day's detail rows — whose unique id index recognises duplicates — are
   * deleted only once the whole day has left it (shared/acceptance-window.ts). So
   * HOT_DAYS ≤ MAX_EVENT_AGE_DAYS ≤ dedupe horizon, and every accepted event is counted once.
   */
  maxEventAgeDays: number;
  snapshotTopN: number;
  hourlySketchDays: number;
  deadLetterQueue: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

const positiveInt = (name: string, raw: string): number => {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new ConfigError(`${name} must be a positive integer, got "${raw}"`);
  return n;
};

const parseRoutes = (raw: string): string[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw || "[]");
  } catch {
    throw new ConfigError("ROUTES must be a JSON array of route templates");
  }
  if (!Array.isArray(parsed) || !parsed.every((r) => typeof r === "string" && r.startsWith("/")))
    throw new ConfigError('ROUTES must be a JSON array of templates starting with "/", e.g. ["/users/:id"]');
  return parsed;
};

const parseUpstream = (raw: string): URL | null => {
  if (!raw) return null;
  try {
    return new URL(raw);
  } catch {
    throw new ConfigError(`UPSTREAM_URL must be an absolute URL, got "${raw}"`);
  }
};

const parsePrefix = (raw: string): string => {
  const prefix = raw.replace(/\/+$/, "");
  if (!isReservedPrefix(prefix))
    throw new ConfigError(`RESERVED_PREFIX must look like /_pathmeter, got "${raw}"`);
  return prefix;
};

/** HOT_DAYS ≤ MAX_EVENT_AGE_DAYS: a day is archived while its rows still dedupe late arrivals. */
function checkWindows(hotDays: number, maxEventAgeDays: number): void {
  if (hotDays > maxEventAgeDays)
    throw new ConfigError(
      `HOT_DAYS (${hotDays}) must not exceed MAX_EVENT_AGE_DAYS (${maxEventAgeDays}): detail rows are the ` +
        "dedupe record of the acceptance window and stay in D1 until their day leaves it; archive them within it",
    );
}

export function parseConfig(env: Env): Config {
  const hotDays = positiveInt("HOT_DAYS", env.HOT_DAYS);
  const maxEventAgeDays = positiveInt("MAX_EVENT_AGE_DAYS", env.MAX_EVENT_AGE_DAYS);
  checkWindows(hotDays, maxEventAgeDays);
  return {
    reservedPrefix: parsePrefix(env.RESERVED_PREFIX),
    upstreamUrl: parseUpstream(env.UPSTREAM_URL),
    routes: parseRoutes(env.ROUTES),
    maxPathsPerDay: positiveInt("MAX_PATHS_PER_DAY", env.MAX_PATHS_PER_DAY),
    hotDays,
    maxEventAgeDays,
    snapshotTopN: positiveInt("SNAPSHOT_TOP_N", env.SNAPSHOT_TOP_N),
    hourlySketchDays: positiveInt("HOURLY_SKETCH_DAYS", env.HOURLY_SKETCH_DAYS),
    deadLetterQueue: env.DEAD_LETTER_QUEUE,
  };
}

const cache = new WeakMap<object, Config>();

/** The parsed config of this env object, computed once per isolate and env. */
export function configOf(env: Env): Config {
  let config = cache.get(env);
  if (!config) {
    config = parseConfig(env);
    cache.set(env, config);
  }
  return config;
}
