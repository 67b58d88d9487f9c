/**
 * archive_metadata rows: one per archive part (one R2 object). See migrations/0002_lifecycle.sql
 * for the status lifecycle.
 */

export type PartStatus = "writing" | "uploaded" | "verified" | "invalid" | "damaged" | "cleaned";

export interface ArchivePart {
  day: string;
  part: number;
  key: string;
  status: PartStatus;
  afterSeq: number;
  maxSeq: number | null;
  minSeq: number | null;
  records: number | null;
  uncompressedBytes: number | null;
  compressedBytes: number | null;
  sha256: string | null;
  uploadId: string | null;
  reason: string | null;
  createdAt: number;
  uploadedAt: number | null;
  verifiedAt: number | null;
  cleanedAt: number | null;
}

export const PART_COLUMNS = `day, part, key, status, after_seq AS afterSeq, max_seq AS maxSeq, min_seq AS minSeq,
  records, uncompressed_bytes AS uncompressedBytes, compressed_bytes AS compressedBytes, sha256,
  upload_id AS uploadId, reason, created_at AS createdAt, uploaded_at AS uploadedAt,
  verified_at AS verifiedAt, cleaned_at AS cleanedAt`;

/** `archive/YYYY/MM/DD/part-NNNN.jsonl.gz` */
export const partKey = (day: string, part: number): string =>
  `archive/${day.replaceAll("-", "/")}/part-${String(part).padStart(4, "0")}.jsonl.gz`;

/** The parts of one day (`YYYY-MM-DD`), in order. */
export async function readParts(db: D1Database, day: string): Promise<ArchivePart[]> {
  const { results } = await db
    .prepare(`SELECT ${PART_COLUMNS} FROM archive_metadata WHERE day = ?1 ORDER BY part`)
    .bind(day)
    .all<ArchivePart>();
  return results;
}

/** Sets a part's status (and why, for invalid/damaged parts). */
export function setPartStatus(
  db: D1Database,
  part: ArchivePart,
  status: PartStatus,
  reason: string | null,
  now: number,
) {
  const column = status === "verified" ? "verified_at" : status === "cleaned" ? "cleaned_at" : null;
  return db
    .prepare(
      `UPDATE archive_metadata SET status = ?3, reason = ?4 ${column ? `, ${column} = ?5` : ""}
       WHERE day = ?1 AND part = ?2`,
    )
    .bind(part.day, part.part, status, reason, ...(column ? [now] : []));
}
