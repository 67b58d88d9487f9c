/**
 * Verification of an archive part before its rows may be deleted: the R2 object is read back,
 * gunzipped and hashed (records = lines, sha256 of the JSONL), and compared with the part's
 * metadata and — while the rows are still all there — with the same JSONL regenerated from D1.
 * Everything streams, so verifying a large part needs no more memory than writing it.
 */

import type { ArchivePart } from "../db/archive-parts";
import { dayRowPages } from "../db/event-rows";
import { errorMessage } from "../shared/errors";
import { toHex } from "../shared/hex";
import { dayStartOf } from "../shared/time";
import { toLine } from "./archive-line";

interface Digest {
  records: number;
  bytes: number;
  sha256: string;
}

const NEWLINE = 0x0a;

/** Records, bytes and sha256 of the decompressed object, or why it cannot be read. */
async function digestObject(bucket: R2Bucket, key: string): Promise<Digest | string> {
  const object = await bucket.get(key);
  if (!object) return `object ${key} is missing`;
  const digest = new crypto.DigestStream("SHA-256");
  const writer = digest.getWriter();
  const result = { records: 0, bytes: 0 };
  try {
    const reader = object.body.pipeThrough(new DecompressionStream("gzip")).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      result.bytes += value.length;
      for (const byte of value) if (byte === NEWLINE) result.records++;
      await writer.write(value);
    }
    await writer.close();
  } catch (error) {
    await writer.abort().catch(() => {});
    return `object ${key} is not valid gzip: ${errorMessage(error)}`;
  }
  return { ...result, sha256: toHex(await digest.digest) };
}

/** The digest of the part's rows as they are in D1 now. */
async function digestRows(db: D1Database, part: ArchivePart): Promise<Digest> {
  const digest = new crypto.DigestStream("SHA-256");
  const writer = digest.getWriter();
  const encoder = new TextEncoder();
  const result = { records: 0, bytes: 0 };
  const day = dayStartOf(Date.parse(`${part.day}T00:00:00Z`));
  for await (const page of dayRowPages(db, day, part.afterSeq, part.maxSeq ?? part.afterSeq)) {
    const bytes = encoder.encode(page.map(toLine).join(""));
    result.records += page.length;
    result.bytes += bytes.length;
    await writer.write(bytes);
  }
  await writer.close();
  return { ...result, sha256: toHex(await digest.digest) };
}

const mismatch = (what: string, expected: Digest, actual: Digest): string | null => {
  if (actual.records !== expected.records)
    return `${what} has ${actual.records} records, metadata says ${expected.records}`;
  if (actual.bytes !== expected.bytes)
    return `${what} has ${actual.bytes} bytes of JSONL, metadata says ${expected.bytes}`;
  if (actual.sha256 !== expected.sha256)
    return `${what} has sha256 ${actual.sha256}, metadata says ${expected.sha256}`;
  return null;
};

/**
 * Null when the part checks out, else the reason. `withRows`: also compare with the rows in D1
 * (only meaningful while none of them has been deleted).
 */
export async function verifyPart(
  db: D1Database,
  bucket: R2Bucket,
  part: ArchivePart,
  withRows: boolean,
): Promise<string | null> {
  if (part.records === null || part.sha256 === null || part.uncompressedBytes === null)
    return `part ${part.part} has no recorded checksum`;
  const expected = { records: part.records, bytes: part.uncompressedBytes, sha256: part.sha256 };
  const object = await digestObject(bucket, part.key);
  if (typeof object === "string") return object;
  const objectMismatch = mismatch(`object ${part.key}`, expected, object);
  if (objectMismatch || !withRows) return objectMismatch;
  return mismatch(`D1 rows of part ${part.part}`, expected, await digestRows(db, part));
}
