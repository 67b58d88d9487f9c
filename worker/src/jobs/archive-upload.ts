/**
 * Streaming a JSONL part into R2: lines → SHA-256 (of the uncompressed bytes) and gzip
 * (CompressionStream) → fixed 5 MiB multipart parts. Memory stays at one part buffer plus one
 * page of rows whatever the size of the day, so 1,000,000 events fit in a Worker's 128 MB.
 */
import { toHex } from "../shared/hex";

/** R2 needs every part but the last to be at least 5 MiB and all of the same size. */
export const UPLOAD_PART_BYTES = 5 * 1024 * 1024;

export interface StreamedObject {
  records: number;
  uncompressedBytes: number;
  compressedBytes: number;
  sha256: string;
  minSeq: number | null;
  maxSeq: number | null;
}

/** Reads `compressed` and uploads it in UPLOAD_PART_BYTES parts; returns the parts and the byte count. */
async function uploadParts(compressed: ReadableStream<Uint8Array>, upload: R2MultipartUpload) {
  const parts: R2UploadedPart[] = [];
  const buffer = new Uint8Array(UPLOAD_PART_BYTES);
  let filled = 0;
  let bytes = 0;
  const reader = compressed.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      for (let offset = 0; offset < value.length; ) {
        const n = Math.min(UPLOAD_PART_BYTES - filled, value.length - offset);
        buffer.set(value.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === UPLOAD_PART_BYTES) {
          parts.push(await upload.uploadPart(parts.length + 1, buffer));
          filled = 0;
        }
      }
    }
  } catch (error) {
    // Errors the gzip stream too, so the writer side stops instead of waiting on a reader that left.
    await reader.cancel(error).catch(() => {});
    throw error;
  }
  if (filled > 0 || parts.length === 0)
    parts.push(await upload.uploadPart(parts.length + 1, buffer.slice(0, filled)));
  return { parts, bytes };
}

/**
 * Streams the events of `pages` as gzip JSONL into `upload` and completes it. On any failure the
 * upload is aborted and the error rethrown: nothing becomes visible under the key.
 */
export async function streamToUpload(
  pages: AsyncIterable<{ seq: number }[]>,
  toLine: (row: { seq: number }) => string,
  upload: R2MultipartUpload,
): Promise<StreamedObject> {
  const gzip = new CompressionStream("gzip");
  const digest = new crypto.DigestStream("SHA-256");
  const uploading = uploadParts(gzip.readable, upload);
  // Handled below in both paths; this only keeps an early rejection from being reported as unhandled.
  uploading.catch(() => {});
  const gzipWriter = gzip.writable.getWriter();
  const digestWriter = digest.getWriter();
  const encoder = new TextEncoder();
  const result = {
    records: 0,
    uncompressedBytes: 0,
    minSeq: null as number | null,
    maxSeq: null as number | null,
  };
  try {
    for await (const page of pages) {
      const bytes = encoder.encode(page.map(toLine).join(""));
      result.records += page.length;
      result.uncompressedBytes += bytes.length;
      result.minSeq ??= page[0]?.seq ?? null;
      result.maxSeq = page[page.length - 1]?.seq ?? result.maxSeq;
      await digestWriter.write(bytes);
      await gzipWriter.write(bytes);
    }
    await digestWriter.close();
    await gzipWriter.close();
    const { parts, bytes } = await uploading;
    await upload.complete(parts);
    return { ...result, compressedBytes: bytes, sha256: toHex(await digest.digest) };
  } catch (error) {
    await gzipWriter.abort(error).catch(() => {});
    await uploading.catch(() => {});
    await upload.abort().catch(() => {});
    throw error;
  }
}
