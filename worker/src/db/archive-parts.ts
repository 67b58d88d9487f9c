/**
 * archive_metadata rows: one per archive part (one R2 object). See migrations/0002_lifecycle.sql
 * for the status lifecycle. Every read and write of the table is here: the archive job records
 * parts, cleanup sets their status, the archive API lists them.
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

const PART_COLUMNS = `day, part, key, status, after_seq AS afterSeq, max_seq AS maxSeq, min_seq AS minSeq,
  records, uncompressed_bytes AS uncompressedBytes, compressed_bytes AS compressedBytes, sha256,
  upload_id AS uploadId, reason, created_at AS createdAt, uploaded_at AS uploadedAt,
  verified_at AS verifiedAt, cleaned_at AS cleanedAt`;

/** The parts of one day (`YYYY-MM-DD`), in order. */
export async function readParts(db: D1Database, day: string): Promise<ArchivePart[]> {
  const { results } = await db
    .prepare(`SELECT ${PART_COLUMNS} FROM archive_metadata WHERE day = ?1 ORDER BY part`)
    .bind(day)
    .all<ArchivePart>();
  return results;
}

/** Statement setting a part's status (and why, for invalid/damaged parts). */
function partStatusStatement(
  db: D1Database,
  part: Pick<ArchivePart, "day" | "part">,
  status: PartStatus,
  reason: string | null,
  now: number,
): D1PreparedStatement {
  const column = status === "verified" ? "verified_at" : status === "cleaned" ? "cleaned_at" : null;
  return db
    .prepare(
      `UPDATE archive_metadata SET status = ?3, reason = ?4 ${column ? `, ${column} = ?5` : ""}
       WHERE day = ?1 AND part = ?2`,
    )
    .bind(part.day, part.part, status, reason, ...(column ? [now] : []));
}

/** Sets a part's status (and why, for invalid/damaged parts). */
export async function setPartStatus(
  db: D1Database,
  part: Pick<ArchivePart, "day" | "part">,
  status: PartStatus,
  reason: string | null,
  now: number,
): Promise<void> {
  await partStatusStatement(db, part, status, reason, now).run();
}

/** Statement marking every verified part of `day` cleaned (its rows are gone from D1). */
export const partsCleanedStatement = (db: D1Database, day: string, now: number): D1PreparedStatement =>
  db
    .prepare(
      "UPDATE archive_metadata SET status = 'cleaned', cleaned_at = ?2 WHERE day = ?1 AND status = 'verified'",
    )
    .bind(day, now);

/** Parts of the days in [fromDay, toDay) (`YYYY-MM-DD`), by day and part. */
export async function listPartsOfDays(
  db: D1Database,
  fromDay: string,
  toDay: string,
): Promise<ArchivePart[]> {
  const { results } = await db
    .prepare(`SELECT ${PART_COLUMNS} FROM archive_metadata WHERE day >= ?1 AND day < ?2 ORDER BY day, part`)
    .bind(fromDay, toDay)
    .all<ArchivePart>();
  return results;
}

/** The parts of `day` whose status is one of `statuses`, in part order. */
export async function readPartsWithStatus(
  db: D1Database,
  day: string,
  statuses: readonly PartStatus[],
): Promise<ArchivePart[]> {
  const { results } = await db
    .prepare(
      `SELECT ${PART_COLUMNS} FROM archive_metadata
       WHERE day = ?1 AND status IN (SELECT value FROM json_each(?2)) ORDER BY part`,
    )
    .bind(day, JSON.stringify(statuses))
    .all<ArchivePart>();
  return results;
}

/** What a part's "writing" row records before its upload starts. */
export interface PartStart {
  day: string;
  part: number;
  key: string;
  afterSeq: number;
  /** Set for a rewrite (the part's seq range is fixed); null for a new part. */
  maxSeq: number | null;
}

/** Records (or resets) a part as "writing", before anything is uploaded under its key. */
export async function recordPartWriting(db: D1Database, start: PartStart, now: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO archive_metadata (day, part, key, status, after_seq, max_seq, created_at)
       VALUES (?1, ?2, ?3, 'writing', ?4, ?5, ?6)
       ON CONFLICT (day, part) DO UPDATE SET status = 'writing', after_seq = excluded.after_seq,
         max_seq = excluded.max_seq, min_seq = NULL, records = NULL, sha256 = NULL, upload_id = NULL,
         reason = NULL, uploaded_at = NULL, verified_at = NULL`,
    )
    .bind(start.day, start.part, start.key, start.afterSeq, start.maxSeq, now)
    .run();
}

/** Records the multipart upload of a "writing" part, so a later run can abort it after a crash. */
export async function recordPartUploadId(
  db: D1Database,
  part: Pick<ArchivePart, "day" | "part">,
  uploadId: string,
): Promise<void> {
  await db
    .prepare("UPDATE archive_metadata SET upload_id = ?3 WHERE day = ?1 AND part = ?2")
    .bind(part.day, part.part, uploadId)
    .run();
}

/** What the completed upload of a part holds. */
export interface UploadedPart {
  records: number;
  minSeq: number | null;
  maxSeq: number | null;
  uncompressedBytes: number;
  compressedBytes: number;
  sha256: string;
}

/** Records a part as "uploaded" with what its object holds (after R2 completed the upload). */
export async function recordPartUploaded(
  db: D1Database,
  part: Pick<ArchivePart, "day" | "part">,
  object: UploadedPart,
  now: number,
): Promise<void> {
  await db
    .prepare(
      `UPDATE archive_metadata SET status = 'uploaded', max_seq = ?3, min_seq = ?4, records = ?5,
         uncompressed_bytes = ?6, compressed_bytes = ?7, sha256 = ?8, upload_id = NULL, uploaded_at = ?9
       WHERE day = ?1 AND part = ?2`,
    )
    .bind(
      part.day,
      part.part,
      object.maxSeq,
      object.minSeq,
      object.records,
      object.uncompressedBytes,
      object.compressedBytes,
      object.sha256,
      now,
    )
    .run();
}
