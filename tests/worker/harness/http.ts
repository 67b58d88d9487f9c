/**
 * The HTTP side of the harness: requests through the Worker's real fetch export with a real
 * ExecutionContext (its waitUntil work awaited), the admin token added for pathmeter's own API.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { TEST_SECRETS } from "../../secrets";
import { worker } from "./worker";

export type TestEnv = typeof env;

/** Where the tests address the Worker; the host does not matter to it. */
const ORIGIN = "http://gateway.test";

/** The test env with some vars replaced (config is parsed once per env object). */
export const envWith = (vars: Partial<Record<string, string>>): TestEnv => ({ ...env, ...vars }) as TestEnv;

/** Runs one request through the Worker, reads the whole body, then waits for its waitUntil work. */
export async function callWorker(
  request: Request,
  testEnv: TestEnv = env,
): Promise<{ response: Response; body: string }> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, testEnv, ctx);
  const body = await response.text();
  await waitOnExecutionContext(ctx);
  return { response, body };
}

/**
 * A request to pathmeter's own API (`path` under the reserved prefix), with the admin token
 * unless told otherwise. The body is left unread: a test reads it as it needs.
 */
export async function api(
  path: string,
  init: RequestInit = {},
  token: string | null = TEST_SECRETS.ADMIN_TOKEN,
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== null) headers.set("Authorization", `Bearer ${token}`);
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`${ORIGIN}/_pathmeter${path}`, { ...init, headers }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

export interface IngestOptions {
  /** Default application/json; null sends no Content-Type. */
  contentType?: string | null;
  /** Default the test admin token; null sends no Authorization. */
  token?: string | null;
  /** Sent as Content-Encoding when given (the body is sent as it is). */
  contentEncoding?: string;
}

/** POSTs a body to the ingest endpoint with the test admin token (unless told otherwise). */
export function ingestRequest(body: BodyInit, options: IngestOptions = {}): Request {
  const headers = new Headers();
  const contentType = options.contentType === undefined ? "application/json" : options.contentType;
  if (contentType !== null) headers.set("Content-Type", contentType);
  const token = options.token === undefined ? TEST_SECRETS.ADMIN_TOKEN : options.token;
  if (token !== null) headers.set("Authorization", `Bearer ${token}`);
  if (options.contentEncoding !== undefined) headers.set("Content-Encoding", options.contentEncoding);
  return new Request(`${ORIGIN}/_pathmeter/ingest`, { method: "POST", headers, body });
}

/** Sends an ingest request and parses the JSON answer. */
export async function ingest(
  body: BodyInit,
  options: IngestOptions = {},
  testEnv: TestEnv = env,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const { response, body: text } = await callWorker(ingestRequest(body, options), testEnv);
  return { status: response.status, json: JSON.parse(text) as Record<string, unknown> };
}
