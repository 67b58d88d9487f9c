/**
 * The built-in demo upstream: a small JSON API that `npm start` proxies when no UPSTREAM_URL is
 * given, so the gateway answers out of the box. Routes look like a shop backend and return a mix
 * of statuses (some 404s and 500s) after a few to tens of milliseconds, so the stats have shape.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface DemoUpstreamOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Simulated service time; off answers at once (benchmarks). Default true. */
  delays?: boolean;
}

export interface DemoUpstream {
  /** Origin, e.g. http://127.0.0.1:40123 */
  url: string;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: unknown;
  /** Simulated service time range in ms [min, max). */
  latencyMs: [number, number];
}

const MAX_BODY_BYTES = 64 * 1024;
const PRODUCTS = Array.from({ length: 95 }, (_, i) => ({
  id: i + 1,
  name: `Product ${i + 1}`,
  priceCents: 499 + i * 100,
}));
const PAGE_SIZE = 10;

const readBody = async (req: IncomingMessage): Promise<string> => {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.byteLength;
    if (size > MAX_BODY_BYTES) throw new Error("body too large");
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
};

/** User ids 1..500 exist; every 13th user's order service is down (a steady source of 500s). */
const userReply = (id: number, orders: boolean): Reply => {
  if (id < 1 || id > 500) return { status: 404, body: { error: "user not found" }, latencyMs: [2, 6] };
  if (!orders) return { status: 200, body: { id, name: `User ${id}` }, latencyMs: [3, 15] };
  if (id % 13 === 0)
    return { status: 500, body: { error: "orders service unavailable" }, latencyMs: [20, 60] };
  const list = Array.from({ length: id % 4 }, (_, i) => ({ id: id * 100 + i, totalCents: 1200 + i * 350 }));
  return { status: 200, body: { userId: id, orders: list }, latencyMs: [10, 40] };
};

const productsReply = (url: URL): Reply => {
  const page = Number(url.searchParams.get("page") ?? "1");
  if (!Number.isInteger(page) || page < 1)
    return { status: 400, body: { error: "page must be ≥ 1" }, latencyMs: [1, 3] };
  const items = PRODUCTS.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  return { status: 200, body: { page, items }, latencyMs: [4, 20] };
};

const createOrder = (raw: string): Reply => {
  let order: unknown;
  try {
    order = JSON.parse(raw);
  } catch {
    return { status: 400, body: { error: "body must be JSON" }, latencyMs: [1, 3] };
  }
  if (typeof order !== "object" || order === null || !("productId" in order))
    return { status: 422, body: { error: "productId is required" }, latencyMs: [2, 5] };
  return { status: 201, body: { id: Date.now(), ...order }, latencyMs: [15, 45] };
};

async function route(req: IncomingMessage, url: URL): Promise<Reply> {
  const method = req.method ?? "GET";
  const parts = url.pathname.split("/").filter(Boolean);
  if (method === "GET" && url.pathname === "/health")
    return { status: 200, body: { ok: true }, latencyMs: [0, 1] };
  if (method === "GET" && parts[0] === "users" && parts.length >= 2 && parts.length <= 3) {
    const id = Number(parts[1]);
    if (parts.length === 2) return userReply(id, false);
    if (parts[2] === "orders") return userReply(id, true);
  }
  if (method === "GET" && url.pathname === "/products") return productsReply(url);
  if (method === "POST" && url.pathname === "/orders") return createOrder(await readBody(req));
  return { status: 404, body: { error: `no route for ${method} ${url.pathname}` }, latencyMs: [1, 2] };
}

const send = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
};

/** Starts the demo API; resolves once it listens. */
export async function startDemoUpstream(options: DemoUpstreamOptions = {}): Promise<DemoUpstream> {
  const delays = options.delays ?? true;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://demo.local");
    route(req, url)
      .then(async (reply) => {
        const [min, max] = reply.latencyMs;
        if (delays && max > 0) await sleep(min + Math.random() * (max - min));
        send(res, reply.status, reply.body);
      })
      .catch((error: unknown) =>
        send(res, 400, { error: error instanceof Error ? error.message : "bad request" }),
      );
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
