/** `GET /` — the latest KV snapshot `{version, generatedAt, asOf, from, to, n, paths}`. */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../shared/api-error";
import { SNAPSHOT_KEYS, type Snapshot } from "../shared/snapshot";

export const snapshotRoutes = new Hono<AppEnv>();

snapshotRoutes.get("/", async function latestSnapshot(c) {
  const latest = await c.env.SNAPSHOTS.get<Snapshot>(SNAPSHOT_KEYS.latest, "json");
  if (!latest)
    throw new ApiError(404, "not_found", "no snapshot yet: the snapshot job has not published one");
  return c.json(latest);
});
