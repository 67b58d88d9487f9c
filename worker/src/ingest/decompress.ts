/**
 * The Content-Encoding of an ingest body: gzip and deflate bodies are inflated with the runtime's
 * DecompressionStream, and the body limit applies to the inflated bytes. workerd inflates each
 * chunk written to a DecompressionStream whole, without backpressure (1 KiB of gzipped zeros is
 * 1 MB out), so the compressed bytes go in in small slices and the next slice only after the
 * previous one's output was read and counted: a gzip bomb is cut off a slice past the limit,
 * never inflated whole.
 */
import { ApiError } from "../shared/api-error";
import { errorMessage, printable } from "../shared/errors";

/** How an ingest body is encoded; anything else is a 415. */
export type ContentCoding = "gzip" | "deflate" | "identity";

/** HTTP content codings (case-insensitive) by name; x-gzip is gzip's old alias (RFC 9110 §8.4.1.3). */
const CODINGS = new Map<string, ContentCoding>([
  ["", "identity"],
  ["identity", "identity"],
  ["gzip", "gzip"],
  ["x-gzip", "gzip"],
  ["deflate", "deflate"],
]);

/** Compressed bytes per write: at deflate's ~1032:1 at most, a slice inflates to ≤ 264 KiB. */
const SLICE_BYTES = 256;
/** Bytes per read of inflated output: twice a slice's worst case, so unread output never grows. */
const READ_BYTES = 512 * 1024;

/** The coding a Content-Encoding header names; 415 for any other (br, zstd, a list, garbage). */
export function codingOf(header: string | undefined): ContentCoding {
  const coding = CODINGS.get((header ?? "").trim().toLowerCase());
  if (coding !== undefined) return coding;
  const named = printable((header ?? "").slice(0, 64));
  throw new ApiError(
    415,
    "unsupported_media_type",
    `Content-Encoding "${named}" is not supported; send gzip, deflate or identity (or no Content-Encoding)`,
  );
}

/** Decodes inflated bytes to text, refusing (413) as soon as they pass the limit. */
class CappedText {
  private readonly decoder = new TextDecoder();
  private readonly parts: string[] = [];
  private size = 0;

  constructor(private readonly maxBytes: number) {}

  add(bytes: Uint8Array): void {
    this.size += bytes.byteLength;
    if (this.size > this.maxBytes)
      throw new ApiError(413, "body_too_large", `the decompressed body exceeds ${this.maxBytes} bytes`);
    this.parts.push(this.decoder.decode(bytes, { stream: true }));
  }

  text(): string {
    return this.parts.join("") + this.decoder.decode();
  }
}

/** Yields the source's bytes in slices of at most {@link SLICE_BYTES}. */
async function* slicesOf(source: ReadableStreamDefaultReader<Uint8Array>): AsyncGenerator<Uint8Array> {
  for (;;) {
    const { done, value } = await source.read();
    if (done) return;
    for (let at = 0; at < value.byteLength; at += SLICE_BYTES) yield value.subarray(at, at + SLICE_BYTES);
  }
}

/**
 * Inflates `source` into `sink`. One read of the output is always pending: a write's output
 * goes to it before the write settles, so it is counted before the next slice goes in.
 */
async function inflate(
  source: ReadableStreamDefaultReader<Uint8Array>,
  coding: "gzip" | "deflate",
  sink: CappedText,
): Promise<void> {
  const inflater = new DecompressionStream(coding);
  const writer = inflater.writable.getWriter();
  const output = inflater.readable.getReader({ mode: "byob" });
  let buffer = new ArrayBuffer(READ_BYTES);
  let settled = false;
  let pending = output.read(new Uint8Array(buffer));
  const track = () =>
    pending.then(
      () => (settled = true),
      () => (settled = true),
    );
  /** Counts the pending read's output and issues the next read; false at the end of the output. */
  const take = async (): Promise<boolean> => {
    const { done, value } = await pending;
    if (done || value === undefined) return false;
    sink.add(value);
    buffer = value.buffer as ArrayBuffer;
    settled = false;
    pending = output.read(new Uint8Array(buffer));
    track();
    return true;
  };
  track();
  try {
    for await (const slice of slicesOf(source)) {
      await writer.write(slice);
      while (settled) await take();
    }
    await writer.close();
    while (await take());
  } catch (error) {
    await Promise.allSettled([output.cancel(), writer.abort(), source.cancel()]);
    throw error;
  }
}

/**
 * The body as text, inflated when `coding` says so, with at most `maxBytes` decoded bytes
 * (413 `body_too_large` past them; 400 `invalid_body` when the body is not valid `coding` data).
 */
export async function readBodyText(
  body: ReadableStream<Uint8Array> | null,
  coding: ContentCoding,
  maxBytes: number,
): Promise<string> {
  if (body === null) return "";
  // Not compressed: the body-size check before this one already held it to maxBytes.
  if (coding === "identity") return new TextDecoder().decode(await new Response(body).arrayBuffer());
  const sink = new CappedText(maxBytes);
  try {
    await inflate(body.getReader(), coding, sink);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(
      400,
      "invalid_body",
      `the body is not valid ${coding} data (Content-Encoding: ${coding}): it is truncated or corrupt (${printable(errorMessage(error))})`,
    );
  }
  return sink.text();
}
