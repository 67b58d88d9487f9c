/**
 * Archive API. `GET /?from&to` lists the archive parts of the UTC days starting in [from, to)
 * (default: the last 31 days). `GET /{YYYY-MM-DD}` streams the day's archived events as one
 * decompressed JSONL (NDJSON) body — every readable part in part order, one event per line —
 * so a client needs no gzip handling; the parts stay gzip objects in R2.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { type ArchivePart, listPartsOfDays, type PartStatus, readPartsWithStatus } from "../db/archive-parts";
import { ApiError } from "../shared/api-error";
import { DAY_MS, dayStartOf, isoDay, isoTime, parseIsoDay } from "../shared/time";
import { parseInstant } from "./range";

export const archiveRoutes = new Hono<AppEnv>();

/** Parts whose objects hold the archive (writing/invalid/damaged ones are left out of downloads). */
const READABLE: PartStatus[] = ["uploaded", "verified", "cleaned"];

const describePart = (p: ArchivePart) => ({
  day: p.day,
  part: p.part,
  key: p.key,
  status: p.status,
  records: p.records,
  minSeq: p.minSeq,
  maxSeq: p.maxSeq,
  uncompressedBytes: p.uncompressedBytes,
  compressedBytes: p.compressedBytes,
  sha256: p.sha256,
  reason: p.reason,
  createdAt: isoTime(p.createdAt),
  uploadedAt: p.uploadedAt === null ? null : isoTime(p.uploadedAt),
  verifiedAt: p.verifiedAt === null ? null : isoTime(p.verifiedAt),
  cleanedAt: p.cleanedAt === null ? null : isoTime(p.cleanedAt),
});

archiveRoutes.get("/", async function listParts(c) {
  const rawTo = c.req.query("to");
  const rawFrom = c.req.query("from");
  const to = rawTo === undefined ? Date.now() : parseInstant("to", rawTo);
  const from = rawFrom === undefined ? dayStartOf(to) - 30 * DAY_MS : parseInstant("from", rawFrom);
  if (from >= to)
    throw new ApiError(400, "invalid_range", "from must be before to (ranges are half-open [from, to))");
  // Days starting in [from, to): the first is the day of `from` unless `from` is past its start.
  const firstDay = dayStartOf(from) === from ? from : dayStartOf(from) + DAY_MS;
  const parts = await listPartsOfDays(c.env.DB, isoDay(firstDay), isoDay(dayStartOf(to - 1) + DAY_MS));
  return c.json({ from: isoTime(from), to: isoTime(to), parts: parts.map(describePart) });
});

/** One body out of the parts' objects, gunzipped one after the other, pulled as the client reads. */
function concatenatedJsonl(objects: R2ObjectBody[]): ReadableStream<Uint8Array> {
  let index = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (!reader) {
          const object = objects[index++];
          if (!object) return controller.close();
          reader = object.body.pipeThrough(new DecompressionStream("gzip")).getReader();
        }
        const { done, value } = await reader.read();
        if (!done) return controller.enqueue(value);
        reader = null;
      }
    },
    async cancel(reason) {
      await reader?.cancel(reason);
    },
  });
}

archiveRoutes.get("/:day", async function downloadDay(c) {
  const day = c.req.param("day");
  if (parseIsoDay(day) === null)
    throw new ApiError(400, "invalid_parameter", `"${day}" is not a YYYY-MM-DD date`);
  const results = await readPartsWithStatus(c.env.DB, day, READABLE);
  if (results.length === 0) throw new ApiError(404, "not_found", `no archive for ${day}`);
  const objects: R2ObjectBody[] = [];
  for (const part of results) {
    const object = await c.env.ARCHIVE.get(part.key);
    if (!object)
      throw new ApiError(
        404,
        "not_found",
        `archive part ${part.part} of ${day} is gone from R2 (expired by retention?)`,
      );
    objects.push(object);
  }
  return new Response(concatenatedJsonl(objects), {
    headers: {
      "content-type": "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="pathmeter-${day}.jsonl"`,
      "x-pathmeter-archive-parts": String(results.length),
      "x-pathmeter-archive-records": String(results.reduce((n, p) => n + (p.records ?? 0), 0)),
    },
  });
});
