/**
 * The weekly snapshot cleanup (Sunday 05:00): keeps the KV paths of the last KEEP_VERSIONS
 * published versions and deletes older ones (unpublished leftovers of a crashed run included).
 * Deleting a missing KV key is harmless, so a re-run or a crash half-way is safe.
 */

import {
  markPruned,
  oldestKeptVersion,
  publishedVersionsFrom,
  unprunedVersionsBefore,
} from "../db/snapshots";
import { SNAPSHOT_KEYS } from "../shared/snapshot";
import type { JobFn } from "./job";

export const KEEP_VERSIONS = 5;

export const snapshotPrune: JobFn = async function snapshotPrune({ env }) {
  const keepFrom = await oldestKeptVersion(env.DB, KEEP_VERSIONS);
  if (keepFrom === null) return { outcome: "ok", details: { pruned: [], kept: [] } };
  const pruned = await unprunedVersionsBefore(env.DB, keepFrom);
  for (const version of pruned) {
    await env.SNAPSHOTS.delete(SNAPSHOT_KEYS.paths(version));
    await markPruned(env.DB, version, Date.now());
  }
  const kept = await publishedVersionsFrom(env.DB, keepFrom);
  return {
    outcome: "ok",
    details: { pruned, kept },
  };
};
