/**
 * `GET /` — the latest KV snapshot `{version, generatedAt, asOf, from, to, n, paths}`; 404 before
 * the first one, a coded 503 while KV fails.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../shared/api-error";
import { errorMessage } from "../shared/errors";
import { SNAPSHOT_KEYS, type Snapshot } from "../shared/snapshot";

export const snapshotRoutes = new Hono<AppEnv>();

snapshotRoutes.get("/", async function latestSnapshot(c) {
  let latest: Snapshot | null;
  try {
    latest = await c.env.SNAPSHOTS.get<Snapshot>(SNAPSHOT_KEYS.latest, "json");
  } catch (error) {
    // KV failing is not a bug of ours: a coded 503 the caller can retry, not a 500 (the stats
    // API, which reads D1, still answers).
    console.warn(`pathmeter: reading the snapshot from KV failed: ${errorMessage(error)}`);
    throw new ApiError(503, "unavailable", "the snapshot store (KV) is unavailable; retry later");
  }
  if (!latest)
    throw new ApiError(404, "not_found", "no snapshot yet: the snapshot job has not published one");
  return c.json(latest);
});
