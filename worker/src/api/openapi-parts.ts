/**
 * Building blocks of the hand-declared part of the OpenAPI document (openapi.ts, openapi-ops.ts):
 * JSON responses, error responses, free-form objects, the 401 every guarded endpoint answers.
 */
import { z } from "@hono/zod-openapi";
import { errorSchema } from "./stats-schemas";

export const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
export const failure = (description: string) => json(errorSchema, description);
export const object = (description: string) => z.object({}).catchall(z.unknown()).openapi({ description });
export const guarded = { 401: failure("no or a wrong bearer token") };
