/**
 * Response size for the event: Content-Length when the response declares it, otherwise the
 * bytes actually streamed to the client, counted by a pass-through TransformStream.
 */

export interface MeasuredResponse {
  /** The response to send: the original one, or one whose body streams through the counter. */
  response: Response;
  /** Resolves once the size is known (for a counted body: when streaming ends or is cancelled). */
  bytes: Promise<number | null>;
}

/** Measures `response`'s body size without buffering it or delaying the client. */
export function measureBody(response: Response): MeasuredResponse {
  const { body } = response;
  if (!body) return { response, bytes: Promise.resolve(0) };
  const declared = response.headers.get("Content-Length");
  if (declared !== null && /^\d{1,15}$/.test(declared))
    return { response, bytes: Promise.resolve(Number(declared)) };
  // A 101 (WebSocket) response cannot be rebuilt around a new body; its size is not a body size.
  if (response.status === 101) return { response, bytes: Promise.resolve(null) };

  let counted = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      counted += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  // pipeTo settles when the body has been streamed, or rejects when the client went away:
  // either way the bytes counted so far are what was sent.
  const bytes = body.pipeTo(counter.writable).then(
    () => counted,
    () => counted,
  );
  return { response: new Response(counter.readable, response), bytes };
}
