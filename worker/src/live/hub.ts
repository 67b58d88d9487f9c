/**
 * The live hub: one Durable Object that holds every dashboard's WebSocket and fans out the
 * per-path deltas of each stored batch. It uses the WebSocket Hibernation API, so an idle hub is
 * evicted from memory while its sockets stay open: nothing lives in instance fields; whether a
 * socket signed in is its serialized attachment, which survives hibernation.
 *
 * Sign-in: the token as the `Sec-WebSocket-Protocol` value `bearer.<token>` (checked before the
 * upgrade: a wrong one is a 401) or as the first message `{"token":"..."}` (a wrong one closes the
 * socket with 4401). A socket that has not signed in after SIGN_IN_TIMEOUT_MS is closed (4408).
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import {
  type BatchMessage,
  BEARER_PROTOCOL_PREFIX,
  CLOSE_SIGN_IN_TIMEOUT,
  CLOSE_UNAUTHORIZED,
  type LiveHubApi,
  PING,
  PONG,
  type ReadyMessage,
} from "../shared/live-protocol";
import { tokensEqual } from "../shared/tokens";

/** What the hub remembers of one socket, across hibernation. */
export interface SocketAttachment {
  signedIn: boolean;
  /** When the socket was accepted, epoch ms. */
  acceptedAt: number;
}

export const SIGN_IN_TIMEOUT_MS = 10_000;

const READY: ReadyMessage = { type: "ready" };

const attachmentOf = (ws: WebSocket): SocketAttachment | null => {
  const value: unknown = ws.deserializeAttachment();
  return typeof value === "object" && value !== null && "signedIn" in value
    ? (value as SocketAttachment)
    : null;
};

/** The token a client offered as a `bearer.<token>` subprotocol, if any. */
function offeredToken(request: Request): { protocol: string; token: string } | null {
  const offered = (request.headers.get("Sec-WebSocket-Protocol") ?? "").split(",").map((p) => p.trim());
  const protocol = offered.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  return protocol ? { protocol, token: protocol.slice(BEARER_PROTOCOL_PREFIX.length) } : null;
}

/** The token of a first message `{"token":"..."}`, or null for anything else. */
function tokenOfMessage(message: string | ArrayBuffer): string | null {
  if (typeof message !== "string") return null;
  try {
    const value: unknown = JSON.parse(message);
    if (typeof value === "object" && value !== null && "token" in value && typeof value.token === "string")
      return value.token;
  } catch {
    // not JSON: not a sign-in
  }
  return null;
}

export class LiveHub extends DurableObject<Env> implements LiveHubApi {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Keep-alives are answered by the runtime without waking a hibernated hub.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  /** Constant-time comparison with ADMIN_TOKEN; false when no token is configured. */
  private async isAdminToken(token: string): Promise<boolean> {
    const expected = this.env.ADMIN_TOKEN;
    return Boolean(expected) && (await tokensEqual(token, expected));
  }

  /** Accepts a WebSocket upgrade (the Worker's route forwards only upgrade requests). */
  async fetch(request: Request): Promise<Response> {
    const offered = offeredToken(request);
    if (offered && !(await this.isAdminToken(offered.token)))
      return Response.json(
        { error: { code: "unauthorized", message: "a valid bearer token is required" } },
        { status: 401 },
      );
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    const attachment: SocketAttachment = { signedIn: offered !== null, acceptedAt: Date.now() };
    server.serializeAttachment(attachment);
    if (attachment.signedIn) server.send(JSON.stringify(READY));
    else if ((await this.ctx.storage.getAlarm()) === null)
      await this.ctx.storage.setAlarm(Date.now() + SIGN_IN_TIMEOUT_MS);
    // A client that offered subprotocols must get one of them back, or it drops the connection.
    const headers = offered ? { "Sec-WebSocket-Protocol": offered.protocol } : undefined;
    return new Response(null, { status: 101, webSocket: client, headers });
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const attachment = attachmentOf(ws);
    if (!attachment || attachment.signedIn) return; // signed-in clients only ping (auto-answered)
    const token = tokenOfMessage(message);
    if (token === null || !(await this.isAdminToken(token))) {
      ws.close(CLOSE_UNAUTHORIZED, "unauthorized: a valid token is required");
      return;
    }
    ws.serializeAttachment({ ...attachment, signedIn: true } satisfies SocketAttachment);
    ws.send(JSON.stringify(READY));
  }

  async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code, reason);
    } catch {
      // already closed by the runtime's automatic close reply
    }
  }

  /** Closes sockets that did not sign in in time; re-arms while others are still waiting. */
  async alarm(): Promise<void> {
    const now = Date.now();
    let nextDeadline = Number.POSITIVE_INFINITY;
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = attachmentOf(ws);
      if (!attachment || attachment.signedIn) continue;
      const deadline = attachment.acceptedAt + SIGN_IN_TIMEOUT_MS;
      if (deadline <= now) ws.close(CLOSE_SIGN_IN_TIMEOUT, "sign-in timed out");
      else nextDeadline = Math.min(nextDeadline, deadline);
    }
    if (Number.isFinite(nextDeadline)) await this.ctx.storage.setAlarm(nextDeadline);
  }

  /** Sends a stored batch's deltas to every signed-in socket; returns how many got it. */
  async publish(message: BatchMessage): Promise<number> {
    const frame = JSON.stringify(message);
    let delivered = 0;
    for (const ws of this.ctx.getWebSockets()) {
      if (!attachmentOf(ws)?.signedIn) continue;
      try {
        ws.send(frame);
        delivered += 1;
      } catch {
        // a socket closing right now; its webSocketClose cleans up
      }
    }
    return delivered;
  }

  /** How many sockets are open and how many of them signed in (ops and tests). */
  async connections(): Promise<{ open: number; signedIn: number }> {
    const sockets = this.ctx.getWebSockets();
    return { open: sockets.length, signedIn: sockets.filter((ws) => attachmentOf(ws)?.signedIn).length };
  }
}
