/**
 * Compressed ingest bodies (Content-Encoding gzip or deflate) through the real handler: stored
 * exactly as the same body sent plain; the 1 MiB limit holds for the decompressed bytes (a gzip
 * bomb is a 413); corrupt or truncated data is a 400 that echoes no binary; other codings are 415.
 */
import { describe, expect, it } from "vitest";
import { MAX_INGEST_BYTES } from "../../worker/src/ingest/route";
import { captureQueue, consume, ingest, storedEvents } from "./harness";
import { NOW, useIngestSetup, valid } from "./ingest-fixtures";

useIngestSetup();

type Coding = "gzip" | "deflate";

/** `text` compressed by the runtime's CompressionStream. */
async function compressed(text: string | Uint8Array, coding: Coding = "gzip"): Promise<Uint8Array> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream(coding));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** `size` bytes of one character, compressed a MiB at a time (never all of it in memory). */
async function compressedFill(size: number, fill: string): Promise<Uint8Array> {
  const mib = new TextEncoder().encode(fill.repeat(1024 * 1024));
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (size <= 0) return controller.close();
      controller.enqueue(mib.subarray(0, Math.min(size, mib.byteLength)));
      size -= mib.byteLength;
    },
  }).pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const errorOf = (json: Record<string, unknown>) => json.error as { code: string; message: string };
/** Only printable ASCII and common text: no control characters, no U+FFFD from binary. */
const PRINTABLE = /^[^\p{C}\uFFFD]*$/u;

describe("compressed bodies are accepted and stored exactly", () => {
  const events = (tag: string) => [
    valid({ requestId: `${tag}-1`, path: `/users/${tag}` }),
    valid({ requestId: `${tag}-2`, status: 503, method: "POST" }),
  ];

  it("a gzipped JSON array, gzipped NDJSON and a deflated array: 202, the events stored as sent", async () => {
    const queue = captureQueue();
    const answers = [
      await ingest(await compressed(JSON.stringify(events("a"))), { contentEncoding: "gzip" }),
      await ingest(
        await compressed(
          events("n")
            .map((e) => JSON.stringify(e))
            .join("\n"),
        ),
        {
          contentType: "application/x-ndjson",
          contentEncoding: "GZIP",
        },
      ),
      await ingest(await compressed(JSON.stringify(events("d")), "deflate"), { contentEncoding: "deflate" }),
      await ingest(JSON.stringify(events("i")), { contentEncoding: "identity" }),
    ];
    for (const { status, json } of answers) {
      expect(status).toBe(202);
      expect(json).toEqual({ accepted: 2, rejected: [] });
    }
    await consume(queue.events());
    const stored = (await storedEvents()).map((e) => [e.method, e.path, e.status, e.ts, e.duration_ms]);
    const expected = ["a", "n", "d", "i"].flatMap((tag) => [
      ["GET", `/users/${tag}`, 200, NOW - 60_000, 12.5],
      ["POST", "/users/:id", 503, NOW - 60_000, 12.5],
    ]);
    expect(stored.sort()).toEqual(expected.sort());
  });

  it("a gzipped body just under 1 MiB decompressed: accepted", async () => {
    const array = JSON.stringify([valid()]);
    const padded = `${array.slice(0, -1)}${" ".repeat(MAX_INGEST_BYTES - array.length)}]`;
    expect(padded.length).toBe(MAX_INGEST_BYTES);
    const answer = await ingest(await compressed(padded), { contentEncoding: "gzip" });
    expect(answer).toMatchObject({ status: 202, json: { accepted: 1 } });
  });
});

describe("the 1 MiB limit applies to the decompressed body", () => {
  it("2 MiB of spaces inside a valid JSON array, tiny compressed: 413 body_too_large", async () => {
    const body = `[${JSON.stringify(valid())}${" ".repeat(2 * MAX_INGEST_BYTES)}]`;
    const gzipped = await compressed(body);
    expect(gzipped.byteLength).toBeLessThan(MAX_INGEST_BYTES / 100);
    const answer = await ingest(gzipped, { contentEncoding: "gzip" });
    expect(answer.status).toBe(413);
    expect(errorOf(answer.json)).toMatchObject({
      code: "body_too_large",
      message: expect.stringContaining("decompressed"),
    });
  });

  it("a gzip bomb of 50 MiB of zeros: 413, cut off while reading", async () => {
    const bomb = await compressedFill(50 * MAX_INGEST_BYTES, "\0");
    expect(bomb.byteLength).toBeLessThan(MAX_INGEST_BYTES / 10);
    const answer = await ingest(bomb, { contentEncoding: "gzip" });
    expect(answer.status).toBe(413);
    expect(errorOf(answer.json).code).toBe("body_too_large");
  });
});

describe("bodies that are not what their Content-Encoding says", () => {
  it("corrupt, truncated, empty or plain-text 'gzip': 400 invalid_body with a printable message", async () => {
    const gzipped = await compressed(JSON.stringify([valid(), valid({ requestId: "x" })]));
    const corrupt = gzipped.slice();
    corrupt.fill(0xff, 12, 40);
    const bodies = {
      corrupt,
      truncated: gzipped.subarray(0, gzipped.byteLength - 12),
      empty: new Uint8Array(0),
      plain: new TextEncoder().encode(JSON.stringify([valid()])),
    };
    for (const [name, body] of Object.entries(bodies)) {
      const answer = await ingest(body, { contentEncoding: "gzip" });
      expect(answer.status, name).toBe(400);
      const { code, message } = errorOf(answer.json);
      expect(code, name).toBe("invalid_body");
      expect(message, name).toContain("not valid gzip");
      expect(message, name).toMatch(PRINTABLE);
    }
  });

  it("gzip sent without Content-Encoding: 400 invalid_json that echoes no binary", async () => {
    const answer = await ingest(await compressed(JSON.stringify([valid()])));
    expect(answer.status).toBe(400);
    expect(errorOf(answer.json).code).toBe("invalid_json");
    expect(errorOf(answer.json).message).toMatch(PRINTABLE);
  });

  it("br, zstd, a list or garbage: 415 naming the encoding and the accepted ones", async () => {
    for (const encoding of ["br", "zstd", "gzip, br", "gzip, identity", "not-an-encoding;q=1"]) {
      const answer = await ingest(await compressed(JSON.stringify([valid()])), { contentEncoding: encoding });
      expect(answer.status, encoding).toBe(415);
      const { code, message } = errorOf(answer.json);
      expect(code, encoding).toBe("unsupported_media_type");
      expect(message, encoding).toContain("gzip, deflate or identity");
      expect(message, encoding).toMatch(PRINTABLE);
    }
    const br = errorOf((await ingest("[]", { contentEncoding: "br" })).json).message;
    expect(br).toContain('"br"');
  });
});
