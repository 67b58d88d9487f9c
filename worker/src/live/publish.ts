/**
 * The consumer's hook into the live feed: after a batch committed, tell the hub what it added.
 * Best effort by design — the feed is a hint that makes dashboards refresh, the stats API stays
 * the truth — so a failure or a slow hub never affects storing or acking: this never throws and
 * gives up after PUBLISH_TIMEOUT_MS.
 */
import type { Env } from "../env";
import type { TrafficEvent } from "../event";
import { errorMessage } from "../shared/errors";
import { batchMessage } from "./deltas";

/** The one hub every dashboard connects to. */
export const HUB_NAME = "live";
export const PUBLISH_TIMEOUT_MS = 1_000;

/** The hub's stub (one global instance: a hub holds thousands of sockets). */
export const liveHub = (env: Env) => env.LIVE_HUB.get(env.LIVE_HUB.idFromName(HUB_NAME));

/**
 * Publishes the per-path deltas of `stored` (the events the batch wrote) to the live hub.
 * Resolves to whether the hub took them; never rejects.
 */
export async function publishStoredBatch(
  env: Env,
  stored: readonly TrafficEvent[],
  committedAt: number,
): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const message = batchMessage(stored, committedAt);
    if (!message) return true;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer in ${PUBLISH_TIMEOUT_MS} ms`)),
        PUBLISH_TIMEOUT_MS,
      );
    });
    await Promise.race([liveHub(env).publish(message), timeout]);
    return true;
  } catch (error) {
    // The batch is stored and acked either way; dashboards fall back to polling meanwhile.
    console.warn(`pathmeter: live feed not updated: ${errorMessage(error)}`);
    return false;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
