/**
 * snapshot_versions: D1 is the snapshot job's version counter (KV is eventually consistent and
 * allows one write per second per key, so it can be neither a counter nor a lock). A version is
 * allocated, then published once its KV keys are written, and pruned when its paths key is gone.
 */

/**
 * The latest published version, the job clock it was taken at and the digest of its content;
 * null before the first one.
 */
export async function readLatestPublished(
  db: D1Database,
): Promise<{ version: number; asOf: number; digest: string } | null> {
  return db
    .prepare(
      "SELECT version, as_of AS asOf, digest FROM snapshot_versions WHERE published_at IS NOT NULL ORDER BY version DESC LIMIT 1",
    )
    .first<{ version: number; asOf: number; digest: string }>();
}

export interface NewVersion {
  createdAt: number;
  /** The job's clock. */
  asOf: number;
  topN: number;
  paths: number;
  digest: string;
  /** No version may have been created after this (epoch ms), or none is allocated. */
  notSince: number;
}

/** Allocates the next version in one atomic INSERT … WHERE NOT EXISTS; null when one is too recent. */
export async function allocateVersion(db: D1Database, next: NewVersion): Promise<number | null> {
  const row = await db
    .prepare(
      `INSERT INTO snapshot_versions (created_at, as_of, top_n, paths, digest)
       SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM snapshot_versions WHERE created_at > ?6)
       RETURNING version`,
    )
    .bind(next.createdAt, next.asOf, next.topN, next.paths, next.digest, next.notSince)
    .first<{ version: number }>();
  return row?.version ?? null;
}

/** Marks a version published (its KV keys are written). */
export async function markPublished(db: D1Database, version: number, now: number): Promise<void> {
  await db
    .prepare("UPDATE snapshot_versions SET published_at = ?2 WHERE version = ?1")
    .bind(version, now)
    .run();
}

/** The oldest of the last `keep` published versions; null when none was published. */
export async function oldestKeptVersion(db: D1Database, keep: number): Promise<number | null> {
  const row = await db
    .prepare(
      `SELECT min(version) AS version FROM (
         SELECT version FROM snapshot_versions WHERE published_at IS NOT NULL ORDER BY version DESC LIMIT ?1)`,
    )
    .bind(keep)
    .first<{ version: number | null }>();
  return row?.version ?? null;
}

/** Versions before `version` not pruned yet (unpublished leftovers included), oldest first. */
export async function unprunedVersionsBefore(db: D1Database, version: number): Promise<number[]> {
  const { results } = await db
    .prepare(
      "SELECT version FROM snapshot_versions WHERE version < ?1 AND pruned_at IS NULL ORDER BY version",
    )
    .bind(version)
    .all<{ version: number }>();
  return results.map((r) => r.version);
}

/** Published versions from `version` on, oldest first. */
export async function publishedVersionsFrom(db: D1Database, version: number): Promise<number[]> {
  const { results } = await db
    .prepare(
      "SELECT version FROM snapshot_versions WHERE version >= ?1 AND published_at IS NOT NULL ORDER BY version",
    )
    .bind(version)
    .all<{ version: number }>();
  return results.map((r) => r.version);
}

/** Marks a version pruned (its paths key is deleted from KV). */
export async function markPruned(db: D1Database, version: number, now: number): Promise<void> {
  await db.prepare("UPDATE snapshot_versions SET pruned_at = ?2 WHERE version = ?1").bind(version, now).run();
}
