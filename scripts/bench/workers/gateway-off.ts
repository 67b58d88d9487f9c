/**
 * Bench-only Worker: pathmeter's gateway with recording OFF — the production app (reserved-prefix
 * dispatch, config, hono proxy to the same upstream) built without the pathStats middleware. The
 * gateway bench compares the real bundle (recording on) against this, so the two differ only in
 * recording.
 */
import { createApp } from "../../../worker/src/app";

export default { fetch: createApp(null).fetch };
