/**
 * The live feed's wire format, shared by the hub (worker/src/live/hub.ts), the consumer's
 * publisher and the dashboard page (dashboard/src/live.ts), and the hub's RPC surface. Every
 * frame is one JSON text message. Pure: the page type-checks it with the DOM library only.
 *
 * client → hub: `{"token":"..."}` as the first message (unless the token came as the
 * `Sec-WebSocket-Protocol` value `bearer.<token>`), and `ping` (answered `pong` without waking a
 * hibernated hub). hub → client: `ready` once signed in, then one `batch` per stored batch.
 */

/** What one stored batch added to one (hour, path, method) aggregate. */
export interface PathDelta {
  /** Start of the UTC hour the events fall in, epoch ms. */
  hour: number;
  path: string;
  method: string;
  requests: number;
  errors4xx: number;
  errors5xx: number;
}

/** Sent to every signed-in client after a batch of events committed. */
export interface BatchMessage {
  type: "batch";
  /** When the batch committed, epoch ms. */
  committedAt: number;
  /** committedAt minus the oldest event's timestamp: how far behind the pipeline runs, in ms. */
  lagMs: number;
  paths: PathDelta[];
}

export interface ReadyMessage {
  type: "ready";
}

export type HubMessage = BatchMessage | ReadyMessage;

/** Close codes of the live socket (4000–4999 are free for applications, RFC 6455 §7.4.2). */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_SIGN_IN_TIMEOUT = 4408;

/** Prefix of the `Sec-WebSocket-Protocol` value that carries the token. */
export const BEARER_PROTOCOL_PREFIX = "bearer.";

/** Keep-alive frames, answered by the runtime itself (setWebSocketAutoResponse). */
export const PING = "ping";
export const PONG = "pong";

/** What the live hub's Durable Object stub offers over RPC (worker/src/live/hub.ts implements it). */
export interface LiveHubApi {
  /** Sends a stored batch's deltas to every signed-in socket; resolves to how many got it. */
  publish(message: BatchMessage): Promise<number>;
  /** Open sockets and how many of them signed in. */
  connections(): Promise<{ open: number; signedIn: number }>;
}
