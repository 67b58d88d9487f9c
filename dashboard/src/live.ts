/**
 * The live connection: a WebSocket to /api/live that signs in with a first message (the token
 * never appears in a URL or a header), reconnects with exponential backoff, and polls while it
 * is down. Its state is shown as `data-live="open|polling|closed"` on <body>.
 */
import type { BatchMessage, HubMessage } from "../../worker/src/shared/live-protocol";

export type LiveState = "open" | "polling" | "closed";

export interface LiveOptions {
  /** ws:// or wss:// URL of the live endpoint. */
  url: string;
  token: string;
  onBatch(message: BatchMessage): void;
  /** Called every POLL_MS while the socket is down. */
  onPoll(): void;
  onState(state: LiveState, detail: string): void;
}

export const POLL_MS = 5_000;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;
/** Keep-alive so proxies do not drop an idle socket; the hub answers without waking up. */
const PING_MS = 30_000;

export class LiveConnection {
  private socket: WebSocket | null = null;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: number | undefined;
  private pollTimer: number | undefined;
  private pingTimer: number | undefined;
  private stopped = false;

  constructor(private readonly options: LiveOptions) {}

  /** Connects (polling meanwhile). */
  start(): void {
    this.stopped = false;
    this.startPolling("connecting to the live feed…");
    this.connect();
  }

  /** Closes the socket and stops polling: data-live="closed". */
  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    this.stopPolling();
    this.socket?.close(1000, "signed out");
    this.socket = null;
    this.options.onState("closed", "off");
  }

  private connect(): void {
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.options.url);
    } catch {
      this.scheduleReconnect("the live feed cannot be opened");
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", () => socket.send(JSON.stringify({ token: this.options.token })));
    socket.addEventListener("message", (event) => this.onMessage(event.data));
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      window.clearInterval(this.pingTimer);
      if (this.stopped) return;
      const why = event.code === 4401 ? "the live feed refused the token" : "the live feed is unreachable";
      this.scheduleReconnect(why);
    });
  }

  private onMessage(data: unknown): void {
    if (typeof data !== "string" || data === "pong") return;
    let message: HubMessage;
    try {
      message = JSON.parse(data) as HubMessage;
    } catch {
      return;
    }
    if (message.type === "ready") {
      this.retryMs = FIRST_RETRY_MS;
      this.stopPolling();
      this.pingTimer = window.setInterval(() => this.socket?.send("ping"), PING_MS);
      this.options.onState("open", "live");
    } else if (message.type === "batch") this.options.onBatch(message);
  }

  private scheduleReconnect(why: string): void {
    this.startPolling(
      `${why}; polling every ${POLL_MS / 1000} s, retrying in ${Math.round(this.retryMs / 1000)} s`,
    );
    window.clearTimeout(this.retryTimer);
    // Jitter spreads the reconnects of many dashboards after a hub restart.
    const delay = this.retryMs * (0.8 + Math.random() * 0.4);
    this.retryTimer = window.setTimeout(() => this.connect(), delay);
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
  }

  private startPolling(detail: string): void {
    this.options.onState("polling", detail);
    if (this.pollTimer === undefined)
      this.pollTimer = window.setInterval(() => this.options.onPoll(), POLL_MS);
  }

  private stopPolling(): void {
    window.clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }
}
