/** Lower-case hex of the first `bytes` bytes of a digest (shared by the client hash and event ids). */
export function hexPrefix(digest: ArrayBuffer, bytes: number): string {
  let out = "";
  for (const byte of new Uint8Array(digest, 0, bytes)) out += byte.toString(16).padStart(2, "0");
  return out;
}
