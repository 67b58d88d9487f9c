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
  hotDays: number;
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

export function parseConfig(env: Env): Config {
  return {
    reservedPrefix: parsePrefix(env.RESERVED_PREFIX),
    upstreamUrl: parseUpstream(env.UPSTREAM_URL),
    routes: parseRoutes(env.ROUTES),
    maxPathsPerDay: positiveInt("MAX_PATHS_PER_DAY", env.MAX_PATHS_PER_DAY),
    hotDays: positiveInt("HOT_DAYS", env.HOT_DAYS),
    maxEventAgeDays: positiveInt("MAX_EVENT_AGE_DAYS", env.MAX_EVENT_AGE_DAYS),
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
