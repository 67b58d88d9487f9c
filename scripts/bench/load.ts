/**
 * A minimal closed-loop HTTP load generator over keep-alive connections: `concurrency` clients
 * each send their next request as soon as the previous answer is read.
 */
import http from "node:http";

export interface LoadRequest {
  path: string;
  headers: Record<string, string>;
}

export interface LoadResult {
  requests: number;
  elapsedMs: number;
  /** Answers whose status was not the expected one. */
  unexpected: number;
}

function send(agent: http.Agent, origin: URL, req: LoadRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { agent, host: origin.hostname, port: origin.port, path: req.path, headers: req.headers },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end();
  });
}

/** Sends `count` GET requests built by `requestFor(i)`; resolves when all are answered. */
export async function runLoad(
  url: string,
  count: number,
  concurrency: number,
  requestFor: (i: number) => LoadRequest,
  expectedStatus = 200,
): Promise<LoadResult> {
  const origin = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  let unexpected = 0;
  const client = async () => {
    for (let i = next++; i < count; i = next++) {
      if ((await send(agent, origin, requestFor(i))) !== expectedStatus) unexpected += 1;
    }
  };
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: concurrency }, client));
  } finally {
    agent.destroy();
  }
  return { requests: count, elapsedMs: performance.now() - started, unexpected };
}
