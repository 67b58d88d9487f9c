/**
 * What the pipeline stored, read back raw for the tests: detail rows from D1 and archive
 * objects from R2, and the gzip helpers to read (or tamper with) an archive.
 */
import { env } from "cloudflare:test";
import { DAY } from "./events";

/** Rows of traffic_events, as stored, in seq order. */
export async function storedEvents(testEnv: typeof env = env): Promise<Record<string, unknown>[]> {
  const { results } = await testEnv.DB.prepare("SELECT * FROM traffic_events ORDER BY seq").all<
    Record<string, unknown>
  >();
  return results;
}

/** Every stored detail row of [from, to), in seq order, in the archive's field names. */
export async function detailRows(from: number, to: number): Promise<Record<string, unknown>[]> {
  const { results } = await env.DB.prepare(
    `SELECT seq, id, ts, method, path, status, duration_ms AS durationMs, latency_bucket AS latencyBucket,
       bytes, client_hash AS clientHash, colo, country, source
     FROM traffic_events WHERE ts >= ?1 AND ts < ?2 ORDER BY seq`,
  )
    .bind(from, to)
    .all<Record<string, unknown>>();
  return results;
}

export async function gunzip(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text();
}

export async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The lines of every archive object of a day (YYYY-MM-DD), part by part, parsed. */
export async function archivedEvents(day: string): Promise<Record<string, unknown>[]> {
  const listed = await env.ARCHIVE.list({ prefix: `archive/${day.replaceAll("-", "/")}/` });
  const keys = listed.objects.map((o) => o.key).sort();
  const events: Record<string, unknown>[] = [];
  for (const key of keys) {
    const object = await env.ARCHIVE.get(key);
    if (!object) throw new Error(`${key} vanished`);
    const text = await gunzip(await object.arrayBuffer());
    for (const line of text.split("\n").filter((l) => l !== "")) events.push(JSON.parse(line));
  }
  return events;
}

/** A row of archive_metadata: one uploaded (or being uploaded) part of a day's archive. */
export interface ArchivePart {
  part: number;
  key: string;
  status: string;
  reason: string | null;
  after_seq: number;
  /** Null while the part is being written. */
  min_seq: number | null;
  max_seq: number | null;
  records: number | null;
  uncompressed_bytes: number | null;
  compressed_bytes: number | null;
  sha256: string | null;
}

/** Every archive part of a day (YYYY-MM-DD), in part order. */
export async function archiveParts(day: string): Promise<ArchivePart[]> {
  const { results } = await env.DB.prepare("SELECT * FROM archive_metadata WHERE day = ?1 ORDER BY part")
    .bind(day)
    .all<ArchivePart>();
  return results;
}

/** How many events of one source ('queue' or 'ingest') were rejected, per reason code. */
export async function rejectionCounts(source: "queue" | "ingest"): Promise<Record<string, number>> {
  const { results } = await env.DB.prepare(
    "SELECT code, sum(count) AS n FROM rejections WHERE source = ?1 GROUP BY code",
  )
    .bind(source)
    .all<{ code: string; n: number }>();
  return Object.fromEntries(results.map((r) => [r.code, r.n]));
}

/** How many detail rows the day starting at `day` holds in D1. */
export const detailRowCount = async (day: number): Promise<number> =>
  (await detailRows(day, day + DAY)).length;
