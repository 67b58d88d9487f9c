/**
 * A crash injected at each point of an archive part's upload (an R2 call or a D1 statement
 * throwing), then a re-run: every event of the day ends up archived exactly once, in parts
 * whose R2 objects are exactly the ones the metadata lists.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { configOf } from "../../worker/src/config";
import { archiveJob } from "../../worker/src/jobs/archive";
import {
  archivedEvents,
  archiveParts,
  DAY,
  detailRows,
  generateEvents,
  HOUR,
  hexDigits,
  lastRun,
  load,
  random,
  runCron,
} from "./harness";

const D = Date.UTC(2026, 9, 1);
const HOT_DAYS = Number(env.HOT_DAYS);

const ids = (events: Record<string, unknown>[]) => events.map((e) => String(e.id)).sort();

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a crash mid-archive, then a re-run", () => {
  const crashDay = (n: number) => D + (20 + n) * DAY;
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const archiveAt = (day: number) => day + (HOT_DAYS + 1) * DAY + 2 * HOUR;

  /** Wraps R2 uploads so that `failing` throws instead of calling through. */
  function failUpload(failing: "uploadPart" | "complete", onCall = 1) {
    const bucket = env.ARCHIVE;
    const original = bucket.createMultipartUpload.bind(bucket);
    let calls = 0;
    vi.spyOn(bucket, "createMultipartUpload").mockImplementation(async (key, options) => {
      const real = await original(key, options);
      const fail = ++calls === onCall;
      return {
        key: real.key,
        uploadId: real.uploadId,
        uploadPart: (n: number, value: Parameters<R2MultipartUpload["uploadPart"]>[1]) => {
          if (fail && failing === "uploadPart") throw new Error("injected: R2 uploadPart failed");
          return real.uploadPart(n, value);
        },
        abort: () => real.abort(),
        complete: (parts: R2UploadedPart[]) => {
          if (fail && failing === "complete") throw new Error("injected: R2 complete failed");
          return real.complete(parts);
        },
      } satisfies R2MultipartUpload;
    });
  }

  async function expectExactlyOnce(day: number) {
    const parts = await archiveParts(iso(day));
    expect(parts.every((p) => p.status === "uploaded")).toBe(true);
    const listed = await env.ARCHIVE.list({ prefix: `archive/${iso(day).replaceAll("-", "/")}/` });
    expect(listed.objects.map((o) => o.key).sort()).toEqual(parts.map((p) => p.key));
    const archived = await archivedEvents(iso(day));
    expect(new Set(ids(archived)).size).toBe(archived.length);
    expect(ids(archived)).toEqual(ids(await detailRows(day, day + DAY)));
  }

  it("recovers when R2's complete() throws", async () => {
    const day = crashDay(0);
    await load(generateEvents({ prefix: "c0", count: 800, startMs: day, spanMs: DAY, clients: 20 }));
    failUpload("complete");
    await expect(runCron("archive", archiveAt(day))).rejects.toThrow(/injected/);
    expect((await lastRun("archive")).outcome).toBe("error");
    expect((await archiveParts(iso(day)))[0]?.status).toBe("writing");
    expect((await env.ARCHIVE.list({ prefix: `archive/${iso(day).replaceAll("-", "/")}/` })).objects).toEqual(
      [],
    );
    vi.restoreAllMocks();
    await runCron("archive", archiveAt(day));
    await expectExactlyOnce(day);
  });

  it("recovers when recording the finished upload in D1 throws (the object already exists)", async () => {
    const day = crashDay(1);
    await load(generateEvents({ prefix: "c1", count: 800, startMs: day, spanMs: DAY, clients: 20 }));
    const db = env.DB;
    const prepare = db.prepare.bind(db);
    vi.spyOn(db, "prepare").mockImplementation((sql: string) => {
      if (sql.includes("status = 'uploaded'")) throw new Error("injected: D1 statement failed");
      return prepare(sql);
    });
    await expect(runCron("archive", archiveAt(day))).rejects.toThrow(/injected/);
    vi.restoreAllMocks();
    expect((await archiveParts(iso(day)))[0]?.status).toBe("writing");
    await runCron("archive", archiveAt(day));
    await expectExactlyOnce(day);
  });

  it("recovers when the upload of a later part fails half-way through a day", async () => {
    const day = crashDay(2);
    await load(generateEvents({ prefix: "c2", count: 2_200, startMs: day, spanMs: DAY, clients: 20 }));
    const job = archiveJob({ maxRecordsPerPart: 500 });
    const context = { env, config: configOf(env), now: archiveAt(day) };
    failUpload("uploadPart", 3);
    await expect(job(context)).rejects.toThrow(/injected/);
    vi.restoreAllMocks();
    expect((await archiveParts(iso(day))).map((p) => p.status)).toEqual(["uploaded", "uploaded", "writing"]);
    await job(context);
    expect((await archiveParts(iso(day))).map((p) => p.records)).toEqual([500, 500, 500, 500, 200]);
    await expectExactlyOnce(day);
  });

  it("recovers when an upload part fails in the middle of a part larger than 5 MiB", {
    timeout: 120_000,
  }, async () => {
    const day = crashDay(3);
    // Random hex ids and client hashes (as the gateway makes them) keep gzip from shrinking the
    // part below one 5 MiB upload part, so the failure hits while rows are still being streamed.
    const rand = random(11);
    const events = generateEvents({
      prefix: "c3",
      count: 80_000,
      startMs: day,
      spanMs: DAY,
      clients: 50,
    }).map((e) => ({
      ...e,
      id: `${e.ts}-${hexDigits(rand, 32)}`,
      clientHash: hexDigits(rand, 64),
    }));
    await load(events);
    failUpload("uploadPart", 1);
    await expect(runCron("archive", archiveAt(day))).rejects.toThrow(/injected/);
    vi.restoreAllMocks();
    expect((await archiveParts(iso(day))).map((p) => p.status)).toEqual(["writing"]);
    await runCron("archive", archiveAt(day));
    const [part] = await archiveParts(iso(day));
    expect(part?.records).toBe(80_000);
    const sizes = await env.DB.prepare(
      "SELECT compressed_bytes AS bytes FROM archive_metadata WHERE day = ?1",
    )
      .bind(iso(day))
      .first<{ bytes: number }>();
    expect(sizes?.bytes).toBeGreaterThan(5 * 1024 * 1024);
    await expectExactlyOnce(day);
  });
});
