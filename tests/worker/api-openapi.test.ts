/**
 * `GET /_pathmeter/api/openapi.json`: the document the Worker serves is the generated one
 * (validated as OpenAPI 3.1 in tests/unit/openapi.test.ts), it lists every endpoint, and every
 * operation it lists is one the Worker serves (none falls through to the catch-all 404).
 */
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../worker/src/api/openapi";
import { api } from "./harness";

/** A JSON schema, as far as these tests read it. */
interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  [keyword: string]: unknown;
}

type Content = Record<string, { schema?: Schema }>;

interface Operation {
  parameters?: { name: string; in: string; schema?: Schema }[];
  requestBody?: { content: Content };
  responses?: Record<string, { content?: Content }>;
}

interface Document {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
}

/** Every endpoint of the Worker under the reserved prefix (the dashboard's asset files aside). */
const ENDPOINTS = [
  "get /api/stats/summary",
  "get /api/stats/paths",
  "get /api/stats/timeseries",
  "get /api/stats/compare",
  "get /api/openapi.json",
  "post /ingest",
  "get /api/snapshot",
  "get /api/archives",
  "get /api/archives/{day}",
  "get /api/ops/health",
  "get /api/ops/dead-letters",
  "post /api/ops/dead-letters/replay",
  "post /api/ops/jobs",
  "post /api/ops/jobs/{job}",
  "get /dashboard",
  "get /api/live",
];

async function served(): Promise<Document> {
  const res = await api("/api/openapi.json");
  expect(res.status).toBe(200);
  return res.json<Document>();
}

describe("GET /_pathmeter/api/openapi.json", () => {
  it("serves the generated OpenAPI 3.1 document with the reserved prefix as its server", async () => {
    const doc = await served();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: "http://gateway.test/_pathmeter" }]);
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument("http://gateway.test/_pathmeter"))));
  });

  it("lists every endpoint, and nothing else", async () => {
    const doc = await served();
    const listed = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m} ${path}`),
    );
    expect(listed.sort()).toEqual([...ENDPOINTS].sort());
  });

  it("describes health with the fields health answers", async () => {
    const doc = await served();
    const schema =
      doc.paths["/api/ops/health"]?.get?.responses?.["200"]?.content?.["application/json"]?.schema;
    const health = await (await api("/api/ops/health")).json<Record<string, unknown>>();
    expect(Object.keys(schema?.properties ?? {}).sort()).toEqual(Object.keys(health).sort());
    expect(Object.keys(schema?.properties?.paths?.properties ?? {}).sort()).toEqual(
      Object.keys(health.paths as object).sort(),
    );
  });

  it("declares the query parameters the stats endpoints validate", async () => {
    const doc = await served();
    const names = (path: string) => (doc.paths[path]?.get?.parameters ?? []).map((p) => p.name).sort();
    expect(names("/api/stats/paths")).toEqual(["format", "from", "limit", "method", "sort", "to"]);
    expect(names("/api/stats/timeseries")).toEqual(["format", "from", "granularity", "method", "path", "to"]);
    expect(names("/api/stats/compare")).toEqual([
      "baseFrom",
      "baseTo",
      "format",
      "from",
      "limit",
      "method",
      "to",
    ]);
  });

  it("says a job that fails answers 500, and the dead-letter limits are bounded integers", async () => {
    const doc = await served();
    for (const path of ["/api/ops/jobs", "/api/ops/jobs/{job}"])
      expect(Object.keys(doc.paths[path]?.post?.responses ?? {}), path).toContain("500");
    const limit = doc.paths["/api/ops/dead-letters"]?.get?.parameters?.find((p) => p.name === "limit");
    expect(limit?.schema).toMatchObject({ type: "integer", minimum: 1, maximum: 500, default: 50 });
    const replay = doc.paths["/api/ops/dead-letters/replay"]?.post;
    const body = replay?.requestBody?.content["application/json"]?.schema;
    expect(body?.properties?.ids).toMatchObject({ type: "array", maxItems: 1000 });
    expect(body?.properties?.limit).toMatchObject({ type: "integer", minimum: 1, maximum: 1000 });
    const answer = replay?.responses?.["200"]?.content?.["application/json"]?.schema;
    expect(Object.keys(answer?.properties ?? {}).sort()).toEqual([
      "alreadyReplayed",
      "messageIds",
      "notFound",
      "replayed",
      "skipped",
    ]);
  });

  it.each(ENDPOINTS)("%s is served by the Worker", async (endpoint) => {
    const [method, path] = endpoint.split(" ") as [string, string];
    const concrete = path.replace("{day}", "2026-01-01").replace("{job}", "capacity");
    const res = await api(concrete, {
      method: method.toUpperCase(),
      ...(method === "post" ? { body: "[]" } : {}),
    });
    const body = await res.text();
    expect(body).not.toContain("no pathmeter endpoint");
    expect(res.status).toBeLessThan(500);
  });
});
