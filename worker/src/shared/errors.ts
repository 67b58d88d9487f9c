/** The message of anything thrown, for logs and error reports (never the stack or the object). */

/** `error.message` for an Error, else the value as a string. */
export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * Text safe to echo in an error message: control, format, private-use and unassigned characters,
 * lone surrogates and U+FFFD (what binary bytes decode to) each become "?".
 */
export const printable = (text: string): string => text.replace(/[\p{C}\uFFFD]/gu, "?");
