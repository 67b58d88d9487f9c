/**
 * Config parsed from the Worker's vars into typed values; nothing else reads `env.X` strings.
 *
 * Each setting is parsed where it is used, on first use, and never before: the proxy's own
 * settings (reserved prefix, upstream) on every request, the analytics settings only by the
 * recording, the consumer, ingest and the jobs. So a setting that cannot be parsed (say
 * `MAX_PATHS_PER_DAY="lots"`) fails only what needs it — never the client's proxied response —
 * and `configProblems` lists every such setting for the health endpoint.
 */
import type { Env } from "./env";
import { EVENT_SLOTS, MAX_WINDOW_DAYS } from "./shared/day-slots";
import { isReservedPrefix } from "./shared/reserved-prefix";

/** The settings the proxy needs on every request. */
export interface ProxySettings {
  reservedPrefix: string;
  upstreamUrl: URL | null;
}

export interface Config extends ProxySettings {
  routes: readonly string[];
  maxPathsPerDay: number;
  /** Days before a day's detail rows are archived to R2. Always ≤ maxEventAgeDays. */
  hotDays: number;
  /**
   * The acceptance window, and so the dedupe horizon: an event older than this is rejected
   * (`too_old`), and a day's detail rows — whose unique id index recognises duplicates — are
   * deleted only once the whole day has left it (shared/acceptance-window.ts). So
   * HOT_DAYS ≤ MAX_EVENT_AGE_DAYS ≤ dedupe horizon, and every accepted event is counted once.
   * At most MAX_WINDOW_DAYS (10): detail rows sit in a ring of EVENT_SLOTS (14) day tables that
   * cleanup must empty before the ring comes round (shared/day-slots.ts).
   */
  maxEventAgeDays: number;
  snapshotTopN: number;
  hourlySketchDays: number;
  deadLetterQueue: string;
}

/** A setting that cannot be parsed. The message names it and never quotes a URL (it may hold credentials). */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(
    /** The var's name, e.g. MAX_PATHS_PER_DAY. */
    readonly setting: string,
    detail: string,
  ) {
    super(`${setting} ${detail}`);
  }
}

/** A raw value in a message: quoted, and short (a var may be long). */
const quoted = (raw: string): string => JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);

const positiveInt = (name: string, raw: string): number => {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isSafeInteger(n) || n <= 0)
    throw new ConfigError(name, `must be a positive integer, got ${quoted(raw)}`);
  return n;
};

const parseRoutes = (raw: string): string[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw || "[]");
  } catch {
    throw new ConfigError("ROUTES", "must be a JSON array of route templates");
  }
  if (!Array.isArray(parsed) || !parsed.every((r) => typeof r === "string" && r.startsWith("/")))
    throw new ConfigError(
      "ROUTES",
      'must be a JSON array of templates starting with "/", e.g. ["/users/:id"]',
    );
  return parsed;
};

const parseUpstream = (raw: string): URL | null => {
  if (!raw) return null;
  if (!URL.canParse(raw)) throw new ConfigError("UPSTREAM_URL", "must be an absolute URL");
  const url = new URL(raw);
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new ConfigError("UPSTREAM_URL", "must be an http(s) URL");
  return url;
};

const parsePrefix = (raw: string): string => {
  const prefix = raw.replace(/\/+$/, "");
  if (!isReservedPrefix(prefix))
    throw new ConfigError("RESERVED_PREFIX", `must look like /_pathmeter, got ${quoted(raw)}`);
  return prefix;
};

/** HOT_DAYS ≤ MAX_EVENT_AGE_DAYS: a day is archived while its rows still dedupe late arrivals. */
function hotDaysWithinWindow(env: Env): number {
  const hotDays = positiveInt("HOT_DAYS", env.HOT_DAYS);
  // An unparseable MAX_EVENT_AGE_DAYS is its own problem, reported (and failing) where it is read.
  const maxEventAgeDays = Number(env.MAX_EVENT_AGE_DAYS);
  if (Number.isSafeInteger(maxEventAgeDays) && hotDays > maxEventAgeDays)
    throw new ConfigError(
      "HOT_DAYS",
      `(${hotDays}) must not exceed MAX_EVENT_AGE_DAYS (${maxEventAgeDays}): detail rows are the ` +
        "dedupe record of the acceptance window and stay in D1 until their day leaves it; archive them within it",
    );
  return hotDays;
}

/** MAX_EVENT_AGE_DAYS ≤ MAX_WINDOW_DAYS: the window's days fit the ring of detail tables with days to spare. */
function windowWithinRing(env: Env): number {
  const days = positiveInt("MAX_EVENT_AGE_DAYS", env.MAX_EVENT_AGE_DAYS);
  if (days > MAX_WINDOW_DAYS)
    throw new ConfigError(
      "MAX_EVENT_AGE_DAYS",
      `(${days}) must not exceed ${MAX_WINDOW_DAYS}: detail rows are kept until their day leaves the window, ` +
        `in a ring of ${EVENT_SLOTS} day tables that cleanup empties before the ring comes round (docs/lifecycle.md)`,
    );
  return days;
}

/** How each setting is read from the env; each parser throws a ConfigError naming its var. */
const SETTINGS = {
  reservedPrefix: (env: Env) => parsePrefix(env.RESERVED_PREFIX),
  upstreamUrl: (env: Env) => parseUpstream(env.UPSTREAM_URL),
  routes: (env: Env) => parseRoutes(env.ROUTES),
  maxPathsPerDay: (env: Env) => positiveInt("MAX_PATHS_PER_DAY", env.MAX_PATHS_PER_DAY),
  hotDays: hotDaysWithinWindow,
  maxEventAgeDays: windowWithinRing,
  snapshotTopN: (env: Env) => positiveInt("SNAPSHOT_TOP_N", env.SNAPSHOT_TOP_N),
  hourlySketchDays: (env: Env) => positiveInt("HOURLY_SKETCH_DAYS", env.HOURLY_SKETCH_DAYS),
  deadLetterQueue: (env: Env) => env.DEAD_LETTER_QUEUE,
} satisfies { [K in keyof Config]: (env: Env) => Config[K] };

/** A value computed on first call and kept; a parse that throws is retried (and throws) next time. */
function once<T>(compute: () => T): () => T {
  let cell: { value: T } | undefined;
  return () => {
    cell ??= { value: compute() };
    return cell.value;
  };
}

/** Every setting is a getter that parses its own var on first read. */
function lazyConfig(env: Env): Config {
  const read = {
    reservedPrefix: once(() => SETTINGS.reservedPrefix(env)),
    upstreamUrl: once(() => SETTINGS.upstreamUrl(env)),
    routes: once(() => SETTINGS.routes(env)),
    maxPathsPerDay: once(() => SETTINGS.maxPathsPerDay(env)),
    hotDays: once(() => SETTINGS.hotDays(env)),
    maxEventAgeDays: once(() => SETTINGS.maxEventAgeDays(env)),
    snapshotTopN: once(() => SETTINGS.snapshotTopN(env)),
    hourlySketchDays: once(() => SETTINGS.hourlySketchDays(env)),
    deadLetterQueue: once(() => SETTINGS.deadLetterQueue(env)),
  };
  return {
    get reservedPrefix() {
      return read.reservedPrefix();
    },
    get upstreamUrl() {
      return read.upstreamUrl();
    },
    get routes() {
      return read.routes();
    },
    get maxPathsPerDay() {
      return read.maxPathsPerDay();
    },
    get hotDays() {
      return read.hotDays();
    },
    get maxEventAgeDays() {
      return read.maxEventAgeDays();
    },
    get snapshotTopN() {
      return read.snapshotTopN();
    },
    get hourlySketchDays() {
      return read.hourlySketchDays();
    },
    get deadLetterQueue() {
      return read.deadLetterQueue();
    },
  };
}

/** Every setting parsed now, all or nothing (the first ConfigError): for tests and tools. */
export function parseConfig(env: Env): Config {
  const config = lazyConfig(env);
  return {
    reservedPrefix: config.reservedPrefix,
    upstreamUrl: config.upstreamUrl,
    routes: config.routes,
    maxPathsPerDay: config.maxPathsPerDay,
    hotDays: config.hotDays,
    maxEventAgeDays: config.maxEventAgeDays,
    snapshotTopN: config.snapshotTopN,
    hourlySketchDays: config.hourlySketchDays,
    deadLetterQueue: config.deadLetterQueue,
  };
}

const cache = new WeakMap<object, Config>();

/** This env's config, one object per isolate and env; each setting is parsed on first read (see the module comment). */
export function configOf(env: Env): Config {
  let config = cache.get(env);
  if (!config) {
    config = lazyConfig(env);
    cache.set(env, config);
  }
  return config;
}

/** One line per setting that cannot be parsed, naming it (for health's `problems`); [] when all parse. */
export function configProblems(env: Env): string[] {
  const problems: string[] = [];
  for (const parse of Object.values(SETTINGS)) {
    try {
      parse(env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
    }
  }
  return problems;
}
