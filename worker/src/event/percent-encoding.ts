/**
 * The canonical percent-encoding of a path (RFC 3986 §6.2.2.1–6.2.2.2), so one route is one
 * template whichever way a client spelled it: the gateway sees what workerd's URL parser made of
 * the request (non-ASCII encoded, the client's own escapes kept as sent, lower-case included),
 * the ingest API sees whatever string a caller sent (often decoded UTF-8).
 *
 * Canonical form: percent-encoded triplets in upper-case hex; encoded unreserved characters
 * (ALPHA, DIGIT, `-`, `.`, `_`, `~`) decoded; every other character a path may not hold unencoded
 * (non-ASCII, space, controls, `"`, `<`, `>`, `\`, `^`, backtick, `{`, `|`, `}`, `[`, `]`, and a `%`
 * not starting a triplet) encoded as UTF-8. Encoded reserved characters (`%2F`, `%3F`, ...) stay
 * encoded: decoding them would change the path's structure.
 */

/** ASCII code → 1 when a path holds it unencoded: unreserved, sub-delims, ":", "@" and "/". */
const PATH_CHAR = new Uint8Array(128);
/** ASCII code → 1 for the unreserved characters, which are never encoded in canonical form. */
const UNRESERVED = new Uint8Array(128);
const mark = (table: Uint8Array, chars: string): void => {
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = 1;
};
const ALPHA_DIGIT = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
mark(UNRESERVED, `${ALPHA_DIGIT}-._~`);
mark(PATH_CHAR, `${ALPHA_DIGIT}-._~!$&'()*+,;=:@/`);

const PERCENT = 0x25;
const HEX_DIGITS = "0123456789ABCDEF";

/** The value of a hex digit's char code, or -1. */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** The byte of the triplet starting at `at` (which holds a "%"), or -1 when it is not one. */
function tripletAt(path: string, at: number): number {
  const high = hexValue(path.charCodeAt(at + 1));
  const low = hexValue(path.charCodeAt(at + 2));
  return high < 0 || low < 0 ? -1 : high * 16 + low;
}

const encodedByte = (byte: number): string => `%${HEX_DIGITS[byte >> 4]}${HEX_DIGITS[byte & 15]}`;

/** The UTF-8 bytes of a code point, percent-encoded. */
function encodedCodePoint(codePoint: number): string {
  if (codePoint < 0x80) return encodedByte(codePoint);
  if (codePoint < 0x800) return encodedByte(0xc0 | (codePoint >> 6)) + encodedByte(0x80 | (codePoint & 63));
  const tail = encodedByte(0x80 | ((codePoint >> 6) & 63)) + encodedByte(0x80 | (codePoint & 63));
  if (codePoint < 0x10000) return encodedByte(0xe0 | (codePoint >> 12)) + tail;
  return encodedByte(0xf0 | (codePoint >> 18)) + encodedByte(0x80 | ((codePoint >> 12) & 63)) + tail;
}

/** Outside PATH_CHAR, or a "%" (whose escape may change): the path needs the slow walk. */
const NOT_PLAIN = /[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/;

/** The canonical spelling of one escape or character starting at `at`, and how many code units it took. */
function canonicalAt(path: string, at: number): [text: string, length: number] {
  const code = path.charCodeAt(at);
  if (code === PERCENT) {
    const byte = tripletAt(path, at);
    if (byte < 0) return ["%25", 1];
    return [byte < 0x80 && UNRESERVED[byte] === 1 ? String.fromCharCode(byte) : encodedByte(byte), 3];
  }
  if (code < 0x80) return [PATH_CHAR[code] === 1 ? (path[at] ?? "") : encodedByte(code), 1];
  const codePoint = path.codePointAt(at) ?? code;
  // A lone surrogate has no UTF-8 form (an ingest string may hold one): it becomes U+FFFD.
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return [encodedCodePoint(0xfffd), 1];
  return [encodedCodePoint(codePoint), codePoint > 0xffff ? 2 : 1];
}

/**
 * The canonical percent-encoding of a path (see the module header). A path of plain path
 * characters without "%" — nearly every real one — is returned as it is, without allocating.
 */
export function canonicalEncoding(path: string): string {
  // One regex test, which allocates nothing (and beats a charCodeAt loop in V8).
  if (!NOT_PLAIN.test(path)) return path;
  let canonical = "";
  for (let at = 0; at < path.length; ) {
    const [text, length] = canonicalAt(path, at);
    canonical += text;
    at += length;
  }
  return canonical;
}

/** Bytes that follow a UTF-8 lead byte (0 for ASCII, a continuation byte or an invalid one). */
const continuationsAfter = (lead: number): number =>
  lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;

/**
 * Where to cut a canonical path so it keeps at most `max` characters without leaving half of a
 * triplet or an encoded UTF-8 character without its last bytes at the end.
 */
export function encodedCutAt(path: string, max: number): number {
  let end = max;
  if (path.charCodeAt(end - 1) === PERCENT && tripletAt(path, end - 1) >= 0) end -= 1;
  else if (path.charCodeAt(end - 2) === PERCENT && tripletAt(path, end - 2) >= 0) end -= 2;
  // Step back over the trailing continuation bytes to their lead byte, if it is within reach.
  let lead = end - 3;
  let continuations = 0;
  while (lead >= 0 && path.charCodeAt(lead) === PERCENT && continuations < 3) {
    const byte = tripletAt(path, lead);
    if (byte < 0x80 || byte > 0xbf) break;
    continuations += 1;
    lead -= 3;
  }
  if (lead < 0 || path.charCodeAt(lead) !== PERCENT) return end;
  const needed = continuationsAfter(tripletAt(path, lead));
  return needed > continuations ? lead : end;
}
