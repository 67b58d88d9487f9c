/**
 * Comparing a presented secret token with the configured one without leaking, through timing,
 * how much of it matched or how long it is: both are hashed to 32 bytes (SHA-256) and the digests
 * compared with workerd's `crypto.subtle.timingSafeEqual`, which takes the same time for any two
 * equal-length buffers. The original strings are never compared directly.
 */

const encoder = new TextEncoder();

const digestOf = (token: string): Promise<ArrayBuffer> =>
  crypto.subtle.digest("SHA-256", encoder.encode(token));

/** True when `presented` equals `expected`, in time independent of where or whether they differ. */
export async function tokensEqual(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([digestOf(presented), digestOf(expected)]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header; "" for any other header or none. */
export function bearerTokenOf(authorization: string | undefined): string {
  const match = /^Bearer +([^\s]+) *$/i.exec(authorization ?? "");
  return match?.[1] ?? "";
}
