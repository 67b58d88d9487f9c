/**
 * `GET /api/openapi.json`: the OpenAPI 3.1 document of every pathmeter endpoint. The stats
 * endpoints are generated from the schemas that validate their requests (stats-routes.ts); the
 * other endpoints (hand-validated in their own modules) are declared here with their
 * parameters and response shapes. Paths are relative to the server URL, which ends in the
 * reserved prefix (`/_pathmeter` by default).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { EVENT_METHODS } from "../event";
import { registerOpsPaths } from "./openapi-ops";
import { failure, guarded, json, object } from "./openapi-parts";
import { statsApi } from "./stats-routes";

/** One ingested event, as the ingest API validates it (ingest/event-schema.ts, ingest/validate.ts). */
const ingestEvent = z
  .object({
    ts: z
      .number()
      .int()
      .openapi({ description: "request start, epoch ms; ≤ MAX_EVENT_AGE_DAYS old, ≤ 5 min ahead" }),
    method: z.enum(EVENT_METHODS).openapi({ description: "any case; OTHER for a method outside the list" }),
    path: z
      .string()
      .openapi({ description: 'starts with "/"; normalised to a template, cut at 256 characters' }),
    status: z.number().int().min(100).max(599),
    durationMs: z.number().min(0).max(86_400_000),
    bytes: z.number().int().min(0).nullable().optional().openapi({ description: "response body size" }),
    id: z
      .string()
      .optional()
      .openapi({ description: "the event's id (stored once per id); derived when absent" }),
    requestId: z
      .string()
      .optional()
      .openapi({ description: "your gateway's request id, part of a derived id" }),
    clientIp: z.string().optional().openapi({ description: "hashed with the gateway's key; never stored" }),
    clientHash: z.string().optional().openapi({ description: "instead of clientIp: your own client key" }),
  })
  .openapi("IngestEvent");

const registry = statsApi.openAPIRegistry;
registry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });

registry.registerPath({
  method: "post",
  path: "/ingest",
  summary: "Events from other gateways (JSON array or NDJSON, gzip ok, ≤ 1000 events, ≤ 1 MB)",
  tags: ["ingest"],
  request: {
    headers: z.object({
      "content-encoding": z.enum(["gzip", "x-gzip", "deflate", "identity"]).optional().openapi({
        description:
          "a compressed body (one gzip member; deflate is zlib); the 1 MB limit counts it decompressed",
      }),
    }),
    body: {
      content: {
        "application/json": { schema: z.array(ingestEvent) },
        "application/x-ndjson": { schema: { type: "string" } },
      },
    },
  },
  responses: {
    202: json(
      z.object({
        accepted: z.number().int(),
        rejected: z.array(z.object({ index: z.number().int(), code: z.string(), message: z.string() })),
      }),
      "accepted and rejected events",
    ),
    400: failure("unreadable body (invalid_json, bad_request; invalid_body: corrupt gzip/deflate)"),
    413: failure("over 1 MB (decompressed too) or 1000 events"),
    415: failure("unsupported Content-Type or Content-Encoding (gzip, deflate, identity)"),
    ...guarded,
  },
});

registry.registerPath({
  method: "get",
  path: "/api/snapshot",
  summary: "The latest KV snapshot of the top paths",
  tags: ["snapshot"],
  responses: {
    200: json(object("{version, generatedAt, paths: [...]}"), "the snapshot"),
    404: failure("none yet"),
    503: failure("KV is unavailable (the stats API still answers)"),
    ...guarded,
  },
});

const range = z.object({
  from: z.string().optional().openapi({ description: "ISO-8601 or epoch ms" }),
  to: z.string().optional().openapi({ description: "ISO-8601 or epoch ms" }),
});

registry.registerPath({
  method: "get",
  path: "/api/archives",
  summary: "Archive parts of the UTC days in [from, to)",
  tags: ["archives"],
  request: { query: range },
  responses: {
    200: json(object("{from, to, parts: [...]}"), "the parts"),
    400: failure("bad range"),
    ...guarded,
  },
});

registry.registerPath({
  method: "get",
  path: "/api/archives/{day}",
  summary: "One day's archived events as JSONL, streamed",
  tags: ["archives"],
  request: {
    params: z.object({
      day: z.string().openapi({ param: { name: "day", in: "path" }, example: "2026-11-20" }),
    }),
  },
  responses: {
    200: {
      description: "the events, one JSON object a line",
      content: { "application/x-ndjson": { schema: { type: "string" } } },
    },
    400: failure("not a YYYY-MM-DD day"),
    404: failure("no archive for the day"),
    ...guarded,
  },
});

registerOpsPaths(registry);

registry.registerPath({
  method: "get",
  path: "/dashboard",
  summary: "The dashboard page (HTML); served without a token, it asks for one",
  tags: ["dashboard"],
  security: [],
  responses: { 200: { description: "the page", content: { "text/html": { schema: z.string() } } } },
});

registry.registerPath({
  method: "get",
  path: "/api/live",
  summary:
    'Per-path deltas after each stored batch (WebSocket); the token as the subprotocol `bearer.<token>` or a first message `{"token":"..."}`',
  tags: ["dashboard"],
  security: [],
  responses: {
    101: { description: "switched to the WebSocket" },
    401: failure("a wrong token offered as the `bearer.<token>` subprotocol"),
    426: failure("not a WebSocket upgrade"),
    503: failure("the live hub is unreachable (poll the stats API)"),
  },
});

const documentRoute = createRoute({
  method: "get",
  path: "/api/openapi.json",
  summary: "This document (OpenAPI 3.1)",
  tags: ["meta"],
  responses: { 200: json(object("OpenAPI 3.1 document"), "the document"), ...guarded },
});

/** The OpenAPI 3.1 document of every endpoint, for a server URL ending in the reserved prefix. */
export function openApiDocument(serverUrl: string) {
  return statsApi.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "pathmeter",
      version: "1",
      description:
        "API-gateway path analytics. Every endpoint needs `Authorization: Bearer <token>`, except the dashboard page and its live WebSocket. " +
        "A path asked with a method it does not serve answers 405 `method_not_allowed` with an `Allow` header. " +
        "An event's `method` is one of the listed names; `OTHER` stands for any other method (the gateway records PROPFIND, PURGE, ... as OTHER).",
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
  });
}

statsApi.openapi(documentRoute, (c) => {
  const server = `${new URL(c.req.url).origin}${c.get("config").reservedPrefix}`;
  return c.json({ ...openApiDocument(server) }, 200);
});

/** The stats API with the OpenAPI document, mounted at the reserved prefix's root. */
export const queryApi = statsApi;
