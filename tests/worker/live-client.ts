/**
 * A test client of the live hub: opens `/_pathmeter/api/live` through the real Worker (SELF) and
 * queues what it receives, so a test can await the next frame or the close.
 */
import { SELF } from "cloudflare:test";
import type { HubMessage } from "../../worker/src/shared/live-protocol";

export const LIVE_URL = "http://pathmeter.test/_pathmeter/api/live";

export interface LiveClient {
  ws: WebSocket;
  /** The next JSON frame (waits for it). */
  next(): Promise<HubMessage>;
  /** Resolves with the close code once the hub closes the socket. */
  closed: Promise<{ code: number; reason: string }>;
  /** Frames received and not taken by next() yet. */
  pending(): HubMessage[];
}

/** Opens a socket; `protocol` is sent as Sec-WebSocket-Protocol when given. */
export async function connectLive(protocol?: string): Promise<{ res: Response; client: LiveClient | null }> {
  const headers: Record<string, string> = { Upgrade: "websocket" };
  if (protocol) headers["Sec-WebSocket-Protocol"] = protocol;
  const res = await SELF.fetch(LIVE_URL, { headers });
  const ws = res.webSocket;
  if (!ws) return { res, client: null };
  const queue: HubMessage[] = [];
  const waiters: ((m: HubMessage) => void)[] = [];
  let onClose: (c: { code: number; reason: string }) => void = () => {};
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    onClose = resolve;
  });
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as HubMessage;
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  ws.addEventListener("close", (event) => onClose({ code: event.code, reason: event.reason }));
  ws.accept();
  const next = () =>
    new Promise<HubMessage>((resolve) => {
      const queued = queue.shift();
      if (queued) resolve(queued);
      else waiters.push(resolve);
    });
  return { res, client: { ws, next, closed, pending: () => [...queue] } };
}

/** Opens a socket and signs in with a first message; resolves once the hub said `ready`. */
export async function signedInClient(token: string): Promise<LiveClient> {
  const { client } = await connectLive();
  if (!client) throw new Error("the hub did not upgrade the connection");
  client.ws.send(JSON.stringify({ token }));
  const ready = await client.next();
  if (ready.type !== "ready") throw new Error(`expected ready, got ${JSON.stringify(ready)}`);
  return client;
}
