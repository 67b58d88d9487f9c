/**
 * The weekly snapshot cleanup (Sunday 05:00): keeps the KV paths of the last KEEP_VERSIONS
 * published versions and deletes older ones (unpublished leftovers of a crashed run included).
 * Deleting a missing KV key is harmless, so a re-run or a crash half-way is safe.
 */
import type { JobFn } from "./job";
import { SNAPSHOT_KEYS } from "./snapshot";

export const KEEP_VERSIONS = 5;

export const snapshotPrune: JobFn = async function snapshotPrune({ env }) {
  const oldestKept = await env.DB.prepare(
    `SELECT min(version) AS version FROM (
       SELECT version FROM snapshot_versions WHERE published_at IS NOT NULL ORDER BY version DESC LIMIT ?1)`,
  )
    .bind(KEEP_VERSIONS)
    .first<{ version: number | null }>();
  const keepFrom = oldestKept?.version ?? null;
  if (keepFrom === null) return { outcome: "ok", details: { pruned: [], kept: [] } };
  const { results } = await env.DB.prepare(
    "SELECT version FROM snapshot_versions WHERE version < ?1 AND pruned_at IS NULL ORDER BY version",
  )
    .bind(keepFrom)
    .all<{ version: number }>();
  for (const { version } of results) {
    await env.SNAPSHOTS.delete(SNAPSHOT_KEYS.paths(version));
    await env.DB.prepare("UPDATE snapshot_versions SET pruned_at = ?2 WHERE version = ?1")
      .bind(version, Date.now())
      .run();
  }
  const kept = await env.DB.prepare(
    "SELECT version FROM snapshot_versions WHERE version >= ?1 AND published_at IS NOT NULL ORDER BY version",
  )
    .bind(keepFrom)
    .all<{ version: number }>();
  return {
    outcome: "ok",
    details: { pruned: results.map((r) => r.version), kept: kept.results.map((r) => r.version) },
  };
};
