/**
 * The OpenAPI document of the Worker (worker/src/api/openapi.ts) is valid OpenAPI 3.1 by
 * @readme/openapi-parser (schema and spec rules), and declares every endpoint. Validated here in
 * node because the validator compiles JSON schemas with `new Function`, which workerd forbids;
 * tests/worker/api-openapi.test.ts checks the served document is this one.
 */
import { compileErrors, validate } from "@readme/openapi-parser";
import { describe, expect, it } from "vitest";

interface Document {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
}

// Imported by a computed path so the node-side typecheck does not compile Worker code.
const WORKER_MODULE = "../../worker/src/api/openapi";

async function document(): Promise<Document> {
  const module: { openApiDocument(server: string): Document } = await import(WORKER_MODULE);
  return module.openApiDocument("https://pathmeter.example.com/_pathmeter");
}

describe("OpenAPI document", () => {
  it("validates as OpenAPI 3.1", async () => {
    const doc = await document();
    expect(doc.openapi).toBe("3.1.0");
    const result = await validate(JSON.parse(JSON.stringify(doc)));
    expect(result.valid ? [] : compileErrors(result)).toEqual([]);
    expect(result.specification).toBe("OpenAPI");
    expect(result.warnings).toEqual([]);
  });

  it("fails validation when broken (the check can fail)", async () => {
    const doc = JSON.parse(JSON.stringify(await document()));
    doc.paths["/api/stats/paths"].get.responses = "none";
    expect((await validate(doc)).valid).toBe(false);
  });
});
