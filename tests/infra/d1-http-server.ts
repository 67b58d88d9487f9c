/**
 * A real local D1 (Miniflare's SQLite-backed D1) served over node:http in the shape of Cloudflare's
 * D1 query API: POST /client/v4/accounts/{account}/d1/database/{uuid}/query with `{sql, params}` or
 * `{batch: [...]}`, bearer token, v4 envelope. A batch runs through the binding's `batch()`, which is
 * one transaction, as on Cloudflare. Every request body is recorded for assertions.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Miniflare } from "miniflare";
import { splitSqlStatements } from "../../scripts/lib/migrations";
import { manifest } from "../../worker/src/manifest";

interface D1Statement {
  bind(...values: unknown[]): D1Statement;
}
interface D1Result {
  results?: unknown[];
  success: boolean;
  meta: unknown;
}
/** The part of a D1 binding the server and tests use. */
export interface LocalD1 {
  prepare(sql: string): D1Statement & { all(): Promise<{ results: unknown[] }> };
  batch(statements: D1Statement[]): Promise<D1Result[]>;
}

export interface LocalD1Api {
  /** Use as the Cloudflare API base URL, e.g. http://127.0.0.1:1234/client/v4 */
  baseUrl: string;
  accountId: string;
  apiToken: string;
  /** Every request body received, in order. */
  requests: unknown[];
  /** The binding behind a database id, to seed or inspect it directly. */
  database(id: string): Promise<LocalD1>;
  /** The next request whose body contains `text` runs (and commits), then answers 502 as if lost. */
  loseResponseTo(text: string): void;
  close(): Promise<void>;
}

interface Query {
  sql: string;
  params?: unknown[];
}

const envelope = (result: unknown) => ({ success: true, errors: [], messages: [], result });
const failure = (code: number, message: string) => ({
  success: false,
  errors: [{ code, message }],
  messages: [],
  result: null,
});

const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
};

/** Expands a body into single statements, as D1 splits a multi-statement `sql` into a batch. */
function statementsOf(body: unknown): Query[] {
  const queries: unknown[] =
    typeof body === "object" && body !== null && "batch" in body && Array.isArray(body.batch)
      ? body.batch
      : [body];
  return queries.flatMap((q) => {
    if (typeof q !== "object" || q === null || !("sql" in q) || typeof q.sql !== "string")
      throw new Error("each query needs a sql string");
    const params = "params" in q && Array.isArray(q.params) ? q.params : [];
    const parts = splitSqlStatements(q.sql);
    if (parts.length > 1 && params.length > 0) throw new Error("params with several statements in one sql");
    return parts.map((sql) => ({ sql, params }));
  });
}

/** Starts Miniflare with one D1 database per id and an HTTP front for them on 127.0.0.1. */
export async function startLocalD1Api(databaseIds: readonly string[]): Promise<LocalD1Api> {
  const accountId = "0123456789abcdef0123456789abcdef";
  const apiToken = "local-d1-api-token";
  const bindings = Object.fromEntries(databaseIds.map((id, i) => [`DB${i}`, id]));
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response(null, { status: 404 }); } }",
    compatibilityDate: manifest.compatibilityDate,
    d1Databases: bindings,
  });
  await mf.ready;
  const database = async (id: string): Promise<LocalD1> => {
    const index = databaseIds.indexOf(id);
    if (index === -1) throw new Error(`no local database ${id}`);
    return (await mf.getD1Database(`DB${index}`)) as unknown as LocalD1;
  };
  const requests: unknown[] = [];
  let loseTo: string | undefined;
  const route = /^\/client\/v4\/accounts\/([^/]+)\/d1\/database\/([^/]+)\/query$/;

  const server = createServer(async (req, res) => {
    const match = route.exec(req.url ?? "");
    if (req.method !== "POST" || !match) return send(res, 404, failure(7000, "No route for that URI"));
    if (req.headers.authorization !== `Bearer ${apiToken}`)
      return send(res, 401, failure(10000, "Authentication error"));
    const [, account, uuid] = match;
    if (account !== accountId || !uuid || !databaseIds.includes(uuid))
      return send(res, 404, failure(7404, `The database ${uuid} could not be found`));
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
      requests.push(body);
      const db = await database(uuid);
      const statements = statementsOf(body).map((q) => db.prepare(q.sql).bind(...(q.params ?? [])));
      const results = await db.batch(statements);
      if (loseTo !== undefined && JSON.stringify(body).includes(loseTo)) {
        loseTo = undefined;
        return send(res, 502, failure(502, "Bad gateway (the response was lost after the commit)"));
      }
      send(
        res,
        200,
        envelope(results.map((r) => ({ results: r.results ?? [], success: r.success, meta: r.meta }))),
      );
    } catch (error) {
      send(res, 400, failure(7500, error instanceof Error ? error.message : String(error)));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/client/v4`,
    accountId,
    apiToken,
    requests,
    database,
    loseResponseTo: (text: string) => {
      loseTo = text;
    },
    async close() {
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
      await mf.dispose();
    },
  };
}
