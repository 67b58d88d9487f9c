/**
 * The snapshot job (every 5 minutes): the top SNAPSHOT_TOP_N paths of the last 24 hours (the
 * current hour included) → KV `snapshot:v{n}:paths`, `snapshot:latest`, `snapshot:config`.
 *
 * The version counter is D1's (snapshot_versions, AUTOINCREMENT): KV is eventually consistent and
 * allows one write per second per key, so it can be neither a counter nor a lock. A version is
 * allocated only if none was created in the last second (one atomic INSERT … WHERE NOT EXISTS),
 * and only when the content differs from the latest published one, so a re-run at the same clock
 * publishes nothing. A crash after allocation leaves an unpublished version: a gap, never a
 * half-published `latest` (the paths key is written before the two keys that point to it). A run at
 * a clock earlier than the latest published snapshot's (unless that one is dated in the future)
 * publishes nothing.
 */

import { allocateVersion, markPublished, readLatestPublished } from "../db/snapshots";
import { sha256Hex } from "../shared/hex";
import { SNAPSHOT_KEYS, type Snapshot } from "../shared/snapshot";
import { HOUR_MS, hourOf, isoTime } from "../shared/time";
import type { JobFn } from "./job";
import { readTopPaths } from "./snapshot-paths";

/** KV allows one write per second to a key. */
const MIN_INTERVAL_MS = 1_000;

export const snapshot: JobFn = async function snapshot({ env, config, now }) {
  // A run at an earlier clock (a backdated ops run, a delayed invocation) never replaces a newer
  // snapshot as `latest`: dashboards would go back in time. A latest dated after the wall clock (an
  // ops run with a mistyped future ?now=) is replaced as before, or it would freeze the cron.
  // Checked first: a run that cannot publish reads no paths.
  const latest = await readLatestPublished(env.DB);
  if (latest && now < latest.asOf && latest.asOf <= Date.now()) {
    const reason = `snapshot ${latest.version}, as of ${isoTime(latest.asOf)}, is newer than this run's clock`;
    return { outcome: "ok", details: { published: null, skipped: reason } };
  }
  const range = { fromHour: hourOf(now) - 23 * HOUR_MS, toHour: hourOf(now) + HOUR_MS };
  const paths = await readTopPaths(env.DB, range, config.snapshotTopN);
  const content = { from: isoTime(range.fromHour), to: isoTime(range.toHour), n: config.snapshotTopN, paths };
  const digest = await sha256Hex(JSON.stringify(content));
  if (latest?.digest === digest)
    return { outcome: "ok", details: { published: null, unchanged: latest.version, paths: paths.length } };

  const createdAt = Date.now();
  const allocated = await allocateVersion(env.DB, {
    createdAt,
    asOf: now,
    topN: config.snapshotTopN,
    paths: paths.length,
    digest,
    notSince: createdAt - MIN_INTERVAL_MS,
  });
  if (allocated === null) {
    const reason =
      "a snapshot version was created less than 1 s ago (KV allows one write per second per key)";
    return { outcome: "ok", details: { published: null, skipped: reason } };
  }
  const version = allocated;
  const generatedAt = isoTime(createdAt);
  const body: Snapshot = { version, generatedAt, asOf: isoTime(now), ...content };
  await env.SNAPSHOTS.put(SNAPSHOT_KEYS.paths(version), JSON.stringify(paths));
  await env.SNAPSHOTS.put(SNAPSHOT_KEYS.latest, JSON.stringify(body));
  await env.SNAPSHOTS.put(
    SNAPSHOT_KEYS.config,
    JSON.stringify({ version, generatedAt, n: config.snapshotTopN }),
  );
  await markPublished(env.DB, version, Date.now());
  return {
    outcome: "ok",
    details: { published: version, paths: paths.length, from: content.from, to: content.to },
  };
};
