/**
 * The Worker's layering (docs/architecture.md), checked on the source: imports point downward
 * only — entry → HTTP routes and triggers → services → db/ → pure code — no trigger folder
 * imports another sideways, and every SQL statement (`prepare(` / `exec(` on a D1 binding) is in
 * worker/src/db/. The checker is also run on small made-up sources, so it is shown to fail.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SRC = path.resolve(__dirname, "../../worker/src");

/** Rank of each top-level folder or root file of worker/src; imports may not go to a higher rank. */
const RANKS: Record<string, number> = {
  shared: 0,
  sketches: 0,
  event: 0,
  manifest: 0,
  env: 0,
  config: 0,
  "app-env": 0,
  db: 1,
  delivery: 2,
  live: 2,
  api: 3,
  ingest: 3,
  gateway: 3,
  consumer: 3,
  jobs: 3,
  dashboard: 3,
  app: 4,
  index: 4,
};
/** Rank of the HTTP routes and triggers, whose folders must not import each other. */
const ROUTES_AND_TRIGGERS = 3;
/**
 * The one sideways use allowed: the ops API runs a job now, through the job registry and runner,
 * or runs what the cron would run at a time, through the scheduled handler's own dispatch.
 */
const ALLOWED_SIDEWAYS = new Set([
  "api/jobs.ts -> jobs/registry",
  "api/jobs.ts -> jobs/run-job",
  "api/jobs.ts -> jobs/scheduled",
]);

/** SQL reaches D1 only through these calls (a RegExp's `exec` is not one: its receiver differs). */
const SQL_CALL = /\b(?:db|DB|env\.DB)\s*\.\s*(?:prepare|exec)\s*\(|\.prepare\s*\(/;
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"/g;

/** The top-level folder (or root file without extension) a path under worker/src belongs to. */
const unitOf = (relative: string): string => (relative.split("/")[0] ?? "").replace(/\.tsx?$/, "");

/** Every layering violation in `files` (path relative to worker/src → source text). */
function layerViolations(files: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [file, source] of Object.entries(files)) {
    const from = unitOf(file);
    const fromRank = RANKS[from];
    if (fromRank === undefined) problems.push(`${file}: folder "${from}" has no layer in RANKS`);
    if (from !== "db" && SQL_CALL.test(source)) problems.push(`${file}: SQL outside worker/src/db/`);
    for (const match of source.matchAll(IMPORT)) {
      const specifier = match[1] ?? "";
      if (!specifier.startsWith(".")) continue;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      const to = unitOf(target);
      const toRank = RANKS[to];
      if (fromRank === undefined || toRank === undefined || to === from) continue;
      const edge = `${file} -> ${target}`;
      if (toRank > fromRank) problems.push(`${edge}: imports a higher layer`);
      else if (
        toRank === ROUTES_AND_TRIGGERS &&
        fromRank === ROUTES_AND_TRIGGERS &&
        !ALLOWED_SIDEWAYS.has(edge)
      )
        problems.push(`${edge}: imports sideways`);
    }
  }
  return problems;
}

function readSources(dir: string, prefix = ""): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const relative = prefix + entry.name;
    if (entry.isDirectory()) Object.assign(files, readSources(path.join(dir, entry.name), `${relative}/`));
    else if (/\.tsx?$/.test(entry.name)) files[relative] = readFileSync(path.join(dir, entry.name), "utf8");
  }
  return files;
}

describe("worker layering", () => {
  it("holds for worker/src", () => {
    const files = readSources(SRC);
    expect(Object.keys(files).length).toBeGreaterThan(40);
    expect(layerViolations(files)).toEqual([]);
  });

  it("catches an upward import, a sideways import and SQL outside db/", () => {
    expect(
      layerViolations({
        "db/read-stats.ts": 'import { DAY_MS } from "../jobs/clock";',
        "shared/x.ts": 'import type { ArchivePart } from "../db/archive-parts";',
        "ingest/route.ts": 'import { normaliserFor } from "../gateway/normalise";',
        "api/stats.ts": 'const row = await db.prepare("SELECT 1").first();',
        "jobs/x.ts": 'await env.DB.exec("DELETE FROM t");',
      }),
    ).toEqual([
      "db/read-stats.ts -> jobs/clock: imports a higher layer",
      "shared/x.ts -> db/archive-parts: imports a higher layer",
      "ingest/route.ts -> gateway/normalise: imports sideways",
      "api/stats.ts: SQL outside worker/src/db/",
      "jobs/x.ts: SQL outside worker/src/db/",
    ]);
  });

  it("allows downward imports, the job runner from the ops API, and RegExp exec", () => {
    expect(
      layerViolations({
        "api/jobs.ts": 'import { runJob } from "../jobs/run-job";\nimport { a } from "../db/job-runs";',
        "gateway/path-stats.ts": 'import { eventId } from "../event/id";\nconst m = PATTERN.exec(path);',
        "app.ts": 'import { ingestRoutes } from "./ingest/route";',
      }),
    ).toEqual([]);
  });
});
