/**
 * Response size for the event: what the client is sent. Content-Length when the response
 * declares it; 0 when no body goes out (a HEAD, a null-body status); otherwise the bytes actually
 * streamed to the client, counted by a pass-through TransformStream.
 */

export interface MeasuredResponse {
  /** The response to send: the original one, or one rebuilt around a counted (or no) body. */
  response: Response;
  /** The size when already known, or a promise that settles when streaming ends or is cancelled. */
  bytes: number | null | Promise<number>;
}

/**
 * Statuses whose responses never carry a body (Fetch standard: a Response with one cannot even be
 * built), whatever the upstream sends.
 */
export const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/** Lets go of a body nobody will read, so the upstream connection is released. */
const discard = (body: ReadableStream): void => {
  body.cancel().catch(() => {});
};

/**
 * Measures the body `method`'s client is sent, without buffering it or delaying the client.
 * A body the client can never get (HEAD, 204, 304, ...) is cancelled and dropped at once: nothing
 * would ever read it, so counting it would wait forever and its request would go unrecorded.
 */
export function measureBody(response: Response, method: string): MeasuredResponse {
  const { body } = response;
  // A 101 (WebSocket) response cannot be rebuilt around a new body; its size is not a body size.
  if (response.status === 101) return { response, bytes: null };
  if (!body) return { response, bytes: 0 };
  if (method === "HEAD" || NULL_BODY_STATUSES.has(response.status)) {
    discard(body);
    return { response: new Response(null, response), bytes: 0 };
  }
  const declared = response.headers.get("Content-Length");
  if (declared !== null && /^\d{1,15}$/.test(declared)) return { response, bytes: Number(declared) };

  let counted = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      counted += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  // pipeTo settles when the body has been streamed, or rejects when the upstream failed or the
  // client went away: either way the bytes counted so far are what was sent.
  const bytes = body.pipeTo(counter.writable).then(
    () => counted,
    () => counted,
  );
  return { response: new Response(counter.readable, response), bytes };
}
