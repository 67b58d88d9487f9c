/** The message of anything thrown, for logs and error reports (never the stack or the object). */

/** `error.message` for an Error, else the value as a string. */
export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
