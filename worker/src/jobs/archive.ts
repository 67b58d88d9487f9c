/**
 * The archive job (daily 02:00): every UTC day older than HOT_DAYS that still has detail rows
 * not in a part → R2 `archive/YYYY/MM/DD/part-NNNN.jsonl.gz` (gzip JSONL, one event per line,
 * seq order), each part with its archive_metadata row.
 *
 * Parts partition a day's rows by seq: part k holds after_seq < seq ≤ max_seq, and the next part
 * starts after it. seq is never reused and grows with every write (db/detail-slots.ts), so rows
 * that arrive later for an archived day always have larger seqs and simply become the next part.
 * Resumable without duplicates: a part is recorded "writing" before its upload and "uploaded"
 * only after R2 completed it; a run that finds a "writing" part (a crash) aborts that upload and
 * writes the part again under the same key, and "invalid" parts (failed verification, rows
 * intact) are rewritten the same way.
 */

import {
  type ArchivePart,
  readParts,
  recordPartUploaded,
  recordPartUploadId,
  recordPartWriting,
} from "../db/archive-parts";
import { type ArchivedEvent, dayRowBounds, dayRowPages, daysWithRowsBefore } from "../db/event-rows";
import type { Env } from "../env";
import { DAY_MS, dayStartOf, isoDay } from "../shared/time";
import { toLine } from "./archive-line";
import { streamToUpload } from "./archive-upload";
import type { JobFn } from "./job";

export interface ArchiveOptions {
  /** Events per part (one R2 object); bounds the work lost to a crash. @default 250_000 */
  maxRecordsPerPart?: number;
}

/** `archive/YYYY/MM/DD/part-NNNN.jsonl.gz` */
export const partKey = (day: string, part: number): string =>
  `archive/${day.replaceAll("-", "/")}/part-${String(part).padStart(4, "0")}.jsonl.gz`;

interface PartPlan {
  day: number;
  part: number;
  /** The part holds the day's rows with afterSeq < seq ≤ its last row's seq. */
  afterSeq: number;
  /** Where reading starts (≥ afterSeq): no row of the day lies between the two. */
  readFrom: number;
  upToSeq: number;
  limit: number;
  /** Set when a part is rewritten: its seq range is fixed, and stays recorded while it is. */
  rewrite: boolean;
}

/** Writes one part: "writing" row, streamed multipart upload, then the "uploaded" row. */
async function writePart(env: Env, plan: PartPlan) {
  const day = isoDay(plan.day);
  const key = partKey(day, plan.part);
  const part = { day, part: plan.part };
  const maxSeq = plan.rewrite ? plan.upToSeq : null;
  await recordPartWriting(env.DB, { ...part, key, afterSeq: plan.afterSeq, maxSeq }, Date.now());
  const upload = await env.ARCHIVE.createMultipartUpload(key, {
    httpMetadata: { contentType: "application/gzip" },
    customMetadata: { day, part: String(plan.part), afterSeq: String(plan.afterSeq) },
  });
  await recordPartUploadId(env.DB, part, upload.uploadId);
  const pages = dayRowPages(env.DB, plan.day, plan.readFrom, plan.upToSeq, plan.limit);
  const object = await streamToUpload(pages, (row) => toLine(row as ArchivedEvent), upload);
  await recordPartUploaded(env.DB, part, object, Date.now());
  return {
    part: plan.part,
    key,
    records: object.records,
    compressedBytes: object.compressedBytes,
    maxSeq: object.maxSeq,
  };
}

/** Abandons the upload of a crashed run (R2 also expires unfinished uploads after 7 days). */
async function abortStale(env: Env, part: ArchivePart): Promise<void> {
  if (!part.uploadId) return;
  await env.ARCHIVE.resumeMultipartUpload(part.key, part.uploadId)
    .abort()
    .catch(() => {});
}

/** Archives what is not yet archived of one day; see the module comment. */
export async function archiveDay(env: Env, day: number, maxRecordsPerPart: number) {
  const parts = await readParts(env.DB, isoDay(day));
  const written = [];
  // Parts with a fixed range to (re)write: failed verification, or a rewrite that crashed.
  for (const part of parts) {
    if ((part.status !== "invalid" && part.status !== "writing") || part.maxSeq === null) continue;
    if (part.status === "writing") await abortStale(env, part);
    const range = { afterSeq: part.afterSeq, readFrom: part.afterSeq, upToSeq: part.maxSeq };
    const plan = { day, part: part.part, ...range, limit: Number.POSITIVE_INFINITY, rewrite: true };
    written.push({ ...(await writePart(env, plan)), rewritten: true });
  }
  // A new part whose upload crashed (its range was not known yet): it is always the last one.
  const crashed = parts.find((p) => p.status === "writing" && p.maxSeq === null);
  if (crashed) await abortStale(env, crashed);
  let covered = Math.max(0, ...parts.map((p) => p.maxSeq ?? 0));
  let next = crashed?.part ?? parts.length;
  for (;;) {
    const bounds = await dayRowBounds(env.DB, day, covered);
    if (bounds.minSeq === null || bounds.maxSeq === null) break;
    const readFrom = Math.max(covered, bounds.minSeq - 1);
    const range = { afterSeq: covered, readFrom, upToSeq: bounds.maxSeq };
    const plan = { day, part: next, ...range, limit: maxRecordsPerPart, rewrite: false };
    const part = await writePart(env, plan);
    written.push({ ...part, rewritten: false });
    if (part.maxSeq === null) break;
    covered = part.maxSeq;
    next++;
  }
  return { day: isoDay(day), parts: written };
}

/** The archive job with its options (tests use small parts). */
export const archiveJob = (options: ArchiveOptions = {}): JobFn =>
  async function archive({ env, config, now }) {
    const cutoff = dayStartOf(now) - config.hotDays * DAY_MS;
    const days = [];
    for (const day of await daysWithRowsBefore(env.DB, cutoff)) {
      const result = await archiveDay(env, day, options.maxRecordsPerPart ?? 250_000);
      if (result.parts.length > 0) days.push(result);
    }
    return { outcome: "ok", details: { before: isoDay(cutoff), days } };
  };
