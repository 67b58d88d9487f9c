/** JSON text stored in D1 columns (job reports, dead-letter payloads), read back for display. */

/** The parsed value of `text`, or the text itself when it is not valid JSON. */
export function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
