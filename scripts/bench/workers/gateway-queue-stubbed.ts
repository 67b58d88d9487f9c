/**
 * Bench-only Worker: recording ON, but the queue send is a no-op. It is the production Worker's
 * fetch handler with the EVENTS_QUEUE binding swapped for a discarding one, so it does all of the
 * Worker's own recording work (client HMAC, event id, path normalisation, body measuring,
 * validation, packing) and skips only the send itself, Miniflare's local queue broker and the
 * consumer. The gateway bench reports it beside "on" and "off" to show where the cost of
 * recording lies; it is never the headline.
 */
import { fetchWithQueue } from "./swapped-queue";

const discardingQueue = { send: async () => {}, sendBatch: async () => {} };

export default { fetch: fetchWithQueue(() => discardingQueue) };
