/**
 * The gateway's upstream, stubbed at the outbound-fetch edge: what it answers, and the requests
 * the gateway forwarded to it.
 */
import { vi } from "vitest";

/** Makes every outbound fetch answer `response()`; the spy records what was forwarded. */
export const stubUpstream = (response: () => Response) =>
  vi.spyOn(globalThis, "fetch").mockImplementation(async () => response());

/** The Request of the spy's `call`-th fetch. */
export function forwardedRequest(spy: ReturnType<typeof stubUpstream>, call = 0): Request {
  const input = spy.mock.calls[call]?.[0];
  if (!(input instanceof Request)) throw new Error(`upstream call ${call} was not made with a Request`);
  return input;
}
